// What a connection still has to send, in order.
//
// Bytes private to the connection (an HTTP response head, an echo frame) are
// appended to the event loop's tick scratch, shared by every connection: in
// the usual case they are all written before the loop sleeps, so an idle
// connection holds no output buffer at all. What the kernel did not take is
// moved into the queue's own buffer by settle(), before the scratch is
// reused. Bytes shared by many connections (a chat broadcast, framed once)
// are queued by reference and never copied, and so are bytes borrowed for a
// moment (a large echo, straight from the loop's read buffer) until settle(). Segments record offsets rather
// than pointers, so appending (which may reallocate a buffer) never
// invalidates what is already queued.
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
    // `tick_scratch` is the loop's (EventLoop::tick_output()); it must
    // outlive the queue.
    explicit OutputQueue(std::string& tick_scratch) : scratch_(tick_scratch) {}

    void append(std::span<const std::uint8_t> bytes);
    void append(std::string_view bytes);
    void append_shared(SharedBytes bytes);
    // Referenced, not copied: the bytes must stay valid until settle().
    void append_borrowed(std::span<const std::uint8_t> bytes);
    bool has_borrowed() const { return borrowed_; }

    bool empty() const { return queued_ == 0; }
    std::size_t size() const { return queued_; }

    // Fill `iov` with up to `max` pieces from the front; returns how many.
    int gather(iovec* iov, int max) const;
    // Drop `n` bytes from the front (they were written). Once everything is
    // written the own buffer is given back: only a connection whose peer
    // reads slowly needs one.
    void consume(std::size_t n);
    // Move what is still queued in the tick scratch, or borrowed, into the
    // own buffer. Call before the scratch is cleared (at the end of every
    // flush) and before borrowed bytes go away.
    void settle();
    // Forget everything and give memory back (the connection is closing or idle).
    void release();

private:
    enum class Where : std::uint8_t { scratch, own, shared, borrowed };
    struct Segment {
        SharedBytes shared;  // set when where == shared
        const char* borrowed;  // set when where == borrowed
        std::size_t begin;
        std::size_t end;
        Where where;
    };
    const char* base(const Segment& s) const;

    std::string& scratch_;
    std::string own_;
    std::vector<Segment> segments_;
    std::size_t head_ = 0;  // first unsent segment
    std::size_t queued_ = 0;
    bool borrowed_ = false;  // some segment is borrowed
};

}  // namespace wirechat::net
