#include "net/listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace wirechat::net {

namespace {

// Accept at most this many connections per tick, so a connection storm
// cannot starve the connections that are already established. The listener
// is edge-triggered, like everything in the loop's epoll set (see
// EventLoop::run): what is left in the backlog is accepted in the next tick.
constexpr int accepts_per_tick = 64;
constexpr int retry_ms = 100;

[[noreturn]] void fail_listen(const std::string& host, std::uint16_t port, const char* what,
                              int err) {
    throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                             what + (err ? std::string(": ") + std::strerror(err) : ""));
}

int open_reserve_fd() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

}  // namespace

Listener::Listener(EventLoop& loop, const std::string& host, std::uint16_t port,
                   bool share_port, AcceptFn on_accept)
    : loop_(loop), on_accept_(std::move(on_accept)) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    std::string service = std::to_string(port);
    if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0)
        fail_listen(host, port, gai_strerror(rc), 0);

    int err = 0;
    for (addrinfo* a = found; a && fd_ < 0; a = a->ai_next) {
        int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (share_port) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
        if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) {
            fd_ = fd;
        } else {
            err = errno;
            ::close(fd);
        }
    }
    freeaddrinfo(found);
    if (fd_ < 0) fail_listen(host, port, "bind", err);

    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &len);
    port_ = ntohs(bound.ss_family == AF_INET6
                      ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                      : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);

    // One descriptor held back for the day the process runs out of them: see
    // shed_one_connection().
    reserve_fd_ = open_reserve_fd();
    loop_.watch(fd_, EPOLLIN | EPOLLET, *this);
}

Listener::~Listener() {
    close();
    if (reserve_fd_ >= 0) ::close(reserve_fd_);
}

void Listener::close() {
    if (fd_ < 0) return;
    loop_.forget(*this);
    loop_.timers().cancel(retry_);
    loop_.unwatch(fd_);
    ::close(fd_);
    fd_ = -1;
}

void Listener::on_io(std::uint32_t) { accept_some(); }

void Listener::accept_some() {
    for (int i = 0; fd_ >= 0; ++i) {
        if (i == accepts_per_tick) {
            loop_.run_soon(*this);
            return;
        }
        int fd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            on_accept_(fd);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;  // the next connection is a new edge
        // Out of descriptors, accept fails before it looks at the backlog,
        // which may well be empty: shed one, and go on only if there was one.
        if ((errno == EMFILE || errno == ENFILE) && reserve_fd_ >= 0) {
            if (shed_one_connection()) loop_.run_soon(*this);  // the rest of the backlog, next tick
            return;
        }
        // An error we can only wait out (no memory, no reserve descriptor):
        // whoever waits in the backlog is tried again shortly.
        loop_.timers().arm(retry_, loop_.now_ms() + retry_ms);
        return;
    }
}

// Out of descriptors, the pending connection would stay in the backlog,
// its client hanging. Instead: give up the reserve descriptor, accept the
// connection, close it at once (the client sees a reset), and take the
// reserve back (accept_some() calls this only while it has one). Returns
// whether there was a connection to shed.
bool Listener::shed_one_connection() {
    ::close(reserve_fd_);
    int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) ::close(fd);
    reserve_fd_ = open_reserve_fd();
    return fd >= 0;
}

}  // namespace wirechat::net
