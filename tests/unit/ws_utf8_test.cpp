// The validator against a straightforward reference decoder (exhaustively for
// short inputs), a table of RFC 3629 edge cases, the position of the first
// failure, and every split of the input.
#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "ws/utf8.h"

using wirechat::ws::is_valid_utf8;
using wirechat::ws::Utf8Validator;
using Bytes = std::vector<std::uint8_t>;

namespace {

// Decodes code point by code point from the definition: the lead byte gives
// the length, continuations are 10xxxxxx, and the value must be in the range
// that length encodes, outside the surrogates, at most U+10FFFF.
bool reference_valid(const Bytes& s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const std::uint8_t b = s[i];
        std::size_t length;
        std::uint32_t value;
        std::uint32_t minimum;
        if (b < 0x80) { length = 1; value = b; minimum = 0; }
        else if ((b & 0xE0) == 0xC0) { length = 2; value = b & 0x1F; minimum = 0x80; }
        else if ((b & 0xF0) == 0xE0) { length = 3; value = b & 0x0F; minimum = 0x800; }
        else if ((b & 0xF8) == 0xF0) { length = 4; value = b & 0x07; minimum = 0x10000; }
        else return false;
        if (i + length > s.size()) return false;
        for (std::size_t k = 1; k < length; ++k) {
            if ((s[i + k] & 0xC0) != 0x80) return false;
            value = (value << 6) | (s[i + k] & 0x3F);
        }
        if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return false;
        i += length;
    }
    return true;
}

bool validate(const Bytes& s) {
    Utf8Validator v;
    return v.feed(s) && v.complete();
}

bool validate_split(const Bytes& s, std::size_t cut) {
    Utf8Validator v;
    const std::span<const std::uint8_t> all(s);
    return v.feed(all.first(cut)) && v.feed(all.subspan(cut)) && v.complete();
}

// Index of the byte at which a byte-at-a-time feed first fails, if any.
std::optional<std::size_t> failure_position(const Bytes& s) {
    Utf8Validator v;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (!v.feed(std::span<const std::uint8_t>(&s[i], 1))) return i;
    return std::nullopt;
}

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

}  // namespace

TEST_CASE("UTF-8 edge cases") {
    struct Case {
        const char* name;
        Bytes bytes;
        bool valid;
    };
    const std::vector<Case> cases = {
        {"empty", {}, true},
        {"ASCII", bytes_of("Hello, world! 0123456789"), true},
        {"NUL and DEL are valid", {0x00, 0x7F}, true},
        {"U+0080", {0xC2, 0x80}, true},
        {"U+07FF", {0xDF, 0xBF}, true},
        {"U+0800", {0xE0, 0xA0, 0x80}, true},
        {"U+D7FF", {0xED, 0x9F, 0xBF}, true},
        {"U+E000", {0xEE, 0x80, 0x80}, true},
        {"U+FFFF", {0xEF, 0xBF, 0xBF}, true},
        {"U+10000", {0xF0, 0x90, 0x80, 0x80}, true},
        {"U+10FFFF", {0xF4, 0x8F, 0xBF, 0xBF}, true},
        {"Hello-µ@ßöäüàá-UTF-8!!", bytes_of("Hello-\xC2\xB5@\xC3\x9F\xC3\xB6\xC3\xA4\xC3\xBC\xC3\xA0\xC3\xA1-UTF-8!!"), true},
        {"overlong NUL C0 80", {0xC0, 0x80}, false},
        {"overlong C1 BF", {0xC1, 0xBF}, false},
        {"overlong E0 9F BF", {0xE0, 0x9F, 0xBF}, false},
        {"overlong F0 8F BF BF", {0xF0, 0x8F, 0xBF, 0xBF}, false},
        {"surrogate U+D800", {0xED, 0xA0, 0x80}, false},
        {"surrogate U+DFFF", {0xED, 0xBF, 0xBF}, false},
        {"U+110000", {0xF4, 0x90, 0x80, 0x80}, false},
        {"F5 lead", {0xF5, 0x80, 0x80, 0x80}, false},
        {"FF", {0xFF}, false},
        {"lone continuation", {0x80}, false},
        {"truncated 2-byte", {0xC2}, false},
        {"truncated 3-byte", {0xE2, 0x82}, false},
        {"truncated 4-byte", {0xF0, 0x9F, 0x98}, false},
        {"ASCII after lead", {0xC2, 0x41}, false},
        {"bad byte after 8 ASCII", bytes_of("abcdefgh\xFF"), false},
        {"truncated after 16 ASCII", bytes_of("abcdefghabcdefgh\xE2\x82"), false},
    };
    for (const Case& c : cases) {
        INFO(c.name);
        CHECK(reference_valid(c.bytes) == c.valid);
        CHECK(validate(c.bytes) == c.valid);
        CHECK(is_valid_utf8(std::string_view(reinterpret_cast<const char*>(c.bytes.data()), c.bytes.size())) == c.valid);
        for (std::size_t cut = 0; cut <= c.bytes.size(); ++cut) CHECK(validate_split(c.bytes, cut) == c.valid);
    }
}

