// Frames as text: the one-line description a trace prints for each frame,
// and the hex dump lines of --trace=full. Pure functions over a decoded
// header and payload bytes, so the exact text is easy to test.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ws/frame.h"

namespace wirechat::trace {

// "text", "binary", "close", "ping", "pong", "continuation", or "reserved"
// for the opcodes RFC 6455 keeps for later.
std::string_view opcode_name(ws::Opcode op);

// RFC 6455 7.4.1 names ("normal closure", "protocol error", ...), with
// 1005 and 1006 marked as local-only; the ranges 3000-4999 are named by
// their use; anything else is "not allowed on the wire".
std::string_view close_code_name(std::uint16_t code);

// Which of the three length forms the header used, from its second byte:
// "7-bit" (0-125), "16-bit" (126) or "64-bit" (127).
std::string_view length_encoding(std::uint8_t second_header_byte);

struct FrameFacts {
    ws::FrameHeader header;
    std::span<const std::uint8_t> raw_header;  // 2 to 14 bytes, as on the wire
    // Unmasked. Only the first bytes when the payload is long (or when the
    // frame was cut short); header.length says how long it really is.
    std::span<const std::uint8_t> payload;
    bool in_text_message = false;  // a text frame, or a continuation of one
};

// For the frame RFC 6455 5.7 uses as its example (a masked "Hello"):
//   text   FIN=1 RSV=000 MASK=1 key=37fa213d len=5 (7-bit) "Hello"
// Text is quoted with C-style escapes, binary shown as hex, a close frame as
// its code and reason; a long payload ends with "... (+N bytes)".
std::string describe_frame(const FrameFacts& frame);

// "\"Hello\"": at most `limit` bytes of text, cut at a character boundary,
// escaping quotes, backslashes, control characters and invalid UTF-8
// (as \xNN). `total` is the payload's real length, for the "+N bytes" tail.
std::string preview_text(std::span<const std::uint8_t> bytes, std::uint64_t total,
                         std::size_t limit = 64);
// "00 ff 10 ...": at most `limit` bytes in hex.
std::string preview_hex(std::span<const std::uint8_t> bytes, std::uint64_t total,
                        std::size_t limit = 16);

// One line of a hex dump: the offset, up to 16 bytes in hex, and the same
// bytes as ASCII (a dot for anything unprintable):
//   0010  48 65 6c 6c 6f                                   Hello
std::string hex_dump_line(std::uint64_t offset, std::span<const std::uint8_t> bytes);

// Lowercase hex, no separators ("37fa213d").
std::string hex(std::span<const std::uint8_t> bytes);

}  // namespace wirechat::trace
