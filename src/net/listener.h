// A listening TCP socket that hands every accepted connection to a callback.
//
// With `share_port`, SO_REUSEPORT lets several listeners (one event loop per
// core, or several processes) bind the same port, and the kernel spreads
// connections among them. Without it, a port in use is an error, as a user
// who started the server twice by mistake expects.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "net/event_loop.h"
#include "net/timer_heap.h"

namespace wirechat::net {

class Listener final : private IoHandler, private Deferred {
public:
    // Called with a non-blocking, close-on-exec socket the callee now owns.
    using AcceptFn = std::function<void(int fd)>;

    // Binds and listens; throws std::runtime_error with a one-line message
    // ("cannot listen on 0.0.0.0:3000: Address already in use").
    Listener(EventLoop& loop, const std::string& host, std::uint16_t port, bool share_port,
             AcceptFn on_accept);
    ~Listener();
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    std::uint16_t port() const { return port_; }  // the real one when 0 was asked for
    void close();                                 // stop accepting (graceful shutdown)

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
};

}  // namespace wirechat::net
