// Incremental frame header parser (RFC 6455 5.2). Header bytes may arrive
// split anywhere, even one at a time; the parser keeps what it has seen (at
// most 14 bytes) and reports when the header is complete. It reads only the
// header: the payload is the caller's business, so the caller can unmask and
// deliver it in place without the parser copying it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ws/frame.h"

namespace wirechat::ws {

class FrameParser {
public:
    enum class Status : std::uint8_t {
        incomplete,      // every byte given was used; more are needed
        complete,        // header() is valid
        invalid_length,  // the 64-bit length has its most significant bit set
    };
    struct Result {
        Status status;
        std::size_t consumed;  // bytes taken from the front; never past the header's end
    };

    // Continue parsing with `bytes`. Once complete (or invalid) the parser
    // takes no more bytes until reset().
    Result parse(std::span<const std::uint8_t> bytes);

    // The decoded header; meaningful once parse() returned complete.
    const FrameHeader& header() const { return header_; }

    // True from the first byte taken until reset(): a frame has begun.
    bool started() const { return have_ != 0; }

    // Prepare for the next frame.
    void reset();

private:
    void decode();

    std::uint8_t raw_[max_frame_header];
    // At most max_frame_header; small types, as every connection has a parser.
    std::uint8_t have_ = 0;
    std::uint8_t need_ = 2;  // grows once byte 1 tells the length form and mask bit
    Status status_ = Status::incomplete;
    FrameHeader header_;
};

}  // namespace wirechat::ws
