// Checks shared by the targets that drive a ws::Endpoint: what it may put
// on the wire.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_support.h"
#include "ws/deflate.h"
#include "ws/frame.h"
#include "ws/frame_parser.h"

namespace wirechat::fuzz {

// The codes a close frame may carry (RFC 6455 7.4), written out afresh.
inline bool valid_close_code(std::uint16_t code) {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
           (code >= 3000 && code <= 4999);
}

// What an endpoint in `role` wrote, read back as its peer would: every frame
// whole, FIN set, masked iff client, a known opcode, control payloads of at
// most 125 bytes, text and close reasons in UTF-8, close codes allowed on
// the wire, and nothing after a close. Returns the text payloads.
// With `inflater` (permessage-deflate agreed), data frames may have RSV1 and
// are then inflated before they are checked.
inline std::vector<std::vector<std::uint8_t>> check_endpoint_output(
    const std::vector<std::uint8_t>& output, ws::Role role, ws::Inflater* inflater = nullptr) {
    std::vector<std::vector<std::uint8_t>> texts;
    std::size_t pos = 0;
    bool closed = false;
    while (pos < output.size()) {
        FUZZ_CHECK(!closed);  // nothing may follow a close
        ws::FrameParser parser;
        const auto r = parser.parse(std::span(output).subspan(pos));
        FUZZ_CHECK(r.status == ws::FrameParser::Status::complete);
        const ws::FrameHeader h = parser.header();
        pos += r.consumed;
        FUZZ_CHECK(h.fin);
        const bool compressed = h.rsv == ws::rsv_compressed && inflater && !ws::is_control(h.opcode);
        FUZZ_CHECK(h.rsv == 0 || compressed);
        FUZZ_CHECK(h.masked == (role == ws::Role::client));
        FUZZ_CHECK(h.opcode == ws::Opcode::text || h.opcode == ws::Opcode::binary ||
                   h.opcode == ws::Opcode::close || h.opcode == ws::Opcode::ping ||
                   h.opcode == ws::Opcode::pong);
        FUZZ_CHECK(h.length <= output.size() - pos);
        std::vector<std::uint8_t> payload(output.begin() + pos, output.begin() + pos + std::size_t(h.length));
        pos += payload.size();
        for (std::size_t i = 0; h.masked && i < payload.size(); ++i) payload[i] ^= h.mask_key[i % 4];
        if (compressed) {
            std::vector<std::uint8_t> inflated;
            FUZZ_CHECK(inflater->inflate(payload, inflated, 1 << 24) == ws::Inflater::Status::ok);
            FUZZ_CHECK(inflater->finish_message(inflated, 1 << 24) == ws::Inflater::Status::ok);
            payload = std::move(inflated);
        }
        if (ws::is_control(h.opcode)) FUZZ_CHECK(payload.size() <= ws::max_control_payload);
        if (h.opcode == ws::Opcode::text) {
            FUZZ_CHECK(reference_valid_utf8(payload));
            texts.push_back(payload);
        }
        if (h.opcode == ws::Opcode::close) {
            closed = true;
            FUZZ_CHECK(payload.size() != 1);
            if (payload.size() >= 2) {
                FUZZ_CHECK(valid_close_code(std::uint16_t(payload[0] << 8 | payload[1])));
                FUZZ_CHECK(reference_valid_utf8(std::span(payload).subspan(2)));
            }
        }
    }
    return texts;
}

}  // namespace wirechat::fuzz
