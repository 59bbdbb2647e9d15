#include "net/io_batch.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

#include "net/io_ring.h"
#include "net/receive_buffers.h"

namespace wirechat::net {

namespace {

// Operations per submission; a busier tick takes several.
constexpr unsigned entries = 256;
// Completions the ring holds before the kernel must keep them aside (it
// then ends multishot receives, which are asked again): a tick's worth for
// thousands of sockets.
constexpr unsigned completions = 16384;
// Pieces of output per submission, shared by its writes; one write takes
// at most max_iov_per_write, as a writev would.
constexpr std::size_t iov_count = 1024;
constexpr int max_iov_per_write = 64;

}  // namespace

// A completion's user_data: what it is for in the top byte, then an index
// or a descriptor.
std::uint64_t IoBatch::tag(Kind kind, std::uint64_t value) {
    return (std::uint64_t(kind) << kind_shift) | value;
}

std::unique_ptr<IoBatch> IoBatch::open(int epoll_fd, bool receives) {
    std::unique_ptr<IoRing> ring = IoRing::open(entries, completions);
    if (!ring) return nullptr;
    return std::unique_ptr<IoBatch>(new IoBatch(std::move(ring), epoll_fd, receives));
}

IoBatch::IoBatch(std::unique_ptr<IoRing> ring, int epoll_fd, bool receives)
    : results_(entries), iov_(iov_count), messages_(entries), epoll_fd_(epoll_fd), ring_(std::move(ring)) {
    // Room for a full submission, and a full completion queue, up front:
    // the lists never allocate in a tick that fits (and keep their
    // capacity after a busier one).
    writes_.reserve(entries);
    in_flight_.reserve(entries);
    if (!receives || !ring_->defers_task_work()) return;
    buffers_ = ReceiveBuffers::open(*ring_);
    if (!buffers_) return;
    received_.reserve(completions);
    poll_epoll();
}

IoBatch::~IoBatch() {
    for (std::size_t fd = 0; fd < receivers_.size(); ++fd)
        if (receivers_[fd].close_when_done) ::close(int(fd));
}

void IoBatch::submit(unsigned wait_for, int timeout_ms) {
    if (!ring_->submit(wait_for, timeout_ms))
        throw std::runtime_error(std::string("io_uring_enter: ") + std::strerror(errno));
}

void IoBatch::collect() {
    ring_->for_each_completion([this](const io_uring_cqe& cqe) {
        const auto value = cqe.user_data & ((std::uint64_t(1) << kind_shift) - 1);
        switch (Kind(cqe.user_data >> kind_shift)) {
        case Kind::write:
            results_[value] = cqe.res;
            ++writes_done_;
            break;
        case Kind::receive:
            received_.push_back({int(value), cqe.res, cqe.flags});
            break;
        case Kind::epoll:
            epoll_ready_ = true;
            if (!(cqe.flags & IORING_CQE_F_MORE)) poll_epoll();  // the kernel ended it: ask again
            break;
        case Kind::ignored:
            break;
        }
    });
}

// ---- writes ----------------------------------------------------------------

void IoBatch::forget(BatchedSocket& socket) {
    for (auto* list : {&writes_, &in_flight_})
        std::replace(list->begin(), list->end(), &socket, static_cast<BatchedSocket*>(nullptr));
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
            entry->user_data = tag(Kind::write, in_flight_.size());
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
        // Non-blocking, they are done when the submission returns; the wait
        // is only a safeguard.
        writes_done_ = 0;
        for (submit(); collect(), writes_done_ < in_flight_.size();) submit(1);
        for (std::size_t i = 0; i < in_flight_.size(); ++i)
            if (BatchedSocket* socket = in_flight_[i]) socket->batch_written(results_[i]);
        in_flight_.clear();
    }
    writes_.clear();
}

// ---- receives --------------------------------------------------------------

void IoBatch::receive(BatchedSocket& socket) {
    const auto fd = std::size_t(socket.batch_fd());
    if (fd >= receivers_.size()) receivers_.resize(fd + 1);
    Receiver& receiver = receivers_[fd];
    receiver.set_socket(&socket);
    receiver.wanted = true;
    if (!receiver.armed) arm_receive(int(fd));  // else once the cancelled one ends
}

