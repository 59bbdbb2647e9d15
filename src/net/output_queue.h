// What a connection still has to send, in order.
//
// Bytes private to the connection (an HTTP response head, an echo frame) are
// appended to one growing buffer; bytes shared by many connections (a chat
// broadcast, framed once) are queued by reference and never copied. Segments
// record offsets into the private buffer rather than pointers, so appending
// (which may reallocate it) never invalidates what is already queued.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace wirechat::net {

using SharedBytes = std::shared_ptr<const std::string>;

class OutputQueue {
public:
    void append(std::span<const std::uint8_t> bytes);
    void append(std::string_view bytes);
    void append_shared(SharedBytes bytes);

    bool empty() const { return queued_ == 0; }
    std::size_t size() const { return queued_; }

    // Fill `iov` with up to `max` pieces from the front; returns how many.
    int gather(iovec* iov, int max) const;
    // Drop `n` bytes from the front (they were written).
    void consume(std::size_t n);
    // Forget everything and give memory back (the connection is closing or idle).
    void release();

private:
    struct Segment {
        SharedBytes shared;  // null: the range is in private_
        std::size_t begin;
        std::size_t end;
    };
    std::string private_;
    std::vector<Segment> segments_;
    std::size_t head_ = 0;  // first unsent segment
    std::size_t queued_ = 0;
};

}  // namespace wirechat::net
