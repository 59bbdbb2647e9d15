#include "net/listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include "ops/log.h"

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

// ---- socket activation (sd_listen_fds(3)) ----

constexpr int first_inherited_fd = 3;  // SD_LISTEN_FDS_START

// LISTEN_FDS, if LISTEN_PID names this process (else the variables were
// meant for another: a parent that forked us without exec, say); "" if not.
std::string_view activation_fds() {
    const char* pid_text = std::getenv("LISTEN_PID");
    const char* fds_text = std::getenv("LISTEN_FDS");
    if (!pid_text || !fds_text) return {};
    const std::string_view pid_view = pid_text;
    long pid = 0;
    auto [end, ec] = std::from_chars(pid_view.data(), pid_view.data() + pid_view.size(), pid);
    if (ec != std::errc{} || end != pid_view.data() + pid_view.size() || pid != long(::getpid())) return {};
    return fds_text;
}

[[noreturn]] void fail_inherited(const std::string& what, int err = 0) {
    throw std::runtime_error("cannot listen on the socket passed by systemd (LISTEN_FDS): " + what +
                             (err ? std::string(": ") + std::strerror(err) : ""));
}

// Descriptor 3 made ours (non-blocking, close-on-exec, as the sockets we
// bind), or -1 when we were not started with a socket. Takes the variables
// out of the environment either way, once they were meant for us.
int take_inherited_socket() {
    const std::string fds(activation_fds());
    if (fds.empty()) return -1;
    ::unsetenv("LISTEN_PID");
    ::unsetenv("LISTEN_FDS");
    ::unsetenv("LISTEN_FDNAMES");
    if (fds == "0") return -1;  // nothing passed: bind as usual
    if (fds != "1")
        fail_inherited("LISTEN_FDS=" + fds + ", but wirechat listens on exactly one socket (one ListenStream=)");

    const int fd = first_inherited_fd;
    int type = 0, listening = 0;
    socklen_t size = sizeof type;
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size) != 0)
        fail_inherited("descriptor 3", errno);
    size = sizeof listening;
    if (type != SOCK_STREAM || ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) != 0 || !listening)
        fail_inherited("descriptor 3 is not a listening stream socket");
    sockaddr_storage address{};
    size = sizeof address;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0)
        fail_inherited("getsockname", errno);
    if (address.ss_family != AF_INET && address.ss_family != AF_INET6)
        fail_inherited("descriptor 3 is not a TCP socket (ListenStream= must be a port or an address and port)");
    const int status = ::fcntl(fd, F_GETFL);
    if (status < 0 || ::fcntl(fd, F_SETFL, status | O_NONBLOCK) != 0) fail_inherited("O_NONBLOCK", errno);
    if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) fail_inherited("FD_CLOEXEC", errno);
    return fd;
}

// What every connection accepted from `listening` starts with: Linux
// copies a listening socket's options into each connection as its TCP
// handshake completes (so, on a socket we bind, they are set before
// listen()). TCP_NODELAY: output is already batched into one write per
// tick, and Nagle's algorithm would only delay the last segment of every
// response. Set here, it costs one system call per listener instead of
// one per connection.
void set_connection_options(int listening) {
    int one = 1;
    setsockopt(listening, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Deferred accept (TCP_DEFER_ACCEPT, as nginx's "deferred" and Apache's
// AcceptFilter): the kernel queues a connection for accept() only once its
// first bytes have come, or once it has been silent for a second (then it
// is accepted all the same, and the idle timeout deals with it). Every
// protocol on our port speaks first (an HTTP request, a TLS ClientHello),
// so a handshake costs one wake-up instead of two: accept() and the read of
// the request happen together, and the client's bare ACK that completes
// the TCP handshake is dropped instead of queued. About a third less server
// CPU per WebSocket handshake (bench/README.md, "Handshakes: deferred
// accept"). A socket passed by systemd keeps what its unit says
// (DeferAcceptSec=).
void defer_accept(int listening) {
    int seconds = 1;
    setsockopt(listening, IPPROTO_TCP, TCP_DEFER_ACCEPT, &seconds, sizeof seconds);
}

// A new socket bound to host:port and listening: the first address that works.
int bind_and_listen(const std::string& host, std::uint16_t port, bool share_port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    std::string service = std::to_string(port);
    if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0)
        fail_listen(host, port, gai_strerror(rc), 0);

    int listening = -1;
    int err = 0;
    for (addrinfo* a = found; a && listening < 0; a = a->ai_next) {
        int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (share_port) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
        set_connection_options(fd);
        defer_accept(fd);
        if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) {
            listening = fd;
        } else {
            err = errno;
            ::close(fd);
        }
    }
    freeaddrinfo(found);
    if (listening < 0) fail_listen(host, port, "bind", err);
    return listening;
}

}  // namespace

bool socket_activation_requested() {
    const std::string_view fds = activation_fds();
    return !fds.empty() && fds != "0";
}

Listener::Listener(EventLoop& loop, const std::string& host, std::uint16_t port,
                   bool share_port, AcceptFn on_accept)
    : loop_(loop), on_accept_(std::move(on_accept)) {
    fd_ = take_inherited_socket();
    // Connections systemd queued before we started keep what its unit gave
    // them (NoDelay=); the ones to come get ours.
    if (fd_ >= 0) set_connection_options(fd_);
    else fd_ = bind_and_listen(host, port, share_port);

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
        sockaddr_storage peer;
        socklen_t peer_size = sizeof peer;
        int fd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&peer), &peer_size, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            on_accept_(fd, peer);
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
        if (loop_.now_ms() - last_logged_ms_ >= log_interval_ms) {
            last_logged_ms_ = loop_.now_ms();
            ops::log(ops::Level::warn, "accept_error", {{"port", unsigned(port_)}, {"error", std::strerror(errno)}});
        }
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
    if (fd >= 0) {
        ::close(fd);
        ++shed_;
        // Under a flood, one line a second says how many.
        if (loop_.now_ms() - last_logged_ms_ >= log_interval_ms) {
            last_logged_ms_ = loop_.now_ms();
            ops::log(ops::Level::warn, "connections_shed",
                     {{"port", unsigned(port_)}, {"count", shed_ - shed_logged_}, {"why", "out of descriptors"}});
            shed_logged_ = shed_;
        }
    }
    reserve_fd_ = open_reserve_fd();
    return fd >= 0;
}

}  // namespace wirechat::net
