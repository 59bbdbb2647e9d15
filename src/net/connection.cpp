#include "net/connection.h"

#include "net/peer_name.h"
#include "ops/log.h"

#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <string>

namespace wirechat::net {

namespace {
// Reads per turn before yielding to other connections (with the loop's
// 256 KiB buffer: 1 MiB). A client that sends without pause cannot
// monopolise the loop; the rest is read at the start of the next tick.
constexpr int reads_per_turn = 4;
constexpr int max_iov = 64;
constexpr std::size_t sendfile_chunk = 1024 * 1024;
// TLS: what is encrypted goes in records of at most 16 KiB. Small pieces
// of output (the frames of a tick) are gathered into one record, since each
// record costs a header, a tag and a cipher call of its own. A file is read
// and encrypted a record at a time, and only while less than tls_file_ahead
// of ciphertext waits for the socket: memory stays bounded whatever its size.
constexpr std::size_t tls_record = 16 * 1024;
constexpr std::size_t tls_file_ahead = 256 * 1024;
// Below this, copying a payload into the output costs less than the extra
// iovec (and the write that may not batch with the next message's).
constexpr std::size_t min_borrowed = 2048;
// Where the loop's ring receives: a receive this large moves the connection
// to reading by itself after epoll, and a read smaller moves it back. The
// ring delivers a tick's receives together, after the kernel has copied
// them all; a large message is cheaper read straight into the loop's read
// buffer and answered while still in the cache.
constexpr std::size_t large_read = 2048;
// Past this much unsent output, stop reading from the peer until it drains
// below low_water: a client that does not read its responses cannot make us
// buffer without bound.
constexpr std::size_t high_water = 1024 * 1024;
constexpr std::size_t low_water = 256 * 1024;
// close_after_flush(): how long queued output may take to leave (a peer that
// stops reading must not hold the connection forever), then how long to wait
// for the peer's EOF after our last byte.
constexpr int flush_timeout_ms = 10'000;
constexpr int linger_ms = 2000;
// The two interests a connection has in epoll: reading and writing, or,
// while the ring receives for it, only room to write.
constexpr std::uint32_t reads_and_writes = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
constexpr std::uint32_t writes_only = EPOLLOUT | EPOLLET;

// Whether `part` lies inside `whole` (std::less_equal: a total order even
// for pointers into different objects).
bool inside(std::span<const std::uint8_t> whole, std::span<const std::uint8_t> part) {
    std::less_equal<const std::uint8_t*> le;
    return le(whole.data(), part.data()) && le(part.data() + part.size(), whole.data() + whole.size());
}
}  // namespace

// Every open connection has one: what it costs an idle WebSocket is
// measured by bench/run.sh (idle), and this keeps it from growing unseen.
static_assert(sizeof(Connection) <= 88, "a Connection grew: see the layout note at its members");

void ProtocolHandler::on_peer_closed() { connection_.close_after_flush(); }
void ProtocolHandler::wind_down() { connection_.close_after_flush(); }

Connection::Connection(EventLoop& loop, int fd, ConnectionOwner& owner) : fd_(fd), loop_(loop), owner_(owner) {
    // TCP_NODELAY came from the listening socket (see Listener).
    reads_in_ring_ = loop_.receives_in_ring();
    // Where the ring receives, epoll is needed only to hear of room to
    // write once a write found none (watch_for_room()): most connections
    // never need it, and are spared an epoll_ctl when they open and close.
    if (reads_in_ring_) {
        loop_.io_batch()->receive(*this);
    } else {
        loop_.watch(fd_, reads_and_writes, *this);
        watched_ = true;
    }
}

Connection::~Connection() {
    if (!closed_) {
        loop_.forget(*this);
        if (seldom_) loop_.timers().cancel(seldom_->close_timer);
        if (tls()) loop_.timers().cancel(tls()->handshake_timer);
        close_socket();
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
    seal();
    if (IoBatch* batch = loop_.io_batch(); batch && !closed_ && !wire().empty()) {
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

void Connection::secure(std::unique_ptr<tls::Session> session, int handshake_timeout_ms) {
    seldom().tls = std::make_unique<Tls>(*this, std::move(session));
    loop_.timers().arm(tls()->handshake_timer, loop_.now_ms() + handshake_timeout_ms);
    // A session OpenSSL could not even make fails at once.
    if (tls()->session->state() == tls::Session::State::failed) loop_.run_soon(*this);
}

// ---- input -----------------------------------------------------------------

void Connection::on_io(std::uint32_t events) {
    if (closed_) return;  // closed earlier in this tick by someone else
    if (events & EPOLLERR) {
        finish();
        return;
    }
    // Room to write: what is queued goes with the tick's writes. (A new
    // socket reports room at once, usually with its first response queued
    // in the same tick: that is no reason for a write of its own.)
    if ((events & EPOLLOUT) && pending_output() > 0) loop_.run_before_sleep(*this);
    if (closed_) return;
    // (Where the ring receives, EPOLLHUP is left to the receive, which
    // will end with EOF or the error.)
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) && !reads_in_ring_) {
        readable_ = true;
        if (events & (EPOLLRDHUP | EPOLLHUP)) eof_signalled_ = true;
        read_some();
    }
}

void Connection::read_some() {
    if (seldom_ && !seldom_->held_input.empty() && !input_paused() && !closing_) deliver_held();
    // TLS: what the session still holds comes before what the socket has.
    if (tls() && tls()->session->holds_input() && !closed_ && !input_paused() && !closing_) open_sealed();
    if (reads_in_ring_) {
        // Read on: the ring receives again (if it had stopped for a pause).
        if (!closed_ && !input_paused() && !peer_eof_) loop_.io_batch()->receive(*this);
        return;
    }
    for (int turn = 0; readable_ && !closed_ && !input_paused(); ++turn) {
        if (turn == reads_per_turn) {
            loop_.run_soon(*this);
            return;
        }
        std::span<std::uint8_t> buffer = loop_.read_buffer();
        ssize_t n = ::read(fd_, buffer.data(), buffer.size());
        if (!handle_read(n < 0 ? -errno : n, buffer)) return;
        // Small again: back to the ring (see large_read).
        if (loop_.receives_in_ring() && n > 0 && std::size_t(n) < large_read && !closed_ && !closing_ &&
            !eof_signalled_) {
            switch_reads(true);
            return;
        }
    }
}

// What one read into `buffer` gave: that many bytes, 0 for EOF, or -errno.
// Returns false when reading stops for now.
bool Connection::handle_read(ssize_t result, std::span<std::uint8_t> buffer) {
    if (result > 0) {
        const auto n = std::size_t(result);
        // A short read drained the socket: later data raises a new edge,
        // so we can skip the read that would only say EAGAIN. Not so for
        // EOF, which arrived with the edge we are handling.
        if (n < buffer.size() && !eof_signalled_) readable_ = false;
        if (closing_) return true;  // while closing, input is read only to be discarded
        if (tls()) {
            receive_sealed(buffer.first(n));
            return true;
        }
        delivering_input_ = true;
        loop_.set_input_in_delivery(buffer.first(n));
        deliver(buffer.first(n));
        loop_.set_input_in_delivery({});
        delivering_input_ = false;
        // The next read reuses the buffer that borrowed bytes point into.
        if (output_.has_borrowed()) flush();
        return true;
    }
    if (result == 0) {
        readable_ = false;
        peer_eof_ = true;
        if (write_shut_) finish();            // the linger is over
        else if (!closing_ && !(tls() && tls()->peer_close_told)) handler_->on_peer_closed();
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

void Connection::batch_received(int result, std::span<std::uint8_t> bytes) {
    if (closed_) return;
    // Bytes that were on their way when input paused wait with what the
    // handler holds (at most what the receive took before it stopped). An
    // EOF behind them waits too: the receive has ended with it, and the
    // one asked for on resuming finds it again, after them.
    if (result >= 0 && !closing_ && (input_paused() || (seldom_ && !seldom_->held_input.empty()))) {
        // (TLS: the held input is plaintext; ciphertext waits in the session.)
        if (result > 0 && tls()) tls()->session->receive(bytes);
        else if (result > 0) seldom().held_input.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    } else {
        handle_read(result, bytes);
    }
    if (closed_) return;
    if (input_paused()) {
        loop_.io_batch()->stop_receiving(*this);
    } else if (reads_in_ring_ && result > 0 && std::size_t(result) >= large_read && !closing_) {
        switch_reads(false);  // (the bytes of a receive already on its way still come here)
    }
}

// Where the loop's ring receives: move this connection's reads into the
// ring, or out of it to a read of its own after epoll (see large_read).
// Out of it, the order of the bytes holds: the ring finishes receives only
// inside the loop's wait and its batched writes (IoRing's DEFER_TASKRUN),
// and each of those hands the kernel the cancel before anything else; what
// the ring received before, the loop delivers ahead of epoll's events.
// Into it, epoll stops reporting reads before the receive is armed.
void Connection::switch_reads(bool to_ring) {
    reads_in_ring_ = to_ring;
    if (to_ring) {
        loop_.rewatch(fd_, writes_only, *this);
        loop_.io_batch()->receive(*this);
    } else {
        // epoll checks the new interest at once: bytes already waiting
        // are reported as an edge.
        loop_.io_batch()->stop_receiving(*this);
        if (watched_) loop_.rewatch(fd_, reads_and_writes, *this);
        else loop_.watch(fd_, reads_and_writes, *this);
        watched_ = true;
    }
}

// A write found no room: epoll is to say when there is some (at once, if
// there already is again: epoll checks a new interest when it is added).
void Connection::watch_for_room() {
    if (watched_) return;
    loop_.watch(fd_, writes_only, *this);
    watched_ = true;
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
    output_.append(loop_.tick_output(), bytes);
    schedule_flush();
}

void Connection::send(std::span<const std::uint8_t> bytes) {
    // (With TLS the input being delivered is plaintext in the read buffer
    // that the next record is decrypted into: never borrowed.)
    if (delivering_input_ && !tls() && bytes.size() >= min_borrowed && !closing() &&
        inside(loop_.input_in_delivery(), bytes)) {
        output_.append_borrowed(bytes);
        schedule_flush();
        return;
    }
    send(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

void Connection::send_shared(SharedBytes bytes) {
    if (closing()) return;
    if (!bytes || bytes->empty()) return;
    const auto [begin, end] = loop_.in_tick_output(bytes);
    output_.append_scratch(begin, end);
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

// Only the write. An error, the drained callback and closing wait for the
// tick's flush() (or epoll's report of the error): the caller may be going
// through a list that closing this connection would change.
void Connection::write_now() {
    if (closing() || in_write_batch_) return;
    seal();
    write_queue(false);
}

void Connection::schedule_flush() {
    if (pending_output() > high_water) paused_by_output_ = true;
    loop_.run_before_sleep(*this);
}

void Connection::flush() {
    if (closed_) return;
    seal();
    const bool drained = write_queue() && write_file();
    settle();
    if (drained) after_drain();  // else wait for EPOLLOUT (or closed)
}

// What the kernel did not take must outlive this tick's scratch.
void Connection::settle() {
    output_.settle(loop_.tick_output());
    if (tls()) tls()->wire.settle(loop_.tick_output());
}

// Returns true once the queue is empty. An error other than a full socket
// closes the connection if `may_close`.
bool Connection::write_queue(bool may_close) {
    OutputQueue& queue = wire();
    while (!queue.empty()) {
        iovec iov[max_iov];
        int count = queue.gather(loop_.tick_output(), iov, max_iov);
        ssize_t n = ::writev(fd_, iov, count);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) watch_for_room();
            else if (may_close) finish();
            return false;
        }
        wrote(std::size_t(n));
    }
    return true;
}

void Connection::wrote(std::size_t n) {
    wire().consume(n);
    if (paused_by_output_ && pending_output() <= low_water) {
        paused_by_output_ = false;
        loop_.run_soon(*this);
    }
}

void Connection::batch_written(int result) {
    in_write_batch_ = false;
    if (closed_) return;
    if (result == -EINTR) result = 0;  // nothing written: flush() tries again
    if (result == -EAGAIN || result == -EWOULDBLOCK) {
        settle();  // what the scratch holds must outlive the tick; wait for EPOLLOUT
        watch_for_room();
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
    if (tls()) return write_file_sealed();
    Seldom& file = *seldom_;
    while (file.file_left > 0) {
        ssize_t n = ::sendfile(fd_, file.file_fd, nullptr, std::min<std::uint64_t>(file.file_left, sendfile_chunk));
        if (n > 0) {
            file.file_left -= std::uint64_t(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            watch_for_room();
            return false;
        }
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
    if (tls()) {
        // Our close_notify goes last: the peer can tell our end from a cut.
        tls()->session->shut_down();
        take_sealed();
        if (!write_queue()) return;  // the rest on EPOLLOUT, then here again
    }
    ::shutdown(fd_, SHUT_WR);
    write_shut_ = true;
    if (peer_eof_) {
        finish();
        return;
    }
    loop_.timers().arm(seldom().close_timer, loop_.now_ms() + linger_ms);
    read_some();  // discard whatever is already waiting, maybe find the EOF
}

// ---- TLS -------------------------------------------------------------------

void Connection::receive_sealed(std::span<const std::uint8_t> ciphertext) {
    tls()->session->receive(ciphertext);
    open_sealed();
}

// Decrypts into the loop's read buffer (the session copied the ciphertext,
// so the buffer is free again) and delivers, until the session needs more,
// the handler pauses, or the connection closes. What is left waits in the
// session for read_some().
void Connection::open_sealed() {
    tls::Session& session = *tls()->session;
    while (!closed_ && !closing_ && !input_paused()) {
        std::span<std::uint8_t> buffer = loop_.read_buffer();
        const std::size_t n = session.read(buffer);
        if (session.take_handshake_done()) handshake_finished();
        if (n == 0 || closed_) break;
        deliver(buffer.first(n));
    }
    if (closed_) return;
    take_sealed();  // handshake messages, session tickets, alerts
    if (!tls()->wire.empty()) schedule_flush();
    if (session.state() == tls::Session::State::failed) {
        tls_failed();
    } else if (session.state() == tls::Session::State::peer_closed && !closing_ && !tls()->peer_close_told) {
        tls()->peer_close_told = true;  // close_notify: the peer's EOF, whatever TCP says
        handler_->on_peer_closed();
    }
}

void Connection::seal() {
    if (!tls() || closed_) return;
    tls::Session& session = *tls()->session;
    if (!session.open() && session.state() != tls::Session::State::peer_closed) {
        // Before the handshake, or after a failure, nothing can be
        // encrypted; what a handler queued then (an answer to a timeout)
        // is for nobody once the connection is closing.
        if (closing_) output_.release();
        return;
    }
    std::uint8_t record[tls_record];
    std::size_t gathered = 0;
    while (!output_.empty()) {
        iovec iov[max_iov];
        const int count = output_.gather(loop_.tick_output(), iov, max_iov);
        std::size_t sealed = 0;
        for (int i = 0; i < count; ++i) {
            const std::span piece(static_cast<const std::uint8_t*>(iov[i].iov_base), iov[i].iov_len);
            sealed += piece.size();
            if (gathered + piece.size() > sizeof record) {
                session.write(std::span(record, gathered));
                gathered = 0;
            }
            if (piece.size() >= sizeof record) {
                session.write(piece);
            } else {
                std::memcpy(record + gathered, piece.data(), piece.size());
                gathered += piece.size();
            }
        }
        output_.consume(sealed);
    }
    if (gathered > 0) session.write(std::span(record, gathered));
    take_sealed();
    // (Only OpenSSL running out of memory fails a write: the input path
    // closes the connection.)
    if (session.state() == tls::Session::State::failed) loop_.run_soon(*this);
}

void Connection::take_sealed() {
    tls::Session& session = *tls()->session;
    const std::string_view sealed = session.output();
    if (sealed.empty()) return;
    tls()->wire.append(loop_.tick_output(), sealed);
    session.clear_output();
}

void Connection::handshake_finished() {
    loop_.timers().cancel(tls()->handshake_timer);
    handler_->on_secured(tls()->session->summary());
}

// Plain HTTP gets a plain HTTP answer; anything else OpenSSL refused gets
// the alert it queued (already on the wire). Either way the connection
// closes once that is out; one bad client disturbs nobody else.
void Connection::tls_failed() {
    const tls::Session& session = *tls()->session;
    if (session.failure() == tls::Session::Failure::plain_http) {
        tls()->wire.append(loop_.tick_output(), tls::plain_http_answer);
    }
    if (ops::logging(ops::Level::debug)) {
        ops::log(ops::Level::debug, "tls_refused",
                 {{"peer", peer_name()},
                  {"why", session.failure() == tls::Session::Failure::plain_http ? std::string_view("plain HTTP")
                                                                                  : session.failure_reason()}});
    }
    close_after_flush();
}

void Connection::handshake_timed_out() {
    if (ops::logging(ops::Level::debug))
        ops::log(ops::Level::debug, "tls_refused", {{"peer", peer_name()}, {"why", "handshake timed out"}});
    finish();
}

// The file, a record at a time: read, encrypted into the wire, written with
// the rest of the wire. Returns true once all of it is out.
bool Connection::write_file_sealed() {
    Seldom& file = *seldom_;
    while (write_queue()) {
        if (file.file_left == 0) {
            if (file.file_fd >= 0) {
                ::close(file.file_fd);
                file.file_fd = -1;
            }
            return true;
        }
        std::uint8_t record[tls_record];
        while (file.file_left > 0 && tls()->wire.size() < tls_file_ahead) {
            ssize_t n = ::read(file.file_fd, record, std::min<std::uint64_t>(file.file_left, sizeof record));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                finish();  // an error, or the file shrank under us: the length we promised is a lie
                return false;
            }
            file.file_left -= std::uint64_t(n);
            tls()->session->write(std::span(record, std::size_t(n)));
            take_sealed();
        }
    }
    return false;
}

// ---- closing ---------------------------------------------------------------

// Forgetting scans the batch, so only a connection in one asks for it (many
// closing in a tick with a long write batch would otherwise cost n^2).
void Connection::close_socket() {
    if (in_write_batch_) loop_.io_batch()->forget(*this);
    in_write_batch_ = false;
    if (watched_) loop_.unwatch(fd_);
    // Where the ring receives, it closes the descriptor once the receive
    // has ended.
    if (loop_.receives_in_ring()) loop_.io_batch()->close(*this);
    else ::close(fd_);
}

void Connection::close_after_flush() {
    if (closing_ || closed_) return;
    closing_ = true;
    Seldom& closing = seldom();
    loop_.timers().arm(closing.close_timer, loop_.now_ms() + flush_timeout_ms);
    paused_by_handler_ = paused_by_output_ = false;
    std::string().swap(closing.held_input);
    loop_.run_before_sleep(*this);  // flush() ends in after_drain(): shutdown, linger
}

void Connection::abort() { finish(); }

void Connection::finish() {
    if (closed_) return;
    closed_ = true;
    loop_.forget(*this);
    if (seldom_) {
        loop_.timers().cancel(seldom_->close_timer);
        std::string().swap(seldom_->held_input);
    }
    if (tls()) {
        loop_.timers().cancel(tls()->handshake_timer);
        tls()->wire.release();
    }
    close_socket();
    output_.release();
    if (handler_) handler_->on_close();
    owner_.connection_closed(*this);
}

std::string Connection::peer_name() const { return net::peer_name(fd_); }

}  // namespace wirechat::net
