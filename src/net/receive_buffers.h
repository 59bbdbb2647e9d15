// The buffers the kernel receives into for IoBatch: an io_uring "provided
// buffer ring", consumed a part at a time (Linux 6.12). A receive takes the
// bytes it needs from the current buffer, not a whole buffer, and the next
// receive of any socket follows on in the same buffer: a 32-byte message
// costs 32 bytes, and a 16 KiB one still arrives in one piece.
//
// The kernel says, in each completion, which buffer it used and whether it
// will go on using it. Once it has moved on and the bytes have been
// delivered, the buffer goes back at the ring's tail.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

struct io_uring_buf;

namespace wirechat::net {

class IoRing;

class ReceiveBuffers {
public:
    static constexpr std::uint16_t group = 0;

    // Null where the kernel refuses a ring consumed a part at a time.
    static std::unique_ptr<ReceiveBuffers> open(IoRing& ring);
    ~ReceiveBuffers();
    ReceiveBuffers(const ReceiveBuffers&) = delete;
    ReceiveBuffers& operator=(const ReceiveBuffers&) = delete;

    // The `size` bytes a completion with `cqe_flags` (IORING_CQE_F_BUFFER
    // set) received. Completions must be taken in the order they came.
    std::span<std::uint8_t> take(std::uint32_t cqe_flags, std::size_t size);
    // Those bytes have been delivered: the buffer goes back to the kernel if
    // it has finished with it.
    void release(std::uint32_t cqe_flags);

private:
    ReceiveBuffers() = default;
    void give_back(std::uint16_t id);

    // The ring of entries the kernel takes buffers from. Its tail overlays
    // the first entry's reserved field (the kernel's io_uring_buf_ring,
    // whose `bufs` member C++ compilers place 8 bytes too far with Debian
    // 12's headers).
    io_uring_buf* ring_ = nullptr;
    std::uint8_t* memory_ = nullptr;     // the buffers, one after another
    std::vector<std::uint32_t> filled_;  // per buffer: bytes taken so far
    std::uint16_t tail_ = 0;
};

}  // namespace wirechat::net
