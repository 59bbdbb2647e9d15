#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>

#include "app/rate_limiter.h"

using wirechat::app::RateLimiter;

TEST_CASE("the bucket allows a burst, then refuses") {
    RateLimiter limiter(20, 10, 1000);
    for (int i = 0; i < 20; ++i) REQUIRE(limiter.try_take(1000));
    CHECK_FALSE(limiter.try_take(1000));
    CHECK_FALSE(limiter.try_take(1000));
}

TEST_CASE("tokens come back at the sustained rate") {
    RateLimiter limiter(20, 10, 0);
    for (int i = 0; i < 20; ++i) REQUIRE(limiter.try_take(0));
    CHECK_FALSE(limiter.try_take(99));   // 0.99 of a token
    CHECK(limiter.try_take(100));        // one token per 100 ms
    CHECK_FALSE(limiter.try_take(100));
    // One second refills ten, not more.
    for (int i = 0; i < 10; ++i) REQUIRE(limiter.try_take(1100));
    CHECK_FALSE(limiter.try_take(1100));
}

TEST_CASE("a long pause refills only up to the burst") {
    RateLimiter limiter(20, 10, 0);
    for (int i = 0; i < 20; ++i) REQUIRE(limiter.try_take(0));
    for (int i = 0; i < 20; ++i) REQUIRE(limiter.try_take(3'600'000));
    CHECK_FALSE(limiter.try_take(3'600'000));
}

TEST_CASE("a clock going backwards neither refills nor locks out") {
    RateLimiter limiter(2, 10, 10'000);
    REQUIRE(limiter.try_take(10'000));
    REQUIRE(limiter.try_take(10'000));
    CHECK_FALSE(limiter.try_take(5'000));  // stepped back: no refill
    CHECK(limiter.try_take(5'100));        // refill resumes from the new time
}

TEST_CASE("extreme timestamps do not overflow") {
    constexpr auto lowest = std::numeric_limits<std::int64_t>::min();
    constexpr auto highest = std::numeric_limits<std::int64_t>::max();
    RateLimiter limiter(1, 10, lowest);
    REQUIRE(limiter.try_take(lowest));
    CHECK(limiter.try_take(highest));
    CHECK_FALSE(limiter.try_take(highest));
}

TEST_CASE("a rate of 0 is no limit, whatever the burst") {
    RateLimiter limiter(20, 0, 0);
    for (int i = 0; i < 10'000; ++i) REQUIRE(limiter.try_take(0));
    CHECK(limiter.try_take(-1'000));  // nor does the clock matter
}
