#include "net/io_ring.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>

namespace wirechat::net {

namespace {

int io_uring_setup(unsigned entries, io_uring_params& params) {
    return int(syscall(__NR_io_uring_setup, entries, &params));
}

// Whether the kernel knows the operations IoBatch uses: Linux 5.1-5.5 set
// up rings but have no RECV or SEND (and no probe either).
bool supports_socket_operations(int fd) {
    constexpr unsigned max_ops = 256;
    auto probe = std::make_unique<std::byte[]>(sizeof(io_uring_probe) + max_ops * sizeof(io_uring_probe_op));
    auto* p = reinterpret_cast<io_uring_probe*>(probe.get());  // zeroed, as the kernel asks
    if (syscall(__NR_io_uring_register, fd, IORING_REGISTER_PROBE, p, max_ops) < 0) return false;
    for (unsigned op : {IORING_OP_RECV, IORING_OP_SEND, IORING_OP_SENDMSG})
        if (op > p->last_op || !(p->ops[op].flags & IO_URING_OP_SUPPORTED)) return false;
    return true;
}

void* map_ring(int fd, std::size_t size, off_t offset) {
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, offset);
    return p == MAP_FAILED ? nullptr : p;
}

template <class T>
T* at(void* base, unsigned offset) {
    return reinterpret_cast<T*>(static_cast<char*>(base) + offset);
}

// io_uring_enter failures after which the caller simply goes on (asking
// again for what is left): a signal (EINTR), the wait's timeout (ETIME),
// the kernel short of memory for requests, or of room for completions, for
// now (EAGAIN, EBUSY), or its news that it had to drop completions, out of
// memory (EBADR, told once: the server goes on, though what they finished
// is not heard of).
bool passing(int err) {
    return err == EINTR || err == ETIME || err == EAGAIN || err == EBUSY || err == EBADR;
}

}  // namespace

std::unique_ptr<IoRing> IoRing::open(unsigned entries, unsigned completions) {
    // Only the loop's thread submits, and completions are only wanted when it
    // waits for them: SINGLE_ISSUER and DEFER_TASKRUN let the kernel skip
    // the locking and cross-thread signalling it would otherwise do (Linux
    // 6.1). SUBMIT_ALL: an entry the kernel refuses (say, a bad descriptor)
    // gets an error completion instead of ending the submission there.
    // Older kernels refuse the flags; a plain ring does the same work, a
    // little slower (submit() resubmits what a refusal stopped).
    // (CQSIZE: the completion queue holds `completions`, not twice `entries`.)
    io_uring_params params{};
    auto setup = [&](unsigned flags) {
        params = {};
        params.flags = flags | IORING_SETUP_CQSIZE;
        params.cq_entries = completions;
        return io_uring_setup(entries, params);
    };
    int fd = setup(IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL);
    if (fd < 0 && errno == EINVAL) fd = setup(0);
    if (fd < 0) return nullptr;

    std::unique_ptr<IoRing> ring(new IoRing);
    ring->fd_ = fd;
    ring->defers_task_work_ = params.flags & IORING_SETUP_DEFER_TASKRUN;
    if (!supports_socket_operations(fd)) return nullptr;
    ring->entries_ = params.sq_entries;
    ring->sq_map_size_ = params.sq_off.array + params.sq_entries * sizeof(unsigned);
    ring->cq_map_size_ = params.cq_off.cqes + params.cq_entries * sizeof(io_uring_cqe);
    const bool one_map = params.features & IORING_FEAT_SINGLE_MMAP;
    if (one_map) ring->sq_map_size_ = ring->cq_map_size_ = std::max(ring->sq_map_size_, ring->cq_map_size_);
    ring->sq_map_ = map_ring(fd, ring->sq_map_size_, IORING_OFF_SQ_RING);
    if (!ring->sq_map_) return nullptr;
    ring->cq_map_ = one_map ? ring->sq_map_ : map_ring(fd, ring->cq_map_size_, IORING_OFF_CQ_RING);
    if (!ring->cq_map_) return nullptr;
    void* sqes = map_ring(fd, params.sq_entries * sizeof(io_uring_sqe), IORING_OFF_SQES);
    if (!sqes) return nullptr;
    ring->sqes_ = static_cast<io_uring_sqe*>(sqes);

    ring->sq_tail_ = at<unsigned>(ring->sq_map_, params.sq_off.tail);
    ring->sq_mask_ = *at<unsigned>(ring->sq_map_, params.sq_off.ring_mask);
    ring->sq_head_ = at<unsigned>(ring->sq_map_, params.sq_off.head);
    ring->sq_tail_local_ = *ring->sq_tail_;
    // Entry i of the index array always names submission entry i: we fill
    // entries in ring order, so the indirection is never needed.
    unsigned* index = at<unsigned>(ring->sq_map_, params.sq_off.array);
    for (unsigned i = 0; i < params.sq_entries; ++i) index[i] = i;
    ring->cq_head_ = at<unsigned>(ring->cq_map_, params.cq_off.head);
    ring->cq_tail_ = at<unsigned>(ring->cq_map_, params.cq_off.tail);
    ring->cq_mask_ = *at<unsigned>(ring->cq_map_, params.cq_off.ring_mask);
    ring->cqes_ = at<io_uring_cqe>(ring->cq_map_, params.cq_off.cqes);
    return ring;
}

