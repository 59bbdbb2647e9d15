// A minimal io_uring: one submission and one completion queue, for IoBatch
// (io_batch.h) to hand the kernel a tick's reads, or its writes, in one
// system call.
//
// Only what that needs: get a submission entry, submit them all and wait for
// their completions, walk the completions. Raw system calls over the shared
// rings, no liburing: the layout is the kernel's ABI (linux/io_uring.h).
// open() returns null where the kernel lacks io_uring or forbids it (a
// seccomp filter, kernel.io_uring_disabled).
#pragma once

#include <linux/io_uring.h>

#include <atomic>
#include <cstddef>
#include <memory>

namespace wirechat::net {

class IoRing {
public:
    static std::unique_ptr<IoRing> open(unsigned entries);
    ~IoRing();
    IoRing(const IoRing&) = delete;
    IoRing& operator=(const IoRing&) = delete;

    // A zeroed entry to fill. At most `entries` may wait for a submission.
    io_uring_sqe* next_entry();
    // Submit what waits and block until that many completions are in (the
    // completions of earlier submissions must have been walked). Returns
    // false (errno set) if the kernel refused the submission.
    bool submit_and_wait();

    // Call f(user_data, result) for every completion, then release them.
    template <class F>
    void for_each_completion(F&& f) {
        unsigned head = *cq_head_;  // only we move it
        const unsigned tail = std::atomic_ref(*cq_tail_).load(std::memory_order_acquire);
        for (; head != tail; ++head) {
            const io_uring_cqe& cqe = cqes_[head & cq_mask_];
            f(cqe.user_data, cqe.res);
        }
        std::atomic_ref(*cq_head_).store(head, std::memory_order_release);
    }

private:
    IoRing() = default;
    unsigned waiting() const { return sq_tail_local_ - submitted_; }

    int fd_ = -1;
    unsigned entries_ = 0;
    void* sq_map_ = nullptr;
    std::size_t sq_map_size_ = 0;
    void* cq_map_ = nullptr;  // == sq_map_ when the kernel maps both at once
    std::size_t cq_map_size_ = 0;
    io_uring_sqe* sqes_ = nullptr;
    unsigned* sq_tail_ = nullptr;
    unsigned sq_mask_ = 0;
    unsigned sq_tail_local_ = 0;  // entries handed out
    unsigned submitted_ = 0;      // of which the kernel has taken
    unsigned* cq_head_ = nullptr;
    unsigned* cq_tail_ = nullptr;
    unsigned cq_mask_ = 0;
    io_uring_cqe* cqes_ = nullptr;
};

}  // namespace wirechat::net
