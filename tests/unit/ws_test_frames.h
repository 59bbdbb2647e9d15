// Frames built by hand for the endpoint tests, the way a client (masked, with
// a fixed key) or a server (unmasked) puts them on the wire.
#pragma once

#include <cstdint>
#include <vector>

#include "ws/frame.h"
#include "ws/frame_writer.h"
#include "ws/mask.h"

namespace ws_test {

using Bytes = std::vector<std::uint8_t>;

inline Bytes wire_frame(wirechat::ws::Opcode op, const Bytes& payload, bool fin = true, std::uint8_t rsv = 0,
                        bool masked = true) {
    const std::uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
    std::uint8_t header[14];
    const std::size_t n =
        wirechat::ws::write_frame_header(header, fin, op, payload.size(), masked ? key : nullptr, rsv);
    Bytes out(header, header + n);
    out.insert(out.end(), payload.begin(), payload.end());
    if (masked) wirechat::ws::apply_mask(out.data() + n, payload.size(), key, 0);
    return out;
}

}  // namespace ws_test
