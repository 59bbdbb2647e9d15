// The header is gathered into a 14-byte array and decoded once complete. Its
// size is known after two bytes, so the parser copies exactly the header and
// leaves the payload untouched in the caller's buffer.
#include "ws/frame_parser.h"

#include <algorithm>
#include <cstring>

namespace wirechat::ws {

FrameParser::Result FrameParser::parse(std::span<const std::uint8_t> bytes) {
    if (status_ != Status::incomplete) return {status_, 0};
    std::size_t consumed = 0;
    while (have_ < need_ && consumed < bytes.size()) {
        const std::size_t n = std::min<std::size_t>(need_ - have_, bytes.size() - consumed);
        std::memcpy(raw_ + have_, bytes.data() + consumed, n);
        have_ = static_cast<std::uint8_t>(have_ + n);
        consumed += n;
        if (have_ == 2) {
            const std::uint8_t length7 = raw_[1] & 0x7F;
            need_ = static_cast<std::uint8_t>(2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) +
                                              ((raw_[1] & 0x80) ? 4 : 0));
        }
    }
    if (have_ == need_) decode();
    return {status_, consumed};
}

void FrameParser::decode() {
    header_.fin = (raw_[0] & 0x80) != 0;
    header_.rsv = (raw_[0] >> 4) & 0x7;
    header_.opcode = static_cast<Opcode>(raw_[0] & 0x0F);
    header_.masked = (raw_[1] & 0x80) != 0;

    const std::uint8_t length7 = raw_[1] & 0x7F;
    std::size_t pos = 2;
    if (length7 == 126) {
        header_.length = (std::uint64_t{raw_[2]} << 8) | raw_[3];
        pos = 4;
    } else if (length7 == 127) {
        if (raw_[2] & 0x80) {
            status_ = Status::invalid_length;
            return;
        }
        std::uint64_t length = 0;
        for (int i = 0; i < 8; ++i) length = (length << 8) | raw_[2 + i];
        header_.length = length;
        pos = 10;
    } else {
        header_.length = length7;
    }
    // Non-minimal length forms (e.g. 5 written in 16 bits) are accepted:
    // RFC 6455 asks senders for the minimal form but gives receivers no
    // reason to refuse the others.
    if (header_.masked) std::memcpy(header_.mask_key, raw_ + pos, 4);
    else std::memset(header_.mask_key, 0, 4);
    status_ = Status::complete;
}

void FrameParser::reset() {
    have_ = 0;
    need_ = 2;
    status_ = Status::incomplete;
}

}  // namespace wirechat::ws
