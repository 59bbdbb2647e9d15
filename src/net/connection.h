// One accepted TCP connection: reads bytes into the loop's shared buffer,
// hands them to its protocol handler, and writes what the handler queued.
//
// The connection knows no protocol. Its handler can be replaced while bytes
// are being delivered (HTTP hands over to WebSocket after a 101): the handler
// returns how much it consumed, and the rest of the same buffer goes straight
// to the new handler, without being copied.
//
// Edge-triggered epoll, registered once for reading and writing: a
// connection's interest never changes, so there is no epoll_ctl per message
// (level-triggered would need EPOLLOUT switched on and off around every
// partial write). The price is that we must read until EAGAIN, or remember
// that the socket is still readable when we stop early for fairness.
// Where the loop's io_uring receives (io_batch.h), bytes arrive through
// batch_received() instead, and a connection joins epoll only once a write
// finds no room, to hear when there is some: most never do.
//
// On a TLS port (secure()) the connection is where ciphertext and
// plaintext meet, so that no handler knows: what is read goes through the
// tls::Session and the handler is given plaintext; what the handler queues
// stays plaintext until the tick's flush, which encrypts all of it at once
// into a second queue (the wire) that the socket is written from. The
// tick's output still leaves in one write, and a file is read and
// encrypted instead of sent with sendfile().
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "net/block_pool.h"
#include "net/event_loop.h"
#include "net/intrusive_list.h"
#include "net/io_batch.h"
#include "net/output_queue.h"
#include "net/timer_heap.h"
#include "tls/session.h"

