#include "net/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>

namespace wirechat::net {

namespace {
// Reads per turn before yielding to other connections (with the loop's
// 256 KiB buffer: 1 MiB). A client that sends without pause cannot
// monopolise the loop; the rest is read at the start of the next tick.
constexpr int reads_per_turn = 4;
constexpr int max_iov = 64;
constexpr std::size_t sendfile_chunk = 1024 * 1024;
// Below this, copying a payload into the output costs less than the extra
// iovec (and the write that may not batch with the next message's).
constexpr std::size_t min_borrowed = 2048;

// Whether `part` lies inside `whole` (std::less_equal: a total order even
// for pointers into different objects).
bool inside(std::span<const std::uint8_t> whole, std::span<const std::uint8_t> part) {
    std::less_equal<const std::uint8_t*> le;
    return le(whole.data(), part.data()) && le(part.data() + part.size(), whole.data() + whole.size());
}
}  // namespace

void ProtocolHandler::on_peer_closed() { connection_.close_after_flush(); }
void ProtocolHandler::wind_down() { connection_.close_after_flush(); }

Connection::Connection(EventLoop& loop, int fd, ConnectionOwner& owner, ConnectionLimits limits)
    : loop_(loop), owner_(owner), limits_(limits), output_(loop.tick_output()), fd_(fd) {
    // We already batch output into one writev per tick; Nagle's algorithm
    // would only delay the last segment of every response.
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    loop_.watch(fd_, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, *this);
}

Connection::~Connection() {
    if (!closed_) {
        loop_.forget(*this);
        leave_batches();
        if (seldom_) loop_.timers().cancel(seldom_->close_timer);
        loop_.unwatch(fd_);
        ::close(fd_);
    }
    if (seldom_ && seldom_->file_fd >= 0) ::close(seldom_->file_fd);
}

Connection::Seldom& Connection::seldom() {
    if (!seldom_) seldom_ = std::make_unique<Seldom>(*this);
    return *seldom_;
}

void Connection::run_deferred(List from) {
    if (from == List::soon) {
        read_some();
        return;
    }
    // Before sleep: the queue leaves with the loop's write batch, if there
    // is one (a file, if any, follows in batch_written()).
    if (in_write_batch_) return;
    if (IoBatch* batch = loop_.io_batch(); batch && !closed_ && !output_.empty()) {
        batch->add_write(*this);
        in_write_batch_ = true;
        return;
    }
    flush();
}

void Connection::set_handler(std::unique_ptr<ProtocolHandler> handler) {
    if (handler_) loop_.dispose_later(std::move(handler_));
    handler_ = std::move(handler);
}

// ---- input -----------------------------------------------------------------

void Connection::on_io(std::uint32_t events) {
    if (closed_) return;  // closed earlier in this tick by someone else
    if (events & EPOLLERR) {
        finish();
        return;
    }
    if ((events & EPOLLOUT) && pending_output() > 0) flush();
    if (closed_) return;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) {
        readable_ = true;
        if (events & (EPOLLRDHUP | EPOLLHUP)) eof_signalled_ = true;
        // The usual small read joins the loop's batch; anything else (large
        // reads, EOF, a pause, input held back, closing) is read here.
        IoBatch* batch = loop_.io_batch();
        if (batch && reads_fit_batch_ && !eof_signalled_ && !closing_ && !input_paused() &&
            !(seldom_ && !seldom_->held_input.empty())) {
            batch->add_read(*this);
            in_read_batch_ = true;
            return;
        }
        read_some();
    }
}

void Connection::read_some() {
    if (seldom_ && !seldom_->held_input.empty() && !input_paused() && !closing_) deliver_held();
    for (int turn = 0; readable_ && !closed_ && !input_paused(); ++turn) {
        if (turn == reads_per_turn) {
            loop_.run_soon(*this);
            return;
        }
        std::span<std::uint8_t> buffer = loop_.read_buffer();
        ssize_t n = ::read(fd_, buffer.data(), buffer.size());
        if (!handle_read(n < 0 ? -errno : n, buffer)) return;
    }
}

// What one read into `buffer` gave: that many bytes, 0 for EOF, or -errno.
// Returns false when reading stops for now.
bool Connection::handle_read(ssize_t result, std::span<std::uint8_t> buffer) {
    if (result > 0) {
        const auto n = std::size_t(result);
        reads_fit_batch_ = n < IoBatch::read_slot_size;
        // A short read drained the socket: later data raises a new edge,
        // so we can skip the read that would only say EAGAIN. Not so for
        // EOF, which arrived with the edge we are handling.
        if (n < buffer.size() && !eof_signalled_) readable_ = false;
        if (closing_) return true;  // while closing, input is read only to be discarded
        delivering_read_buffer_ = buffer.data() == loop_.read_buffer().data();
        deliver(buffer.first(n));
        // The next read reuses the buffer that borrowed bytes point into.
        if (delivering_read_buffer_ && output_.has_borrowed()) flush();
        delivering_read_buffer_ = false;
        return true;
    }
    if (result == 0) {
        readable_ = false;
        peer_eof_ = true;
        if (write_shut_) finish();            // the linger is over
        else if (!closing_) handler_->on_peer_closed();
        return false;
    }
    if (result == -EINTR) return true;
    if (result == -EAGAIN || result == -EWOULDBLOCK) {
        readable_ = false;
        return false;
    }
    finish();  // ECONNRESET and friends
    return false;
}

void Connection::batch_read(int result, std::span<std::uint8_t> slot) {
    in_read_batch_ = false;
    if (closed_) return;
    // A full slot may have left more: read it by ourselves, straight away.
    if (handle_read(result, slot) && readable_) read_some();
}

