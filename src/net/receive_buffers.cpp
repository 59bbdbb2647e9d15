#include "net/receive_buffers.h"

#include <linux/io_uring.h>
#include <sys/mman.h>

#include <atomic>

#include "net/io_ring.h"

namespace wirechat::net {

namespace {

// 256 buffers of 2 KiB: a tick's receives, however many sockets, share
// them. When a tick needs more, the receives that found none end with
// -ENOBUFS and are asked again once the buffers are back. Mapped and
// touched at start-up, so their 512 KiB show there, not as growth per
// connection.
constexpr unsigned buffer_count = 256;  // a power of two, as the kernel asks
constexpr std::size_t memory_bytes = buffer_count * ReceiveBuffers::buffer_size;
constexpr std::size_t ring_bytes = 4096;  // buffer_count entries, one page
static_assert(buffer_count * sizeof(io_uring_buf) <= ring_bytes);

std::uint16_t buffer_id(std::uint32_t cqe_flags) { return std::uint16_t(cqe_flags >> IORING_CQE_BUFFER_SHIFT); }

void* map_populated(std::size_t bytes) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    return p == MAP_FAILED ? nullptr : p;
}

}  // namespace

std::unique_ptr<ReceiveBuffers> ReceiveBuffers::open(IoRing& ring) {
    std::unique_ptr<ReceiveBuffers> buffers(new ReceiveBuffers);
    buffers->ring_ = static_cast<io_uring_buf*>(map_populated(ring_bytes));
    buffers->memory_ = static_cast<std::uint8_t*>(map_populated(memory_bytes));
    if (!buffers->ring_ || !buffers->memory_) return nullptr;
    for (unsigned id = 0; id < buffer_count; ++id) buffers->give_back(std::uint16_t(id));
    if (!ring.register_buffer_ring(buffers->ring_, buffer_count, group)) return nullptr;
    return buffers;
}

ReceiveBuffers::~ReceiveBuffers() {
    if (memory_) munmap(memory_, memory_bytes);
    if (ring_) munmap(ring_, ring_bytes);
}

std::span<std::uint8_t> ReceiveBuffers::bytes(std::uint32_t cqe_flags, std::size_t size) {
    return {memory_ + buffer_id(cqe_flags) * buffer_size, size};
}

void ReceiveBuffers::release(std::uint32_t cqe_flags) { give_back(buffer_id(cqe_flags)); }

void ReceiveBuffers::give_back(std::uint16_t id) {
    io_uring_buf& entry = ring_[tail_ & (buffer_count - 1)];
    entry.addr = reinterpret_cast<std::uintptr_t>(memory_ + id * buffer_size);
    entry.len = std::uint32_t(buffer_size);
    entry.bid = id;
    ++tail_;
    std::atomic_ref(ring_[0].resv).store(tail_, std::memory_order_release);
}

}  // namespace wirechat::net
