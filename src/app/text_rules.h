// The rules user-supplied text must follow: nicknames, message bodies and
// room names. Pure functions on UTF-8 bytes.
//
// They never read past the view and never assume the bytes are valid UTF-8
// (the JSON parser already rejected invalid UTF-8, but these functions are
// also fuzzed on their own).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace wirechat::app {

// `text` without the Unicode White_Space characters (ASCII space, TAB, LF, VT,
// FF, CR, NEL, NBSP, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F,
// U+3000) at either end.
std::string_view trim_whitespace(std::string_view text);

// Code points in UTF-8 text: what users perceive as "length" far better than
// bytes do ("é" is two bytes but one code point).
std::size_t count_code_points(std::string_view utf8);

// True if `utf8` holds a C0 control (U+0000..U+001F), DEL (U+007F) or a C1
// control (U+0080..U+009F). Such characters can make a name invisible or
// mangle a terminal that prints it.
bool has_control_character(std::string_view utf8);

// 1..max_length characters of [A-Za-z0-9_-]: safe in URLs and log lines.
bool is_valid_room_name(std::string_view name, std::size_t max_length);

// A message id written in decimal digits (as in `?since=123`), at most
// `max`; nullopt for anything else (signs, spaces, empty, too large).
std::optional<std::uint64_t> parse_id(std::string_view digits, std::uint64_t max);

}  // namespace wirechat::app
