#include "app/text_rules.h"

namespace wirechat::app {

namespace {

// The White_Space characters, UTF-8 encoded, so that trimming is a prefix or
// suffix comparison rather than a decoder.
constexpr std::string_view kWhitespace[] = {
    " ", "\t", "\n", "\v", "\f", "\r",
    "\xC2\x85",                                      // U+0085 NEXT LINE
    "\xC2\xA0",                                      // U+00A0 NO-BREAK SPACE
    "\xE1\x9A\x80",                                  // U+1680 OGHAM SPACE MARK
    "\xE2\x80\x80", "\xE2\x80\x81", "\xE2\x80\x82",  // U+2000..U+200A: the
    "\xE2\x80\x83", "\xE2\x80\x84", "\xE2\x80\x85",  // typographic spaces
    "\xE2\x80\x86", "\xE2\x80\x87", "\xE2\x80\x88",
    "\xE2\x80\x89", "\xE2\x80\x8A",
    "\xE2\x80\xA8",                                  // U+2028 LINE SEPARATOR
    "\xE2\x80\xA9",                                  // U+2029 PARAGRAPH SEPARATOR
    "\xE2\x80\xAF",                                  // U+202F NARROW NO-BREAK SPACE
    "\xE2\x81\x9F",                                  // U+205F MEDIUM MATHEMATICAL SPACE
    "\xE3\x80\x80",                                  // U+3000 IDEOGRAPHIC SPACE
};

std::size_t leading_whitespace(std::string_view text) {
    for (std::string_view space : kWhitespace) {
        if (text.starts_with(space)) return space.size();
    }
    return 0;
}

std::size_t trailing_whitespace(std::string_view text) {
    for (std::string_view space : kWhitespace) {
        if (text.ends_with(space)) return space.size();
    }
    return 0;
}

}  // namespace

std::string_view trim_whitespace(std::string_view text) {
    while (std::size_t n = leading_whitespace(text)) text.remove_prefix(n);
    while (std::size_t n = trailing_whitespace(text)) text.remove_suffix(n);
    return text;
}

std::size_t count_code_points(std::string_view utf8) {
    // Every code point has exactly one byte that is not a continuation byte
    // (10xxxxxx), so counting those counts code points.
    std::size_t count = 0;
    for (char c : utf8) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
    }
    return count;
}

bool has_control_character(std::string_view utf8) {
    for (std::size_t i = 0; i < utf8.size(); ++i) {
        const auto byte = static_cast<unsigned char>(utf8[i]);
        if (byte < 0x20 || byte == 0x7F) return true;
        // U+0080..U+009F are encoded as C2 80..C2 9F.
        if (byte == 0xC2 && i + 1 < utf8.size()) {
            const auto next = static_cast<unsigned char>(utf8[i + 1]);
            if (next >= 0x80 && next <= 0x9F) return true;
        }
    }
    return false;
}

bool is_valid_room_name(std::string_view name, std::size_t max_length) {
    if (name.empty() || name.size() > max_length) return false;
    for (char c : name) {
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                             (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!allowed) return false;
    }
    return true;
}

std::optional<std::uint64_t> parse_id(std::string_view digits, std::uint64_t max) {
    if (digits.empty() || digits.size() > 20) return std::nullopt;
    std::uint64_t value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        const std::uint64_t digit = std::uint64_t(c - '0');
        if (value > (max - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
    }
    return value;
}

}  // namespace wirechat::app
