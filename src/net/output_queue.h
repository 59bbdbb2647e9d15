// What a connection still has to send, in order.
//
// Bytes private to the connection (an HTTP response head, an echo frame) are
// appended to the event loop's tick scratch, shared by every connection: in
// the usual case they are all written before the loop sleeps, so an idle
// connection holds no output buffer at all. What the kernel did not take is
// moved into the queue's own buffer by settle(), before the scratch is
// reused. The common case, one run of bytes in the scratch and nothing else
// queued, is kept in two offsets: that and a null pointer are all an idle
// connection's queue is (16 bytes). Anything else (a second run, bytes
// left over, borrowed bytes) goes to a segment list allocated on first use
// and kept, so that a connection that needed one once does not allocate
// per message.
//
// Bytes that many connections send alike (a chat broadcast, framed once)
// are copied to the scratch once per tick by the loop, and every recipient
// queues the same range of it (append_scratch()). Bytes borrowed for a
// moment (a large echo, straight from the loop's read buffer) are queued by
// reference until settle(). Segments record offsets rather than pointers
// into buffers that grow, so appending (which may reallocate one) never
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
    // `scratch` is the loop's tick scratch (EventLoop::tick_output()),
    // passed to every call that reads or writes it rather than kept: a
    // reference would cost every connection 8 bytes.
    void append(std::string& scratch, std::string_view bytes);
    void append(std::string& scratch, std::span<const std::uint8_t> bytes);
    // Queue [begin, end) of the scratch, put there already this tick.
    void append_scratch(std::size_t begin, std::size_t end);
    // Referenced, not copied: the bytes must stay valid until settle().
    void append_borrowed(std::span<const std::uint8_t> bytes);
    bool has_borrowed() const { return spill_ && spill_->borrowed; }

    bool empty() const { return size() == 0; }
    std::size_t size() const { return (run_end_ - run_begin_) + (spill_ ? spill_->queued : 0); }

    // Fill `iov` with up to `max` pieces from the front; returns how many.
    int gather(const std::string& scratch, iovec* iov, int max) const;
    // Drop `n` bytes from the front (they were written). Once everything is
    // written the own buffer is given back: only a connection whose peer
    // reads slowly needs one.
    void consume(std::size_t n);
    // Move what is still queued in the scratch, or borrowed, into the own
    // buffer. Call before the scratch is cleared (at the end of every
    // flush) and before borrowed bytes go away.
    void settle(const std::string& scratch);
    // Forget everything and give memory back (the connection is closing).
    void release();

private:
    enum class Where : std::uint8_t { scratch, own, borrowed };
    struct Segment {
        const char* borrowed;  // set when where == borrowed
        std::size_t begin;
        std::size_t end;
        Where where;
    };
    // Everything but the first run: see the top of this file.
    struct Spill {
        std::vector<Segment> segments;
        std::uint32_t head = 0;   // first unsent segment
        std::size_t queued = 0;   // bytes in segments[head...]
        std::string own;          // only for what the kernel did not take
        bool borrowed = false;    // some segment is borrowed
    };
    Spill& spill();
    const char* base(const std::string& scratch, const Segment& s) const;
    bool has_segments() const { return spill_ && spill_->head < spill_->segments.size(); }
    bool has_run() const { return run_begin_ < run_end_; }

    // The front of the queue when it is in the scratch: [run_begin_, run_end_).
    std::uint32_t run_begin_ = 0;
    std::uint32_t run_end_ = 0;
    std::unique_ptr<Spill> spill_;
};

}  // namespace wirechat::net