TEST_CASE("an invalid sequence fails at the first byte that makes it impossible") {
    struct Case {
        Bytes bytes;
        std::size_t position;
    };
    const std::vector<Case> cases = {
        {{0xF4, 0x90, 0x80, 0x80}, 1}, {{0xE0, 0x80, 0x80}, 1}, {{0xED, 0xA0, 0x80}, 1},
        {{0xF0, 0x80, 0x80, 0x80}, 1}, {{0xC0, 0x80}, 0},       {{0xF5}, 0},
        {{0x41, 0x80}, 1},             {{0xC2, 0x41}, 1},       {{0xE2, 0x82, 0x41}, 2},
        {{0xF0, 0x9F, 0x98, 0x41}, 3}, {bytes_of("0123456789abcdef\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5\xED\xA0\x80" "edited"), 28},
    };
    for (const Case& c : cases) {
        INFO("expected failure at " << c.position);
        CHECK(failure_position(c.bytes) == c.position);
    }
    // A truncated sequence is not a failure until the input is said to end.
    Utf8Validator v;
    CHECK(v.feed(Bytes{0xF0, 0x9F, 0x98}));
    CHECK_FALSE(v.complete());
    CHECK(v.feed(Bytes{0x80}));
    CHECK(v.complete());
}

TEST_CASE("the validator stays failed until reset") {
    Utf8Validator v;
    CHECK_FALSE(v.feed(Bytes{0xFF}));
    CHECK_FALSE(v.feed(Bytes{0x41}));
    CHECK_FALSE(v.complete());
    v.reset();
    CHECK(v.feed(Bytes{0x41}));
    CHECK(v.complete());
    v.feed(Bytes{0xE2});
    v.reset();
    CHECK(v.complete());
}

TEST_CASE("every 1- and 2-byte input agrees with the reference") {
    for (int a = 0; a < 256; ++a) {
        const Bytes one = {std::uint8_t(a)};
        REQUIRE(validate(one) == reference_valid(one));
        for (int b = 0; b < 256; ++b) {
            const Bytes two = {std::uint8_t(a), std::uint8_t(b)};
            REQUIRE(validate(two) == reference_valid(two));
        }
    }
}

TEST_CASE("every 3-byte input starting with a lead byte agrees with the reference") {
    Bytes three(3);
    for (int a = 0xC0; a < 256; ++a)
        for (int b = 0; b < 256; ++b)
            for (int c = 0; c < 256; ++c) {
                three = {std::uint8_t(a), std::uint8_t(b), std::uint8_t(c)};
                if (validate(three) != reference_valid(three)) FAIL("disagree on " << a << ' ' << b << ' ' << c);
            }
}

TEST_CASE("4-byte inputs built from boundary bytes agree with the reference") {
    const std::uint8_t interesting[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xE0, 0xED, 0xF0, 0xF4, 0xF5, 0xFF};
    for (int a = 0xF0; a < 256; ++a)
        for (std::uint8_t b : interesting)
            for (std::uint8_t c : interesting)
                for (std::uint8_t d : interesting) {
                    const Bytes four = {std::uint8_t(a), b, c, d};
                    REQUIRE(validate(four) == reference_valid(four));
                }
}

TEST_CASE("random mostly-valid text agrees with the reference, whole and split") {
    std::mt19937 rng(6455);
    const std::vector<Bytes> pieces = {
        bytes_of("a"), bytes_of("hello world "), bytes_of("\xC3\xA9"), bytes_of("\xE2\x82\xAC"),
        bytes_of("\xF0\x9F\x98\x80"), bytes_of("\xED\x9F\xBF"), {0x80}, {0xED, 0xA0}, {0xF4, 0x90}, {0xC0}};
    for (int round = 0; round < 2000; ++round) {
        Bytes s;
        const int count = static_cast<int>(rng() % 12);
        for (int i = 0; i < count; ++i) {
            // Invalid pieces are rare so that long valid strings are common.
            const std::size_t pick = rng() % 50;
            const Bytes& piece = pick < 6 ? pieces[pick] : pick < 45 ? pieces[1] : pieces[6 + rng() % 4];
            s.insert(s.end(), piece.begin(), piece.end());
        }
        const bool expected = reference_valid(s);
        REQUIRE(validate(s) == expected);
        for (std::size_t cut = 0; cut <= s.size(); ++cut) REQUIRE(validate_split(s, cut) == expected);
    }
}
