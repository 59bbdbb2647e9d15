// Which close codes a received close frame may carry (RFC 6455 7.4).
#include <catch2/catch.hpp>

#include "ws/close_code.h"

using wirechat::ws::is_valid_close_code;
namespace close_code = wirechat::ws::close_code;

TEST_CASE("close codes allowed on the wire") {
    for (std::uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999})
        CHECK(is_valid_close_code(code));
}

TEST_CASE("reserved, local-only and unassigned close codes are refused") {
    for (std::uint16_t code : {0, 1, 999, 1004, 1005, 1006, 1012, 1013, 1014, 1015, 1016, 2000, 2999, 5000, 65535})
        CHECK_FALSE(is_valid_close_code(code));
}

TEST_CASE("named close codes carry their RFC values") {
    CHECK(close_code::normal == 1000);
    CHECK(close_code::going_away == 1001);
    CHECK(close_code::protocol_error == 1002);
    CHECK(close_code::unsupported == 1003);
    CHECK(close_code::no_status == 1005);
    CHECK(close_code::invalid_payload == 1007);
    CHECK(close_code::policy == 1008);
    CHECK(close_code::too_big == 1009);
    CHECK(close_code::internal == 1011);
}
