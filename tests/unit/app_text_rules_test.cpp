#include <catch2/catch.hpp>

#include "app/text_rules.h"

using namespace wirechat::app;

TEST_CASE("trim_whitespace removes ASCII and Unicode spaces at both ends only") {
    CHECK(trim_whitespace("  alice \t\r\n") == "alice");
    CHECK(trim_whitespace("a b") == "a b");
    CHECK(trim_whitespace("") == "");
    CHECK(trim_whitespace(" \t\n\v\f\r ") == "");
    // NBSP, EM SPACE, IDEOGRAPHIC SPACE, LINE SEPARATOR, NEXT LINE
    CHECK(trim_whitespace("\xC2\xA0\xE2\x80\x83x\xE3\x80\x80\xE2\x80\xA8\xC2\x85") == "x");
    // Inner Unicode spaces stay.
    CHECK(trim_whitespace("a\xC2\xA0" "b") == "a\xC2\xA0" "b");
}

TEST_CASE("trim_whitespace leaves non-space characters that share a lead byte") {
    CHECK(trim_whitespace("\xC2\xA9") == "\xC2\xA9");          // U+00A9 ©
    CHECK(trim_whitespace("\xE2\x80\x8B") == "\xE2\x80\x8B");  // U+200B ZWSP is not White_Space
    CHECK(trim_whitespace("\xE2\x82\xAC ") == "\xE2\x82\xAC"); // U+20AC €
}

TEST_CASE("trim_whitespace is safe on truncated UTF-8") {
    CHECK(trim_whitespace("\xE2\x80") == "\xE2\x80");
    CHECK(trim_whitespace("\xC2") == "\xC2");
    CHECK(trim_whitespace(" \xE3\x80") == "\xE3\x80");
}

TEST_CASE("count_code_points counts characters, not bytes") {
    CHECK(count_code_points("") == 0);
    CHECK(count_code_points("alice") == 5);
    CHECK(count_code_points("\xC3\xA9") == 1);                  // é
    CHECK(count_code_points("\xE2\x82\xAC\xF0\x9F\x98\x80") == 2);  // € 😀
    CHECK(count_code_points("a\xC3\xA9z") == 3);
}

TEST_CASE("has_control_character finds C0, DEL and C1 but not other text") {
    CHECK_FALSE(has_control_character("alice \xC3\xA9 \xE2\x82\xAC"));
    CHECK(has_control_character(std::string_view("a\0b", 3)));
    CHECK(has_control_character("a\tb"));
    CHECK(has_control_character("a\x1F"));
    CHECK(has_control_character("\x7F"));
    CHECK(has_control_character("\xC2\x80"));   // U+0080
    CHECK(has_control_character("\xC2\x9F"));   // U+009F
    CHECK_FALSE(has_control_character("\xC2\xA0"));  // U+00A0 is a space, not a control
    CHECK_FALSE(has_control_character("\xC2"));      // truncated: no read past the end
}

TEST_CASE("is_valid_room_name accepts 1..max of [A-Za-z0-9_-]") {
    CHECK(is_valid_room_name("dev", 32));
    CHECK(is_valid_room_name("Team_2-b", 32));
    CHECK(is_valid_room_name(std::string(32, 'x'), 32));
    CHECK_FALSE(is_valid_room_name(std::string(33, 'x'), 32));
    CHECK_FALSE(is_valid_room_name("", 32));
    CHECK_FALSE(is_valid_room_name("a b", 32));
    CHECK_FALSE(is_valid_room_name("a/b", 32));
    CHECK_FALSE(is_valid_room_name("caf\xC3\xA9", 32));
    CHECK_FALSE(is_valid_room_name(" dev", 32));
}
