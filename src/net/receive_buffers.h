// The buffers the kernel receives into for IoBatch: an io_uring "provided
// buffer ring". A receive takes the buffer at the ring's head when bytes
// arrive (not when it is armed, so an idle connection holds none), and
// the completion says which one it took. Once the bytes have been
// delivered, the buffer goes back at the ring's tail.
//
// The buffers are small, as a read of a small message would be: one
// message per buffer, never split across two (a connection whose receives
// fill a buffer reads by itself instead, see Connection::switch_reads).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

struct io_uring_buf;

namespace wirechat::net {

class IoRing;

class ReceiveBuffers {
public:
    static constexpr std::uint16_t group = 0;
    static constexpr std::size_t buffer_size = 2048;

    // Null where the kernel refuses a buffer ring.
    static std::unique_ptr<ReceiveBuffers> open(IoRing& ring);
    ~ReceiveBuffers();
    ReceiveBuffers(const ReceiveBuffers&) = delete;
    ReceiveBuffers& operator=(const ReceiveBuffers&) = delete;

    // The `size` bytes a completion with `cqe_flags` (IORING_CQE_F_BUFFER
    // set) received.
    std::span<std::uint8_t> bytes(std::uint32_t cqe_flags, std::size_t size);
    // Those bytes have been delivered: the buffer goes back to the kernel.
    void release(std::uint32_t cqe_flags);

private:
    ReceiveBuffers() = default;
    void give_back(std::uint16_t id);

    // The ring of entries the kernel takes buffers from. Its tail overlays
    // the first entry's reserved field (the kernel's io_uring_buf_ring,
    // whose `bufs` member C++ compilers place 8 bytes too far with Debian
    // 12's headers).
    io_uring_buf* ring_ = nullptr;
    std::uint8_t* memory_ = nullptr;  // the buffers, one after another
    std::uint16_t tail_ = 0;
};

}  // namespace wirechat::net
