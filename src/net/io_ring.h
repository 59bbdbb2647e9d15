// A minimal io_uring: one submission and one completion queue, for IoBatch
// (io_batch.h): a tick's writes in one system call, receives that stay armed
// across ticks, and the loop's wait.
//
// Only what that needs: get a submission entry, submit (and maybe wait),
// walk the completions, register a ring of receive buffers. Raw system calls
// over the shared rings, no liburing: the layout is the kernel's ABI
// (linux/io_uring.h). open() returns null where the kernel lacks io_uring or
// forbids it (a seccomp filter, kernel.io_uring_disabled).
#pragma once

#include <linux/io_uring.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace wirechat::net {

class IoRing {
public:
    // `entries` submissions at a time, `completions` waiting to be walked.
    static std::unique_ptr<IoRing> open(unsigned entries, unsigned completions);
    ~IoRing();
    IoRing(const IoRing&) = delete;
    IoRing& operator=(const IoRing&) = delete;

    // A zeroed entry to fill. When all are taken, those waiting are
    // submitted first to make room.
    io_uring_sqe* next_entry();
    // Submit what waits, then wait until at least `wait_for` completions are
    // in (counting those not walked yet), or `timeout_ms` (< 0: no limit)
    // has passed, or a signal came. Returns false (errno set) if the kernel
    // refused the submission.
    bool submit(unsigned wait_for = 0, int timeout_ms = -1);
    bool has_completions() const { return ready() != 0; }
    // Whether the kernel finishes background work (a receive whose bytes
    // arrived) only inside submit(), never at other system calls.
    bool defers_task_work() const { return defers_task_work_; }

    // Call f(cqe) for every completion in, then release them.
    template <class F>
    void for_each_completion(F&& f) {
        unsigned head = *cq_head_;  // only we move it
        const unsigned tail = std::atomic_ref(*cq_tail_).load(std::memory_order_acquire);
        for (; head != tail; ++head) f(static_cast<const io_uring_cqe&>(cqes_[head & cq_mask_]));
        std::atomic_ref(*cq_head_).store(head, std::memory_order_release);
    }

    // Hand the kernel a ring of `count` receive buffers (io_uring_buf),
    // group `group`. False if refused.
    bool register_buffer_ring(void* ring, unsigned count, std::uint16_t group);

private:
    IoRing() = default;
    // Entries handed out that the kernel has not taken yet (its head says
    // how far it got, even in a call that then failed or was interrupted).
    unsigned unsubmitted() const {
        return sq_tail_local_ - std::atomic_ref(*sq_head_).load(std::memory_order_acquire);
    }
    // Completions in and not walked yet.
    unsigned ready() const {
        return std::atomic_ref(*cq_tail_).load(std::memory_order_acquire) - *cq_head_;
    }

    int enter(unsigned to_submit, unsigned wait_for, unsigned flags, const void* arg, std::size_t arg_size);

    int fd_ = -1;
    bool defers_task_work_ = false;
    unsigned entries_ = 0;
    void* sq_map_ = nullptr;
    std::size_t sq_map_size_ = 0;
    void* cq_map_ = nullptr;  // == sq_map_ when the kernel maps both at once
    std::size_t cq_map_size_ = 0;
    io_uring_sqe* sqes_ = nullptr;
    unsigned* sq_tail_ = nullptr;
    unsigned sq_mask_ = 0;
    unsigned* sq_head_ = nullptr;  // how far the kernel has taken them
    unsigned sq_tail_local_ = 0;   // entries handed out
    unsigned* cq_head_ = nullptr;
    unsigned* cq_tail_ = nullptr;
    unsigned cq_mask_ = 0;
    io_uring_cqe* cqes_ = nullptr;
};

}  // namespace wirechat::net
