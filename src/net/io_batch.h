// A tick's reads and writes, handed to the kernel together: one system call
// for the sockets epoll reported readable, one for the sockets with output
// at the end of the tick, instead of one read or writev each. The kernel
// does the same work per socket; what goes is the system call around each
// one (measured in bench/README.md).
//
// Built on io_uring (IoRing). Every operation is non-blocking (MSG_DONTWAIT),
// so each one finishes inside the submission, as the read or writev it
// replaces would: a socket with nothing to read, or no room to write,
// answers -EAGAIN, and the edge-triggered bookkeeping is the same as before.
// Only once all have finished are the sockets told, in order: their
// callbacks may queue more work, and no callback can change bytes the
// kernel is still reading.
//
// Reads land in small slots of a batch buffer. A socket whose read fills
// its slot reads the rest by itself, and after that stays out of the batch
// until its reads are small again: one large read straight into the loop's
// read buffer costs less than two.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "net/event_loop.h"

namespace wirechat::net {

class IoRing;

// A watched socket (IoHandler, so that one object costs one vtable pointer)
// whose reads and writes can join the batch.
class BatchedSocket : public IoHandler {
public:
    virtual int batch_fd() const = 0;
    // A batched read is done: `result` bytes at the front of `slot` (the
    // whole slot: a read that filled it may have left more), 0 for EOF, or
    // -errno.
    virtual void batch_read(int result, std::span<std::uint8_t> slot) = 0;
    // Fill `iov` with at most `max` pieces to write now; returns how many.
    virtual int batch_gather(iovec* iov, int max) = 0;
    // A batched write is done: the bytes written, or -errno.
    virtual void batch_written(int result) = 0;

protected:
    ~BatchedSocket() = default;
};

class IoBatch {
public:
    // Null where the kernel lacks io_uring or forbids it (a seccomp filter,
    // kernel.io_uring_disabled): the loop then reads and writes one socket
    // at a time.
    static std::unique_ptr<IoBatch> open();
    ~IoBatch();
    IoBatch(const IoBatch&) = delete;
    IoBatch& operator=(const IoBatch&) = delete;

    static constexpr std::size_t read_slot_size = 2048;

    void add_read(BatchedSocket& socket) { reads_.push_back(&socket); }
    void add_write(BatchedSocket& socket) { writes_.push_back(&socket); }
    // Take a socket out of both batches (it is closing): it is not told.
    void forget(BatchedSocket& socket);

    void run_reads();
    void run_writes();

private:
    explicit IoBatch(std::unique_ptr<IoRing> ring);
    template <class Done>
    void submit(Done&& done);

    std::vector<BatchedSocket*> reads_;   // null where forgotten
    std::vector<BatchedSocket*> writes_;  // likewise
    std::vector<BatchedSocket*> in_flight_;
    std::vector<std::uint8_t> read_slots_;
    std::vector<iovec> iov_;
    std::vector<msghdr> messages_;
    // Last, so it goes first: the kernel must be done before the buffers.
    std::unique_ptr<IoRing> ring_;
};

}  // namespace wirechat::net