void IoBatch::stop_receiving(BatchedSocket& socket) {
    Receiver& receiver = receivers_[std::size_t(socket.batch_fd())];
    receiver.wanted = false;
    if (receiver.armed && !receiver.cancelled) cancel_receive(socket.batch_fd());
}

void IoBatch::close(BatchedSocket& socket) {
    const int fd = socket.batch_fd();
    Receiver* receiver = std::size_t(fd) < receivers_.size() ? &receivers_[std::size_t(fd)] : nullptr;
    if (!receiver || !receiver->armed) {
        if (receiver) *receiver = {};
        ::close(fd);
        return;
    }
    receiver->set_socket(nullptr);
    receiver->wanted = false;
    receiver->close_when_done = true;
    if (!receiver->cancelled) cancel_receive(fd);
}

void IoBatch::arm_receive(int fd) {
    io_uring_sqe* entry = ring_->next_entry();
    entry->opcode = IORING_OP_RECV;
    entry->fd = fd;
    entry->flags = IOSQE_BUFFER_SELECT;
    entry->buf_group = ReceiveBuffers::group;
    entry->ioprio = IORING_RECV_MULTISHOT;
    entry->user_data = tag(Kind::receive, std::uint64_t(fd));
    Receiver& receiver = receivers_[std::size_t(fd)];
    receiver.armed = true;
    receiver.cancelled = false;
    ++armed_;
}

void IoBatch::cancel_receive(int fd) {
    io_uring_sqe* entry = ring_->next_entry();
    entry->opcode = IORING_OP_ASYNC_CANCEL;
    entry->fd = -1;
    entry->addr = tag(Kind::receive, std::uint64_t(fd));
    entry->user_data = tag(Kind::ignored, 0);
    receivers_[std::size_t(fd)].cancelled = true;
}

void IoBatch::poll_epoll() {
    io_uring_sqe* entry = ring_->next_entry();
    entry->opcode = IORING_OP_POLL_ADD;
    entry->fd = epoll_fd_;
    entry->poll32_events = POLLIN;
    entry->len = IORING_POLL_ADD_MULTI;
    entry->user_data = tag(Kind::epoll, 0);
}

bool IoBatch::wait(int timeout_ms) {
    // Completions already in (from the tick's writes) mean there is no
    // reason to sleep.
    const bool sleep = received_.empty() && !epoll_ready_ && !ring_->has_completions();
    submit(sleep ? 1 : 0, timeout_ms);
    collect();
    return std::exchange(epoll_ready_, false);
}

void IoBatch::run_receives() {
    // Delivery may arm, cancel and close, but takes no completions: the
    // list does not change under us.
    for (const Received& done : received_) {
        const auto fd = std::size_t(done.fd);
        const bool last = !(done.flags & IORING_CQE_F_MORE);
        if (last) {
            receivers_[fd].armed = false;
            --armed_;
        }
        const bool has_buffer = done.flags & IORING_CQE_F_BUFFER;
        std::span<std::uint8_t> bytes;
        if (has_buffer) bytes = buffers_->bytes(done.flags, std::size_t(std::max(done.result, 0)));
        // Cancelled, out of buffers, or interrupted: nothing for the
        // socket to hear (it is asked again below if still wanted).
        const bool told = done.result != -ECANCELED && done.result != -ENOBUFS && done.result != -EINTR &&
                          done.result != -EAGAIN;
        if (BatchedSocket* socket = receivers_[fd].socket(); socket && told) socket->batch_received(done.result, bytes);
        if (has_buffer) buffers_->release(done.flags);
        if (!last) continue;
        Receiver& receiver = receivers_[fd];  // again: delivery may have grown the table
        if (receiver.close_when_done) {
            ::close(done.fd);
            receiver = {};
        } else if (receiver.socket() && receiver.wanted && done.result != 0 && (done.result > 0 || !told)) {
            arm_receive(done.fd);  // ended for want of buffers or room, or cancelled and wanted again
        }
    }
    received_.clear();
}

}  // namespace wirechat::net
