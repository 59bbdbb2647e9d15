// The shared pieces of HTTP's grammar: tokens, OWS, hex digits, and the
// elements of comma-separated lists.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "http/grammar.h"

using namespace wirechat::http;

namespace {

std::vector<std::string> elements(std::string_view list) {
    std::vector<std::string> out;
    for (std::string_view element : ListElements(list)) out.emplace_back(element);
    return out;
}

}  // namespace

TEST_CASE("list elements come out trimmed and in order, empty ones kept") {
    using List = std::vector<std::string>;
    CHECK(elements("Upgrade") == List{"Upgrade"});
    CHECK(elements("keep-alive, Upgrade") == List{"keep-alive", "Upgrade"});
    CHECK(elements(" a ,\tb\t, c ") == List{"a", "b", "c"});
    CHECK(elements("a, ,b") == List{"a", "", "b"});
    CHECK(elements("a,") == List{"a", ""});
    CHECK(elements(",a") == List{"", "a"});
    CHECK(elements("") == List{""});
}

TEST_CASE("tokens, OWS and hex digits") {
    CHECK(is_token("websocket"));
    CHECK(is_token("x-custom_1.0!"));
    CHECK_FALSE(is_token(""));
    CHECK_FALSE(is_token("a b"));
    CHECK_FALSE(is_token("a,b"));
    CHECK(trim_ows(" \t value \t") == "value");
    CHECK(trim_ows("   ").empty());
    CHECK(hex_value('0') == 0);
    CHECK(hex_value('a') == 10);
    CHECK(hex_value('F') == 15);
    CHECK(hex_value('g') == -1);
}