IoRing::~IoRing() {
    if (sqes_) munmap(sqes_, entries_ * sizeof(io_uring_sqe));
    if (cq_map_ && cq_map_ != sq_map_) munmap(cq_map_, cq_map_size_);
    if (sq_map_) munmap(sq_map_, sq_map_size_);
    if (fd_ >= 0) close(fd_);
}

int IoRing::enter(unsigned to_submit, unsigned wait_for, unsigned flags, const void* arg, std::size_t arg_size) {
    return int(syscall(__NR_io_uring_enter, fd_, to_submit, wait_for, flags, arg, arg_size));
}

io_uring_sqe* IoRing::next_entry() {
    // Full: make room, and only that. Without GETEVENTS no receive
    // finishes here, in the middle of a tick (see Connection::switch_reads).
    while (unsubmitted() == entries_) {
        std::atomic_ref(*sq_tail_).store(sq_tail_local_, std::memory_order_release);
        if (enter(entries_, 0, 0, nullptr, 0) < 0 && !passing(errno))
            throw std::runtime_error(std::string("io_uring_enter: ") + std::strerror(errno));
    }
    io_uring_sqe* entry = &sqes_[sq_tail_local_ & sq_mask_];
    std::memset(entry, 0, sizeof *entry);
    ++sq_tail_local_;
    return entry;
}

bool IoRing::submit(unsigned wait_for, int timeout_ms) {
    std::atomic_ref(*sq_tail_).store(sq_tail_local_, std::memory_order_release);
    __kernel_timespec timeout{timeout_ms / 1000, (timeout_ms % 1000) * 1'000'000LL};
    io_uring_getevents_arg arg{};
    arg.ts = reinterpret_cast<std::uintptr_t>(&timeout);
    bool waited = false;
    for (;;) {
        const unsigned left = unsubmitted();
        const bool wait = !waited && ready() < wait_for;
        if (left == 0 && !wait) return true;
        // GETEVENTS even without a wait: with DEFER_TASKRUN, that is when
        // the kernel finishes the receives that became ready.
        unsigned flags = IORING_ENTER_GETEVENTS;
        const bool timed = wait && timeout_ms >= 0;
        if (timed) flags |= IORING_ENTER_EXT_ARG;
        int n = enter(left, wait ? wait_for : 0, flags, timed ? &arg : nullptr, timed ? sizeof arg : 0);
        // One wait per call: it ends with completions, the timeout or a
        // signal.
        waited = waited || wait;
        if (n < 0 && !passing(errno)) return false;
    }
}

bool IoRing::register_buffer_ring(void* ring, unsigned count, std::uint16_t group) {
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<std::uintptr_t>(ring);
    reg.ring_entries = count;
    reg.bgid = group;
    return syscall(__NR_io_uring_register, fd_, IORING_REGISTER_PBUF_RING, &reg, 1) == 0;
}

}  // namespace wirechat::net
