#include "net/receive_buffers.h"

#include <linux/io_uring.h>
#include <sys/mman.h>

#include <atomic>

#include "net/io_ring.h"

namespace wirechat::net {

namespace {

// 8 buffers of 64 KiB: a tick's receives, however many sockets, share
// them, so 512 KiB is room for thousands of small messages (large ones are
// read by their connection itself, see Connection::switch_reads). When a
// tick needs more, the receives that found none end with -ENOBUFS and are
// asked again once the buffers are back. Mapped and touched at start-up,
// so their cost shows there, not as growth per connection.
constexpr unsigned buffer_count = 8;  // a power of two, as the kernel asks
constexpr std::size_t buffer_size = 64 * 1024;
constexpr std::size_t ring_bytes = 4096;  // buffer_count entries, one page
static_assert(buffer_count * sizeof(io_uring_buf) <= ring_bytes);

// Linux 6.12 ABI, newer than Debian 12's headers: the ring's buffers are
// consumed a part at a time, and a completion whose buffer the kernel will
// go on filling says so.
constexpr std::uint16_t incremental_ring = 2;   // IOU_PBUF_RING_INC
constexpr std::uint32_t buffer_more = 1U << 4;  // IORING_CQE_F_BUF_MORE

std::uint16_t buffer_id(std::uint32_t cqe_flags) { return std::uint16_t(cqe_flags >> IORING_CQE_BUFFER_SHIFT); }

void* map_populated(std::size_t bytes) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    return p == MAP_FAILED ? nullptr : p;
}

}  // namespace

std::unique_ptr<ReceiveBuffers> ReceiveBuffers::open(IoRing& ring) {
    std::unique_ptr<ReceiveBuffers> buffers(new ReceiveBuffers);
    buffers->ring_ = static_cast<io_uring_buf*>(map_populated(ring_bytes));
    buffers->memory_ = static_cast<std::uint8_t*>(map_populated(buffer_count * buffer_size));
    if (!buffers->ring_ || !buffers->memory_) return nullptr;
    buffers->filled_.assign(buffer_count, 0);
    for (unsigned id = 0; id < buffer_count; ++id) buffers->give_back(std::uint16_t(id));
    if (!ring.register_buffer_ring(buffers->ring_, buffer_count, group, incremental_ring)) return nullptr;
    return buffers;
}

ReceiveBuffers::~ReceiveBuffers() {
    if (memory_) munmap(memory_, buffer_count * buffer_size);
    if (ring_) munmap(ring_, ring_bytes);
}

std::span<std::uint8_t> ReceiveBuffers::take(std::uint32_t cqe_flags, std::size_t size) {
    const std::uint16_t id = buffer_id(cqe_flags);
    std::uint8_t* start = memory_ + id * buffer_size + filled_[id];
    filled_[id] += std::uint32_t(size);
    return {start, size};
}

void ReceiveBuffers::release(std::uint32_t cqe_flags) {
    if (cqe_flags & buffer_more) return;
    const std::uint16_t id = buffer_id(cqe_flags);
    filled_[id] = 0;
    give_back(id);
}

void ReceiveBuffers::give_back(std::uint16_t id) {
    io_uring_buf& entry = ring_[tail_ & (buffer_count - 1)];
    entry.addr = reinterpret_cast<std::uintptr_t>(memory_ + id * buffer_size);
    entry.len = std::uint32_t(buffer_size);
    entry.bid = id;
    ++tail_;
    std::atomic_ref(ring_[0].resv).store(tail_, std::memory_order_release);
}

}  // namespace wirechat::net
