#include "trace/frame_tap.h"

#include <algorithm>

#include "ws/mask.h"

namespace wirechat::trace {

FrameTap::FrameTap(std::size_t keep) : keep_(keep) { kept_.reserve(keep); }

std::size_t FrameTap::feed(std::span<const std::uint8_t> bytes) {
    if (ready_ || lost_) return lost_ ? bytes.size() : 0;
    std::size_t used = 0;
    if (!in_payload_) {
        const ws::FrameParser::Result result = parser_.parse(bytes);
        const std::size_t room = sizeof raw_header_ - raw_header_size_;
        const std::size_t copied = std::min(result.consumed, room);
        std::copy_n(bytes.begin(), copied, raw_header_ + raw_header_size_);
        raw_header_size_ += copied;
        used = result.consumed;
        if (result.status == ws::FrameParser::Status::incomplete) return used;
        if (result.status == ws::FrameParser::Status::invalid_length) {
            lost_ = true;
            return bytes.size();
        }
        const ws::FrameHeader& h = parser_.header();
        if (h.opcode == ws::Opcode::text) text_message_ = true;
        else if (h.opcode == ws::Opcode::binary) text_message_ = false;
        in_payload_ = true;
        payload_seen_ = 0;
        kept_.clear();
    }
    const ws::FrameHeader& h = parser_.header();
    const std::size_t n = static_cast<std::size_t>(
        std::min<std::uint64_t>(h.length - payload_seen_, bytes.size() - used));
    if (payload_seen_ < keep_) {
        const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(keep_ - payload_seen_, n));
        const std::size_t start = kept_.size();
        kept_.insert(kept_.end(), bytes.begin() + used, bytes.begin() + used + take);
        if (h.masked) ws::apply_mask(kept_.data() + start, take, h.mask_key, start);
    }
    payload_seen_ += n;
    used += n;
    if (payload_seen_ == h.length) ready_ = true;
    return used;
}

void FrameTap::next() {
    ready_ = false;
    in_payload_ = false;
    raw_header_size_ = 0;
    parser_.reset();
}

FrameFacts FrameTap::frame() const {
    FrameFacts facts;
    facts.header = parser_.header();
    facts.raw_header = {raw_header_, raw_header_size_};
    facts.payload = kept_;
    facts.in_text_message = facts.header.opcode == ws::Opcode::text ||
                            (facts.header.opcode == ws::Opcode::continuation && text_message_);
    return facts;
}

}  // namespace wirechat::trace
