// Frame headers: the length is written in the shortest of its three forms
// (7 bits, 16 bits, 64 bits), which RFC 6455 5.2 requires of senders.
#include "ws/frame_writer.h"

#include <cstring>

namespace wirechat::ws {

std::size_t write_frame_header(std::uint8_t out[14], bool fin, Opcode op, std::uint64_t length,
                               const std::uint8_t* mask_key, std::uint8_t rsv) {
    out[0] = static_cast<std::uint8_t>((fin ? 0x80 : 0) | ((rsv & 0x7) << 4) |
                                       (static_cast<std::uint8_t>(op) & 0x0F));
    const std::uint8_t mask_bit = mask_key ? 0x80 : 0;
    std::size_t size = 2;
    if (length < 126) {
        out[1] = static_cast<std::uint8_t>(mask_bit | length);
    } else if (length <= 0xFFFF) {
        out[1] = mask_bit | 126;
        out[2] = static_cast<std::uint8_t>(length >> 8);
        out[3] = static_cast<std::uint8_t>(length);
        size = 4;
    } else {
        out[1] = mask_bit | 127;
        for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(length >> (56 - 8 * i));
        size = 10;
    }
    if (mask_key) {
        std::memcpy(out + size, mask_key, 4);
        size += 4;
    }
    return size;
}

void append_frame(std::string& out, Opcode op, std::string_view payload, bool fin,
                  std::uint8_t rsv) {
    std::uint8_t header[max_frame_header];
    const std::size_t header_size = write_frame_header(header, fin, op, payload.size(), nullptr, rsv);
    out.reserve(out.size() + header_size + payload.size());
    out.append(reinterpret_cast<const char*>(header), header_size);
    out.append(payload);
}

}  // namespace wirechat::ws