namespace wirechat::net {

class Connection;

// A handler is Disposable because it may be replaced while its own on_data()
// is on the call stack; the loop destroys it once the tick is over.
class ProtocolHandler : public Disposable {
public:
    // Bytes from the peer. Return how many were consumed. Consuming fewer than
    // all means either "I installed a new handler: give it the rest" or "I
    // cannot take more now": then the rest is kept and reading pauses until
    // the handler calls Connection::resume_input().
    virtual std::size_t on_data(std::span<std::uint8_t> bytes) = 0;
    // The peer will send no more (EOF). By default: finish sending, then close.
    virtual void on_peer_closed();
    // Everything queued so far has been written.
    virtual void on_drained() {}
    // On a TLS port: the handshake is done (before any on_data()); what it
    // agreed, for --trace.
    virtual void on_secured(const tls::HandshakeSummary&) {}
    // The server is shutting down: finish what is in flight, then close.
    virtual void wind_down();
    // Called by the owner every little while (see Server's sweep) with the
    // loop's time: for timeouts too coarse to need a timer of their own.
    virtual void on_sweep(std::int64_t /*now_ms*/) {}
    // The connection is closing for good: release what refers to it (timers,
    // registrations). No more calls follow.
    virtual void on_close() {}

protected:
    explicit ProtocolHandler(Connection& connection) : connection_(connection) {}
    Connection& connection_;
};

// Told when a connection has closed, so it can be forgotten and destroyed.
class ConnectionOwner {
public:
    virtual void connection_closed(Connection& connection) = 0;

protected:
    ~ConnectionOwner() = default;
};

// ListLinks: its owner may keep it in an IntrusiveList. Pooled: allocated
// from a BlockPool (see block_pool.h for why). Deferred: also Disposable;
// it is the last base with data so that the flags and the descriptor can
// sit in its padding (every open connection has one of these: 88 bytes).
class Connection final : private BatchedSocket,  // an IoHandler
                         public ListLinks<Connection>,
                         public Deferred,
                         public Pooled<Connection> {
public:
    Connection(EventLoop& loop, int fd, ConnectionOwner& owner);
    ~Connection() override;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Install the handler. When called from inside on_data(), the old handler
    // lives until the end of the tick (it is still on the call stack).
    void set_handler(std::unique_ptr<ProtocolHandler> handler);

    // Speak TLS through `session` (the server side of it): see the top of
    // this file. Call right after construction, before the loop delivers
    // anything. A handshake not finished within `handshake_timeout_ms` of
    // now closes the connection.
    void secure(std::unique_ptr<tls::Session> session, int handshake_timeout_ms);
    // Whether the connection speaks TLS (secure() was called): what the
    // client reached is https:// or wss://.
    bool secured() const { return tls() != nullptr; }

    // Queue bytes; they leave in one write just before the loop sleeps (with
    // the tick's other writes, in the loop's IoBatch if it has one). A
    // large span of this connection's input (an echo), sent while that
    // input is being delivered, is not copied: it is written as soon as the
    // delivery is over, and only what the kernel does not take then is
    // copied.
    void send(std::string_view bytes);
    void send(std::span<const std::uint8_t> bytes);
    void send_shared(SharedBytes bytes);
    // Queue `size` bytes of an open file after everything queued so far; sent
    // with sendfile(). The connection owns and closes `file_fd`. Bytes queued
    // after a file wait for it.
    void send_file(int file_fd, std::uint64_t size);
    // Nothing else may be queued until the file is sent: wait for on_drained().
    std::size_t pending_output() const {
        return output_.size() + (tls() ? tls()->wire.size() : 0) + (seldom_ ? seldom_->file_left : 0);
    }

    // Offer what is queued to the kernel now, not with the tick's writes,
    // for a caller that must know how much the kernel will not take. Never
    // closes the connection or calls its handler.
    void write_now();

    // Reading stopped because the handler did not consume everything: go on.
    void resume_input();

    // Graceful close: send what is queued, then shut down our side and wait
    // (briefly) for the peer's EOF, discarding its input. Closing at once
    // could make the kernel answer unread input with a reset that destroys
    // the response the peer has not read yet.
    void close_after_flush();
    // Close now, dropping queued output.
    void abort();

    bool closing() const { return closing_ || closed_; }
    // "address:port" of the peer, asked of the kernel (for logs), or "?".
    std::string peer_name() const;
    ProtocolHandler& handler() { return *handler_; }
    EventLoop& loop() { return loop_; }

private:
    // What a TLS connection has besides (see secure()).
    struct Tls {
        Tls(Connection& c, std::unique_ptr<tls::Session> s)
            : session(std::move(s)), handshake_timer([&c] { c.handshake_timed_out(); }) {}
        std::unique_ptr<tls::Session> session;
        // Ciphertext (or the answer to plain HTTP): what the socket is
        // written from. output_ holds the plaintext not encrypted yet.
        OutputQueue wire;
        Timer handshake_timer;
        bool peer_close_told = false;  // the handler knows of the peer's close_notify
    };
    // What a connection needs only for a file response, for input its
    // handler could not take yet, once closing, or on a TLS port:
    // allocated on first use, so that an idle connection stays small.
    struct Seldom {
        explicit Seldom(Connection& c) : close_timer([&c] { c.finish(); }) {}
        int file_fd = -1;
        std::uint64_t file_left = 0;
        std::string held_input;  // bytes the handler did not take yet
        Timer close_timer;       // bounds close_after_flush()
        std::unique_ptr<Tls> tls;  // on a TLS port only: see secure()
    };
    Seldom& seldom();
    Tls* tls() const { return seldom_ ? seldom_->tls.get() : nullptr; }

    // The queue the socket is written from.
    OutputQueue& wire() { return tls() ? tls()->wire : output_; }
    // TLS: ciphertext arrived; decrypt it and deliver the plaintext.
    void receive_sealed(std::span<const std::uint8_t> ciphertext);
    void open_sealed();
    // TLS: encrypt what the handler queued; move what the session wrote
    // (records, handshake messages, alerts) to the wire.
    void seal();
    void take_sealed();
    void handshake_finished();
    void tls_failed();
    void handshake_timed_out();
    bool write_file_sealed();
    void settle();

    void on_io(std::uint32_t events) override;
    // Soon: read on (after a pause, or a turn given up for fairness).
    // Before sleep: flush.
    void run_deferred(List from) override;
    void read_some();
    bool handle_read(ssize_t result, std::span<std::uint8_t> buffer);
    void switch_reads(bool to_ring);
    void watch_for_room();
    void deliver(std::span<std::uint8_t> bytes);
    void deliver_held();
    void flush();
    bool write_queue(bool may_close = true);
    void wrote(std::size_t n);
    bool write_file();
    void after_drain();
    void schedule_flush();
    void finish();
    void close_socket();
    // BatchedSocket: reads and writes through the loop's IoBatch.
    int batch_fd() const override { return fd_; }
    void batch_received(int result, std::span<std::uint8_t> bytes) override;
    int batch_gather(iovec* iov, int max) override { return wire().gather(loop_.tick_output(), iov, max); }
    void batch_written(int result) override;
    bool input_paused() const { return paused_by_handler_ || paused_by_output_; }

    // The flags first, as bits, and the descriptor: in Deferred's padding.
    bool delivering_input_ : 1 = false;  // see EventLoop::input_in_delivery()
    bool in_write_batch_ : 1 = false;
    bool reads_in_ring_ : 1 = false;     // see switch_reads()
    bool readable_ : 1 = false;          // edge seen, socket not drained yet
    bool eof_signalled_ : 1 = false;     // EPOLLRDHUP/EPOLLHUP seen: read until 0
    bool paused_by_handler_ : 1 = false;
    bool paused_by_output_ : 1 = false;
    bool peer_eof_ : 1 = false;
    bool closing_ : 1 = false;           // close_after_flush() called
    bool write_shut_ : 1 = false;        // our FIN sent, lingering
    bool closed_ : 1 = false;
    bool watched_ : 1 = false;           // in the loop's epoll set
    int fd_;
    EventLoop& loop_;
    ConnectionOwner& owner_;
    std::unique_ptr<ProtocolHandler> handler_;
    OutputQueue output_;
    std::unique_ptr<Seldom> seldom_;
};

}  // namespace wirechat::net
