// What a connection still has to send, in order.
//
// Bytes private to the connection (an HTTP response head, an echo frame) are
// appended to the event loop's tick scratch, shared by every connection: in
// the usual case they are all written before the loop sleeps, so an idle
// connection holds no output buffer at all. What the kernel did not take is
// moved into the queue's own buffer by settle(), before the scratch is
// reused. The common case, one run of bytes in the scratch and nothing else
// queued, is kept in two offsets without a segment list, so that a
// connection that only ever sends its own bytes (an echo) allocates nothing
// for its output.
//
// Bytes shared by many connections (a chat broadcast, framed once) are
// queued by reference and never copied, and so are bytes borrowed for a
// moment (a large echo, straight from the loop's read buffer) until
// settle(). Segments record offsets rather than pointers into buffers that
// grow, so appending (which may reallocate one) never invalidates what is
// already queued.
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
    std::string& own();
    bool has_segments() const { return head_ < segments_.size(); }
    bool has_run() const { return run_begin_ < run_end_; }

    std::string& scratch_;
    // The front of the queue when it is in the scratch: [run_begin_, run_end_).
    std::size_t run_begin_ = 0;
    std::size_t run_end_ = 0;
    // What follows the run, if anything.
    std::vector<Segment> segments_;
    // Only for what the kernel did not take: allocated then, freed once sent.
    std::unique_ptr<std::string> own_;
    std::size_t queued_ = 0;
    std::uint32_t head_ = 0;  // first unsent segment
    bool borrowed_ = false;   // some segment is borrowed
};

}  // namespace wirechat::net