void Connection::deliver(std::span<std::uint8_t> bytes) {
    while (!bytes.empty() && !closed_ && !closing_) {
        ProtocolHandler* before = handler_.get();
        std::size_t used = handler_->on_data(bytes);
        bytes = bytes.subspan(std::min(used, bytes.size()));
        if (handler_.get() == before && !bytes.empty()) {
            // The handler cannot take more now: keep the rest (this is the
            // only copy of input ever made) and stop reading until resumed.
            seldom().held_input.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
            paused_by_handler_ = true;
            return;
        }
    }
}

void Connection::deliver_held() {
    std::string held;
    held.swap(seldom_->held_input);
    deliver(std::span(reinterpret_cast<std::uint8_t*>(held.data()), held.size()));
}

void Connection::resume_input() {
    if (closed_ || !paused_by_handler_) return;
    paused_by_handler_ = false;
    loop_.run_soon(*this);
}

// ---- output ----------------------------------------------------------------

void Connection::send(std::string_view bytes) {
    if (closing() || bytes.empty()) return;
    output_.append(bytes);
    schedule_flush();
}

void Connection::send(std::span<const std::uint8_t> bytes) {
    if (delivering_read_buffer_ && bytes.size() >= min_borrowed && !closing() &&
        inside(loop_.read_buffer(), bytes)) {
        output_.append_borrowed(bytes);
        schedule_flush();
        return;
    }
    send(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

void Connection::send_shared(SharedBytes bytes) {
    if (closing()) return;
    output_.append_shared(std::move(bytes));
    schedule_flush();
}

void Connection::send_file(int file_fd, std::uint64_t size) {
    if (closing() || size == 0) {
        ::close(file_fd);
        return;
    }
    Seldom& file = seldom();
    file.file_fd = file_fd;
    file.file_left = size;
    schedule_flush();
}

void Connection::schedule_flush() {
    if (pending_output() > limits_.high_water) paused_by_output_ = true;
    loop_.run_before_sleep(*this);
}

void Connection::flush() {
    if (closed_) return;
    const bool drained = write_queue() && write_file();
    // What the kernel did not take must outlive this tick's scratch.
    output_.settle();
    if (drained) after_drain();  // else wait for EPOLLOUT (or closed)
}

// Returns true once the queue is empty.
bool Connection::write_queue() {
    while (!output_.empty()) {
        iovec iov[max_iov];
        int count = output_.gather(iov, max_iov);
        ssize_t n = ::writev(fd_, iov, count);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) finish();
            return false;
        }
        wrote(std::size_t(n));
    }
    return true;
}

void Connection::wrote(std::size_t n) {
    output_.consume(n);
    if (paused_by_output_ && pending_output() <= limits_.low_water) {
        paused_by_output_ = false;
        loop_.run_soon(*this);
    }
}

void Connection::batch_written(int result) {
    in_write_batch_ = false;
    if (closed_) return;
    if (result == -EINTR) result = 0;  // nothing written: flush() tries again
    if (result == -EAGAIN || result == -EWOULDBLOCK) {
        output_.settle();  // what the scratch holds must outlive the tick; wait for EPOLLOUT
        return;
    }
    if (result < 0) {
        finish();
        return;
    }
    wrote(std::size_t(result));
    flush();  // whatever the kernel did not take (it may take it now), then the file, then drained
}

bool Connection::write_file() {
    if (!seldom_) return true;  // no file was ever sent
    Seldom& file = *seldom_;
    while (file.file_left > 0) {
        ssize_t n = ::sendfile(fd_, file.file_fd, nullptr, std::min<std::uint64_t>(file.file_left, sendfile_chunk));
        if (n > 0) {
            file.file_left -= std::uint64_t(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
        finish();  // an error, or the file shrank under us: the length we promised is a lie
        return false;
    }
    if (file.file_fd >= 0) {
        ::close(file.file_fd);
        file.file_fd = -1;
    }
    return true;
}

void Connection::after_drain() {
    if (!closing_) {
        handler_->on_drained();
        return;
    }
    if (write_shut_) return;
    ::shutdown(fd_, SHUT_WR);
    write_shut_ = true;
    if (peer_eof_) {
        finish();
        return;
    }
    loop_.timers().arm(seldom().close_timer, loop_.now_ms() + limits_.linger_ms);
    read_some();  // discard whatever is already waiting, maybe find the EOF
}

// ---- closing ---------------------------------------------------------------

// Forgetting scans the batch, so only a connection in one asks for it (many
// closing in a tick with a long write batch would otherwise cost n^2).
void Connection::leave_batches() {
    if (!in_read_batch_ && !in_write_batch_) return;
    loop_.io_batch()->forget(*this);
    in_read_batch_ = in_write_batch_ = false;
}

void Connection::close_after_flush() {
    if (closing_ || closed_) return;
    closing_ = true;
    Seldom& closing = seldom();
    loop_.timers().arm(closing.close_timer, loop_.now_ms() + limits_.flush_timeout_ms);
    paused_by_handler_ = paused_by_output_ = false;
    std::string().swap(closing.held_input);
    loop_.run_before_sleep(*this);  // flush() ends in after_drain(): shutdown, linger
}

void Connection::abort() { finish(); }

void Connection::finish() {
    if (closed_) return;
    closed_ = true;
    loop_.forget(*this);
    leave_batches();
    if (seldom_) {
        loop_.timers().cancel(seldom_->close_timer);
        std::string().swap(seldom_->held_input);
    }
    loop_.unwatch(fd_);
    ::close(fd_);
    output_.release();
    if (handler_) handler_->on_close();
    owner_.connection_closed(*this);
}

}  // namespace wirechat::net
