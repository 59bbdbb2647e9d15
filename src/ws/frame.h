// The vocabulary of RFC 6455 section 5: opcodes, the two roles, and the
// decoded form of a frame header. Shared by the writer, the parser and the
// endpoint.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wirechat::ws {

// The underlying type is fixed, so any 4-bit value read off the wire
// (including the reserved 3-7 and 0xB-0xF) can be held and then rejected.
enum class Opcode : std::uint8_t {
    continuation = 0,
    text = 1,
    binary = 2,
    close = 8,
    ping = 9,
    pong = 10,
};

// Control frames are the opcodes with the high bit set (RFC 6455 5.5).
constexpr bool is_control(Opcode op) { return (static_cast<std::uint8_t>(op) & 0x8) != 0; }

// False for the opcodes RFC 6455 reserves for future use.
constexpr bool is_known_opcode(Opcode op) {
    switch (op) {
        case Opcode::continuation:
        case Opcode::text:
        case Opcode::binary:
        case Opcode::close:
        case Opcode::ping:
        case Opcode::pong:
            return true;
    }
    return false;
}

// The role decides the masking direction: clients mask, servers do not.
enum class Role { server, client };

// RSV bits as a 3-bit number: RSV1 = 4, RSV2 = 2, RSV3 = 1.
struct FrameHeader {
    bool fin = false;
    std::uint8_t rsv = 0;
    Opcode opcode = Opcode::continuation;
    bool masked = false;
    std::uint8_t mask_key[4] = {0, 0, 0, 0};
    std::uint64_t length = 0;  // payload length, always < 2^63
};

// Largest payload a control frame may carry (RFC 6455 5.5).
inline constexpr std::size_t max_control_payload = 125;
// The largest header: 2 fixed bytes, 8 length bytes, 4 mask bytes.
inline constexpr std::size_t max_frame_header = 14;

}  // namespace wirechat::ws
