// Building frames for the wire (RFC 6455 5.2), always in the minimal length
// form.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ws/frame.h"

namespace wirechat::ws {

// Writes a frame header into `out` and returns its size (2 to 14 bytes).
// `mask_key` is nullptr for an unmasked (server) frame; otherwise the mask bit
// is set and the 4 key bytes follow the length. `rsv` is the 3-bit RSV value
// (RSV1 = 4). `length` must be below 2^63 (RFC 6455 5.2).
std::size_t write_frame_header(std::uint8_t out[14], bool fin, Opcode op, std::uint64_t length,
                               const std::uint8_t* mask_key, std::uint8_t rsv = 0);

// Appends a whole unmasked (server-role) frame to `out`. Used to frame a chat
// broadcast once and share the bytes among all recipients.
void append_frame(std::string& out, Opcode op, std::string_view payload, bool fin = true,
                  std::uint8_t rsv = 0);

}  // namespace wirechat::ws
