#include "net/io_batch.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "net/io_ring.h"

namespace wirechat::net {

namespace {

// Operations per submission; a busier tick takes several. Reads take at
// most read_slots of them: the slots are the loop's second read buffer
// (128 KiB, written once at start so that its cost shows there and not as
// growth per connection).
constexpr unsigned entries = 256;
constexpr std::size_t read_slots = 64;
// Pieces of output per submission, shared by its writes; one write takes
// at most max_iov_per_write, as a writev would.
constexpr std::size_t iov_count = 1024;
constexpr int max_iov_per_write = 64;

}  // namespace

std::unique_ptr<IoBatch> IoBatch::open() {
    std::unique_ptr<IoRing> ring = IoRing::open(entries);
    if (!ring) return nullptr;
    return std::unique_ptr<IoBatch>(new IoBatch(std::move(ring)));
}

IoBatch::IoBatch(std::unique_ptr<IoRing> ring)
    : read_slots_(read_slots * read_slot_size), iov_(iov_count), messages_(entries), ring_(std::move(ring)) {
    // Room for a full submission up front: the lists never allocate in a
    // tick that fits one (and keep their capacity after a busier one).
    reads_.reserve(entries);
    writes_.reserve(entries);
    in_flight_.reserve(entries);
}

IoBatch::~IoBatch() = default;

void IoBatch::forget(BatchedSocket& socket) {
    for (auto* list : {&reads_, &writes_, &in_flight_})
        std::replace(list->begin(), list->end(), &socket, static_cast<BatchedSocket*>(nullptr));
}

// Submit what is prepared, wait until all of it is done, then call
// done(socket, index, result) for each operation still wanted.
template <class Done>
void IoBatch::submit(Done&& done) {
    if (!ring_->submit_and_wait())
        throw std::runtime_error(std::string("io_uring_enter: ") + std::strerror(errno));
    ring_->for_each_completion([&](std::uint64_t index, int result) {
        if (BatchedSocket* socket = in_flight_[index]) done(*socket, std::size_t(index), result);
    });
    in_flight_.clear();
}

void IoBatch::run_reads() {
    std::size_t next = 0;
    while (next < reads_.size()) {
        for (; next < reads_.size() && in_flight_.size() < read_slots; ++next) {
            BatchedSocket* socket = reads_[next];
            if (!socket) continue;
            io_uring_sqe* entry = ring_->next_entry();
            entry->opcode = IORING_OP_RECV;
            entry->fd = socket->batch_fd();
            entry->addr = reinterpret_cast<std::uintptr_t>(&read_slots_[in_flight_.size() * read_slot_size]);
            entry->len = unsigned(read_slot_size);
            entry->msg_flags = MSG_DONTWAIT;
            entry->user_data = in_flight_.size();
            in_flight_.push_back(socket);
        }
        submit([this](BatchedSocket& socket, std::size_t index, int result) {
            socket.batch_read(result, std::span(&read_slots_[index * read_slot_size], read_slot_size));
        });
    }
    reads_.clear();
}

void IoBatch::run_writes() {
    std::size_t next = 0;
    while (next < writes_.size()) {
        std::size_t iov_used = 0;
        for (; next < writes_.size() && in_flight_.size() < entries && iov_used < iov_.size(); ++next) {
            BatchedSocket* socket = writes_[next];
            if (!socket) continue;
            iovec* iov = &iov_[iov_used];
            // What does not fit this submission's pieces is left for the
            // writer to write after, as after a partial write.
            const auto room = std::min<std::size_t>(max_iov_per_write, iov_.size() - iov_used);
            const int count = socket->batch_gather(iov, int(room));
            iov_used += std::size_t(count);
            io_uring_sqe* entry = ring_->next_entry();
            entry->fd = socket->batch_fd();
            entry->msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL;
            entry->user_data = in_flight_.size();
            if (count == 1) {
                // The usual case, one run of bytes: a plain send, with no
                // message header to copy in.
                entry->opcode = IORING_OP_SEND;
                entry->addr = reinterpret_cast<std::uintptr_t>(iov->iov_base);
                entry->len = unsigned(iov->iov_len);
            } else {
                msghdr& message = messages_[in_flight_.size()];
                message = {};
                message.msg_iov = iov;
                message.msg_iovlen = std::size_t(count);
                entry->opcode = IORING_OP_SENDMSG;
                entry->addr = reinterpret_cast<std::uintptr_t>(&message);
                entry->len = 1;
            }
            in_flight_.push_back(socket);
        }
        submit([](BatchedSocket& socket, std::size_t, int result) { socket.batch_written(result); });
    }
    writes_.clear();
}

}  // namespace wirechat::net
