// Socket activation without systemd: the test does what systemd does for a
// .socket unit (sd_listen_fds(3)): it listens itself, and starts the server
// with that socket as descriptor 3, LISTEN_FDS=1 and LISTEN_PID=the
// server's pid. The server must serve on that socket instead of binding
// one, and the socket, held by the test as systemd holds it, must outlive
// the server: a connection made while no server runs is served by the next.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "harness.h"

using harness::Launch;
using harness::ServerProcess;
using harness::Socket;
using harness::WsClient;

namespace {

// A TCP socket listening on 127.0.0.1, port picked by the kernel, the way
// systemd opens a ListenStream= (no SO_REUSEPORT: binding its port again
// would fail). Closed when the object goes.
struct ListeningSocket {
    int fd = -1;
    std::uint16_t port = 0;
    explicit ListeningSocket(bool listen_too = true) {
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof address;
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        if (listen_too) REQUIRE(::listen(fd, SOMAXCONN) == 0);
        REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0);
        port = ntohs(address.sin_port);
    }
    ~ListeningSocket() { ::close(fd); }
    ListeningSocket(const ListeningSocket&) = delete;
    ListeningSocket& operator=(const ListeningSocket&) = delete;
};

int status_of(const std::string& path) {
    std::ifstream in(path);
    std::string key, value;
    while (in >> key >> value)
        if (key == "flags:") return int(std::strtol(value.c_str(), nullptr, 8));
    return -1;
}

bool serves_page(std::uint16_t port) {
    Socket client(port);
    client.send(harness::get("/"));
    const auto response = harness::read_response(client);
    return response && response->status == 200;
}

// The server run to its exit as systemd would start it, but with
// LISTEN_FDS=`fds` and every descriptor from 3 to 2 + `fds` a copy of `fd`:
// its status and what it wrote on stderr. Bounded: 5 s.
harness::Exit run_activated(int fd, int fds) {
    int err[2];
    REQUIRE(pipe2(err, O_CLOEXEC) == 0);
    const pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(err[1], STDERR_FILENO);
        for (int i = 0; i < fds; ++i) dup2(fd, 3 + i);
        setenv("LISTEN_FDS", std::to_string(fds).c_str(), 1);
        setenv("LISTEN_PID", std::to_string(getpid()).c_str(), 1);
        const std::string web = harness::web_dir();
        execl(WIRECHAT_BINARY, WIRECHAT_BINARY, "--host", "127.0.0.1", "--port", "0", "--web", web.c_str(),
              static_cast<char*>(nullptr));
        _exit(127);
    }
    ::close(err[1]);
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now()).count();
        pollfd p{err[0], POLLIN, 0};
        if (left <= 0 || ::poll(&p, 1, int(left)) <= 0) break;
        char buffer[512];
        const ssize_t n = ::read(err[0], buffer, sizeof buffer);
        if (n <= 0) break;
        text.append(buffer, std::size_t(n));
    }
    ::close(err[0]);
    ::kill(pid, SIGKILL);  // if it is still running, it did not refuse as it should
    int status = 0;
    waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

}  // namespace

TEST_CASE("started with a listening socket as descriptor 3, the server serves on it and binds nothing") {
    ListeningSocket listening;
    // --port names the socket's own port: a server that bound instead of
    // taking descriptor 3 would fail (Address already in use).
    ServerProcess server(Launch{.port = listening.port, .listen_fd = listening.fd});
    CHECK(server.port() == listening.port);
    CHECK(serves_page(listening.port));
    {
        WsClient echo(listening.port, "/echo");
        echo.send_text("through the inherited socket");
        CHECK(echo.receive()->payload == "through the inherited socket");
        echo.close(1000);
        CHECK(echo.wait_closed());
    }

    // Its descriptor 3 is our socket, made non-blocking and close-on-exec
    // like the sockets the server binds.
    const std::string proc = "/proc/" + std::to_string(server.pid());
    struct stat ours{}, theirs{};
    REQUIRE(::fstat(listening.fd, &ours) == 0);
    REQUIRE(::stat((proc + "/fd/3").c_str(), &theirs) == 0);
    CHECK(ours.st_ino == theirs.st_ino);
    const int flags = status_of(proc + "/fdinfo/3");
    CHECK((flags & O_NONBLOCK) != 0);
    CHECK((flags & O_CLOEXEC) != 0);
    CHECK(server.terminate() == 0);
}

TEST_CASE("the socket outlives the server: a connection made between two servers is served by the second") {
    ListeningSocket listening;
    {
        ServerProcess first(Launch{.port = listening.port, .listen_fd = listening.fd});
        CHECK(serves_page(listening.port));
        CHECK(first.terminate() == 0);
    }
    // No server runs; the socket still listens (we hold it, as systemd
    // does): the kernel takes the connection into the backlog.
    Socket waiting(listening.port);
    waiting.send(harness::get("/", "Connection: close\r\n"));
    CHECK(waiting.receive_some(200).empty());
    ServerProcess second(Launch{.port = listening.port, .listen_fd = listening.fd});
    const auto response = harness::read_response(waiting);
    REQUIRE(response);
    CHECK(response->status == 200);
    waiting.shutdown_write();  // the server's lingering close waits for this
    CHECK(second.terminate() == 0);
}

TEST_CASE("LISTEN_PID naming another process: the variables are not ours, the server binds its own port") {
    ListeningSocket listening;
    // Inherited by the server (ServerProcess forks and execs), naming the
    // test's process, as a parent's own variables would.
    ::setenv("LISTEN_FDS", "1", 1);
    ::setenv("LISTEN_PID", std::to_string(getpid()).c_str(), 1);
    std::unique_ptr<ServerProcess> server;
    try {
        server = std::make_unique<ServerProcess>();
    } catch (...) {
        ::unsetenv("LISTEN_FDS");
        ::unsetenv("LISTEN_PID");
        throw;
    }
    ::unsetenv("LISTEN_FDS");
    ::unsetenv("LISTEN_PID");
    CHECK(server->port() != listening.port);
    CHECK(serves_page(server->port()));
}

TEST_CASE("socket activation that cannot work is refused with a clear message") {
    ListeningSocket listening;
    const harness::Exit two = run_activated(listening.fd, 2);
    CHECK(two.status == 1);
    CHECK(two.output.find("LISTEN_FDS=2") != std::string::npos);
    CHECK(two.output.find("exactly one socket") != std::string::npos);

    ListeningSocket bound_only(false);
    const harness::Exit not_listening = run_activated(bound_only.fd, 1);
    CHECK(not_listening.status == 1);
    CHECK(not_listening.output.find("not a listening stream socket") != std::string::npos);
}
