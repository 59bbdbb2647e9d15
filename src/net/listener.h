// A listening TCP socket that hands every accepted connection to a callback.
//
// With `share_port`, SO_REUSEPORT lets several listeners (one event loop per
// core, or several processes) bind the same port, and the kernel spreads
// connections among them. Without it, a port in use is an error, as a user
// who started the server twice by mistake expects.
//
// Socket activation (systemd's sd_listen_fds(3) convention): when the
// environment says LISTEN_PID=<this process> and LISTEN_FDS=1, whoever
// started us (systemd, from a .socket unit) already listens for us on
// descriptor 3, and keeps that socket across our restarts. The Listener then
// takes descriptor 3 instead of binding: host, port and share_port are not
// used, port() is the socket's. The variables are removed from the
// environment, so that nothing we start takes them for its own.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <string>

#include "net/event_loop.h"
#include "net/timer_heap.h"

namespace wirechat::net {

// Whether this process was started with a socket to listen on: LISTEN_PID
// is its pid and LISTEN_FDS is set and not 0 (a Listener constructed now
// would take it, or throw if it cannot). Changes nothing. For callers that
// must refuse what cannot share that one socket (--workers, whose forked
// workers each bind their own).
bool socket_activation_requested();

class Listener final : private IoHandler, private Deferred {
public:
    // Called with a non-blocking, close-on-exec socket the callee now owns,
    // and the peer's address.
    using AcceptFn = std::function<void(int fd, const sockaddr_storage& peer)>;

    // Binds and listens, or takes the socket it was started with (see the
    // top of this file); throws std::runtime_error with a one-line message
    // ("cannot listen on 0.0.0.0:3000: Address already in use", or what is
    // wrong with the inherited socket: LISTEN_FDS above 1, descriptor 3 not
    // a listening TCP socket).
    Listener(EventLoop& loop, const std::string& host, std::uint16_t port, bool share_port,
             AcceptFn on_accept);
    ~Listener();
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    std::uint16_t port() const { return port_; }  // the real one when 0 was asked for
    void close();                                 // stop accepting (graceful shutdown)
    // Connections closed at once, the process being out of descriptors.
    std::uint64_t shed() const { return shed_; }

private:
    void on_io(std::uint32_t events) override;
    void run_deferred(List) override { accept_some(); }
    void accept_some();
    bool shed_one_connection();

    EventLoop& loop_;
    AcceptFn on_accept_;
    int fd_ = -1;
    int reserve_fd_ = -1;
    Timer retry_{[this] { accept_some(); }};  // after an error we can only wait out
    std::uint16_t port_ = 0;
    std::uint64_t shed_ = 0;
    // Shedding and accept errors are logged at most once a second.
    static constexpr int log_interval_ms = 1000;
    std::int64_t last_logged_ms_ = -log_interval_ms;
    std::uint64_t shed_logged_ = 0;
};

}  // namespace wirechat::net
