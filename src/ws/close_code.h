// Close status codes (RFC 6455 7.4) and which of them a peer may send.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wirechat::ws {

namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t unsupported = 1003;
// Never on the wire: reported locally when a close frame carried no code,
// and when the connection ended without a closing handshake.
inline constexpr std::uint16_t no_status = 1005;
inline constexpr std::uint16_t abnormal = 1006;
inline constexpr std::uint16_t invalid_payload = 1007;
inline constexpr std::uint16_t policy = 1008;
inline constexpr std::uint16_t too_big = 1009;
inline constexpr std::uint16_t internal = 1011;
}  // namespace close_code

// The longest close reason: a control frame's 125 bytes less the 2-byte code.
inline constexpr std::size_t max_close_reason = 123;

// True for the codes a close frame may carry: 1000-1003, 1007-1011 and the
// application/private ranges 3000-4999. 1004-1006 and 1015 are reserved for
// local use and must never be sent; the rest are unassigned.
bool is_valid_close_code(std::uint16_t code);

}  // namespace wirechat::ws
