// Follows one direction of a WebSocket byte stream and cuts it into frames,
// the way a packet sniffer would: it watches the bytes that cross the wire
// and does not depend on the endpoint that consumes them. So it shows every
// frame exactly as sent, including frames the endpoint goes on to reject and
// broadcast frames the server builds without an endpoint.
//
// It keeps the raw header and the first `keep` payload bytes (unmasked) of
// the current frame, nothing more, whatever length the frame announces.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "trace/frame_format.h"
#include "ws/frame_parser.h"

namespace wirechat::trace {

class FrameTap {
public:
    explicit FrameTap(std::size_t keep);

    // Takes bytes up to the end of the current frame at most, and returns how
    // many it took. When ready() turns true, frame() describes the frame;
    // call next() before feeding more.
    std::size_t feed(std::span<const std::uint8_t> bytes);
    bool ready() const { return ready_; }
    void next();

    // Feeds all of `bytes`: on_frame(*this) for each frame completed (the
    // tap then moves on to the next), on_lost() once if the stream cannot be
    // followed any further (the header announced a length with its top bit
    // set; every later byte is ignored). What --trace and an inspector both
    // do with every read and write.
    template <class OnFrame, class OnLost>
    void follow(std::span<const std::uint8_t> bytes, OnFrame on_frame, OnLost on_lost) {
        while (!bytes.empty() && !lost_) {
            bytes = bytes.subspan(feed(bytes));
            if (lost_) {
                on_lost();
            } else if (ready_) {
                on_frame(*this);
                next();
            }
        }
    }
    // The connection ended in the middle of this frame.
    bool cut_short() const { return in_payload_ && !ready_; }

    // The current frame (complete when ready(); otherwise what has arrived).
    FrameFacts frame() const;
    // Payload bytes seen of the current frame.
    std::uint64_t payload_seen() const { return payload_seen_; }

private:
    ws::FrameParser parser_;
    std::uint8_t raw_header_[ws::max_frame_header];
    std::size_t raw_header_size_ = 0;
    std::size_t keep_;
    std::vector<std::uint8_t> kept_;
    std::uint64_t payload_seen_ = 0;
    bool in_payload_ = false;
    bool ready_ = false;
    bool lost_ = false;
    bool text_message_ = false;  // the data message in progress is text
};

}  // namespace wirechat::trace
