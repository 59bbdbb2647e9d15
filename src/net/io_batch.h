// The loop's io_uring, where the kernel has one: a tick's writes go to the
// kernel in one system call, sockets are received from without a system
// call of their own, and the loop waits in the ring.
//
// Writes. At the end of a tick every socket with output gets one send (or
// sendmsg) in the same submission, instead of a writev each. They are
// non-blocking (MSG_DONTWAIT): each finishes inside the submission, as the
// writev it replaces would, -EAGAIN included, and only once all have
// finished are the sockets told, in order: their callbacks may queue more
// work, and none may change bytes the kernel is still reading.
//
// Receives (Linux 6.1 and later, see receives()). Each socket has one
// multishot receive that stays armed in the kernel: when bytes arrive, the
// kernel receives them into a shared ReceiveBuffers and posts a
// completion. There is no readiness step in between (epoll_wait's, which
// polls every ready socket once more, was a tenth of the server's CPU per
// small message) and no read system call. A receive ends with EOF, an
// error, a cancel (the socket paused its input, or closed) or, rarely, when
// the buffers ran out; then it is asked again if still wanted. Completions
// can only name a socket by its descriptor, so a socket's descriptor is
// closed here, after the last completion of its receive: until then a new
// connection cannot be given the same number.
//
// The wait. The loop sleeps in io_uring_enter(); the epoll set (listener,
// signals, sockets waiting for room to write) is one more thing the ring
// polls, and wait() says when it has events.
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
class ReceiveBuffers;

// A watched socket (IoHandler, so that one object costs one vtable pointer)
// whose reads and writes go through the IoBatch.
class BatchedSocket : public IoHandler {
public:
    virtual int batch_fd() const = 0;
    // Received: `result` bytes, in `bytes` (valid until this returns), 0 for
    // EOF, or -errno.
    virtual void batch_received(int result, std::span<std::uint8_t> bytes) = 0;
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
    // at a time. `epoll_fd` is the loop's epoll set, for wait(). Without
    // `receives`, only writes go through the ring, as on kernels before
    // 6.1.
    static std::unique_ptr<IoBatch> open(int epoll_fd, bool receives = true);
    ~IoBatch();
    IoBatch(const IoBatch&) = delete;
    IoBatch& operator=(const IoBatch&) = delete;

    // ---- writes ----
    void add_write(BatchedSocket& socket) { writes_.push_back(&socket); }
    // Take a socket out of the write batch (it is closing): it is not told.
    void forget(BatchedSocket& socket);
    void run_writes();

    // ---- receives and the wait: only where receives() ----
    // Whether receives go through the ring: asked for, and the kernel can
    // keep them armed (multishot, with a buffer ring) and finishes them
    // only when asked (DEFER_TASKRUN, Linux 6.1). Where not, sockets are
    // read one at a time, after epoll.
    bool receives() const { return buffers_ != nullptr; }
    // Receive from the socket until stop_receiving(), EOF or an error.
    void receive(BatchedSocket& socket);
    // Bytes already on their way may still be delivered.
    void stop_receiving(BatchedSocket& socket);
    // Forget the socket (it is not told again) and close its descriptor.
    void close(BatchedSocket& socket);
    // Whether any receive is armed, or has brought bytes not delivered yet.
    // When none is, the loop may as well sleep in epoll_wait.
    bool receiving() const { return armed_ != 0 || !received_.empty(); }
    // Submit what waits and sleep until there are completions, at most
    // `timeout_ms` (< 0: no limit). Returns whether the epoll set has events.
    bool wait(int timeout_ms);
    // Deliver what the receives brought since the last call.
    void run_receives();

private:
    // What a completion is for, in the top byte of its user_data.
    enum class Kind : std::uint8_t { write, receive, epoll, ignored };
    static constexpr int kind_shift = 56;
    static std::uint64_t tag(Kind kind, std::uint64_t value);
    // A descriptor's receive, in one word (the table has an entry per
    // descriptor): the socket's address, which is 8-aligned and so kept
    // without its three low bits, and four flags.
    struct Receiver {
        BatchedSocket* socket() const { return reinterpret_cast<BatchedSocket*>(std::uintptr_t(address_ << 3)); }
        void set_socket(BatchedSocket* socket) { address_ = reinterpret_cast<std::uintptr_t>(socket) >> 3; }

        std::uint64_t address_ : 60 = 0;  // the socket's; 0 once closed
        bool armed : 1 = false;             // until its last completion
        bool cancelled : 1 = false;
        bool wanted : 1 = false;            // ask again if it ends
        bool close_when_done : 1 = false;
    };
    static_assert(sizeof(Receiver) == 8 && alignof(BatchedSocket) >= 8);
    // A completion kept for run_receives().
    struct Received {
        int fd;
        int result;
        std::uint32_t flags;
    };

    IoBatch(std::unique_ptr<IoRing> ring, int epoll_fd, bool receives);
    void submit(unsigned wait_for = 0, int timeout_ms = -1);
    void arm_receive(int fd);
    void cancel_receive(int fd);
    void poll_epoll();
    // Walk the completions: writes' results into results_; the rest kept.
    void collect();

    std::vector<BatchedSocket*> writes_;     // null where forgotten
    std::vector<BatchedSocket*> in_flight_;  // likewise
    std::vector<int> results_;               // of in_flight_'s writes
    std::size_t writes_done_ = 0;
    std::vector<iovec> iov_;
    std::vector<msghdr> messages_;
    std::vector<Receiver> receivers_;  // by descriptor
    std::size_t armed_ = 0;            // receivers armed
    std::vector<Received> received_;
    int epoll_fd_;
    bool epoll_ready_ = false;
    // Last, so they go first: the kernel must be done before the buffers.
    std::unique_ptr<ReceiveBuffers> buffers_;
    std::unique_ptr<IoRing> ring_;
};

}  // namespace wirechat::net
