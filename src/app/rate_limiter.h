// A token bucket: each envelope takes a token; tokens come back at a steady
// rate up to a burst ceiling. A client may type quickly for a moment but not
// flood the room for long.
//
// Time is passed in (wall-clock milliseconds) rather than read, so tests can
// move it at will. The clock may go backwards (NTP steps): that never refills
// the bucket and never locks the client out.
#pragma once

#include <cstdint>

namespace wirechat::app {

class RateLimiter {
public:
    // Starts full: a newly connected client may send `burst` envelopes at once.
    // per_second <= 0: no limit at all (every try_take succeeds; the burst
    // does not matter).
    RateLimiter(double burst, double per_second, std::int64_t now_ms);

    // Takes one token if there is one; false means the envelope must be refused.
    bool try_take(std::int64_t now_ms);

private:
    double burst_;
    double per_ms_;
    double tokens_;
    std::int64_t last_ms_;
};

}  // namespace wirechat::app
