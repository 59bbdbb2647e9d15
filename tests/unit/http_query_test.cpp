#include <catch2/catch.hpp>

#include "http/query.h"

using namespace wirechat::http;

TEST_CASE("a query decodes into its pairs, in order") {
    const auto pairs = decode_query("room=dev&since=123&nickname=al%C3%A9x+b");
    REQUIRE(pairs);
    REQUIRE(pairs->size() == 3);
    CHECK((*pairs)[0] == std::pair<std::string, std::string>{"room", "dev"});
    CHECK(*find_query_value(*pairs, "since") == "123");
    CHECK(*find_query_value(*pairs, "nickname") == "al\xC3\xA9x b");
    CHECK(find_query_value(*pairs, "missing") == nullptr);
}

TEST_CASE("query edge cases: empty pieces, names alone, escapes anywhere, repeats") {
    const auto pairs = decode_query("&&a&b=&c%3D=%3d%26&a=2");
    REQUIRE(pairs);
    REQUIRE(pairs->size() == 4);
    CHECK(*find_query_value(*pairs, "a") == "");  // the first one counts
    CHECK(*find_query_value(*pairs, "b") == "");
    CHECK(*find_query_value(*pairs, "c=") == "=&");
    CHECK(decode_query("")->empty());
    CHECK(*find_query_value(*decode_query("x=%00"), "x") == std::string(1, '\0'));
}

TEST_CASE("a '%' without two hex digits makes the query malformed") {
    CHECK_FALSE(decode_query("a=%"));
    CHECK_FALSE(decode_query("a=%4"));
    CHECK_FALSE(decode_query("a=%zz"));
    CHECK_FALSE(decode_query("%g1=x"));
    CHECK(decode_query("a=%41%4a"));
}
