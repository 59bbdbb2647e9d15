// The real server over raw sockets: what any HTTP/1.1 client sees.
#include <catch2/catch.hpp>

#include <linux/io_uring.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "harness.h"

using harness::ServerProcess;
using harness::Socket;
using harness::read_response;

namespace {

std::string file_contents(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Sends `request` on a fresh connection and returns the one response, after
// checking that the server then closes the connection.
harness::Response answer_then_close(std::uint16_t port, const std::string& request) {
    Socket s(port);
    s.send(request);
    auto r = read_response(s);
    REQUIRE(r);
    CHECK(s.receive_until_close().has_value());
    return *r;
}

// Whether this process may set up an io_uring (a kernel too old, a seccomp
// filter or kernel.io_uring_disabled say no).
bool io_uring_allowed() {
    io_uring_params params{};
    int fd = int(syscall(__NR_io_uring_setup, 1, &params));
    if (fd < 0) return false;
    close(fd);
    return true;
}

// The io_urings the process holds (they show as anonymous inodes), and
// the receives armed in them: the kernel lists each in the ring's fdinfo,
// as a PollList entry with the RECV opcode (-1: no list shown, which the
// kernel may do while the ring is busy).
struct Rings {
    int count = 0;
    int receives = -1;
};
Rings rings_of(pid_t pid) {
    Rings rings;
    const std::string proc = "/proc/" + std::to_string(pid);
    for (const auto& entry : std::filesystem::directory_iterator(proc + "/fd")) {
        std::error_code error;
        if (std::filesystem::read_symlink(entry.path(), error).string() != "anon_inode:[io_uring]") continue;
        ++rings.count;
        std::ifstream info(proc + "/fdinfo/" + entry.path().filename().string());
        const std::string recv = "op=" + std::to_string(IORING_OP_RECV) + ",";
        for (std::string line; std::getline(info, line);) {
            if (line == "PollList:") rings.receives = 0;
            else if (rings.receives >= 0 && line.find(recv) != std::string::npos) ++rings.receives;
        }
    }
    return rings;
}

// The receives armed in the server's ring, asked until they are `expected`
// (or for five seconds): the fdinfo is a snapshot of a moving server.
int armed_receives(pid_t pid, int expected) {
    int armed = -1;
    for (int i = 0; i < 500 && armed != expected; ++i) {
        if (i > 0) usleep(10'000);
        armed = rings_of(pid).receives;
    }
    return armed;
}

// Receives stay armed, and finish only when the server asks: Linux 6.1
// (multishot receives, DEFER_TASKRUN).
bool kernel_keeps_receives() {
    utsname name{};
    uname(&name);
    int major = 0, minor = 0;
    std::sscanf(name.release, "%d.%d", &major, &minor);
    return major > 6 || (major == 6 && minor >= 1);
}

}  // namespace

TEST_CASE("the server receives and writes through an io_uring where allowed, as its flags say") {
    // Set by the runs of this binary with --no-io-uring or
    // --io-uring-writes-only; ServerProcess passes it on.
    const std::string forced = std::getenv("WIRECHAT_SERVER_ARG") ? std::getenv("WIRECHAT_SERVER_ARG") : "";
    const bool ring = io_uring_allowed() && forced != "--no-io-uring";
    const bool receives = ring && forced != "--io-uring-writes-only" && kernel_keeps_receives();
    ServerProcess server;
    CHECK(rings_of(server.pid()).count == (ring ? 1 : 0));
    {
        // Three keep-alive connections, served: one receive armed for each.
        std::vector<std::unique_ptr<Socket>> clients;
        for (int i = 0; i < 3; ++i) {
            clients.push_back(std::make_unique<Socket>(server.port()));
            clients.back()->send("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n");
            auto r = read_response(*clients.back());
            REQUIRE(r);
            CHECK(r->status == 404);
        }
        if (ring) CHECK(armed_receives(server.pid(), receives ? 3 : 0) == (receives ? 3 : 0));
    }
    // Closed by the clients: the server closes too, and the receives end.
    if (ring) CHECK(armed_receives(server.pid(), 0) == 0);

    ServerProcess plain({"--no-io-uring"});
    CHECK(rings_of(plain.pid()).count == 0);
    // Either way it serves.
    Socket s(plain.port());
    s.send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
    auto r = read_response(s);
    REQUIRE(r);
    CHECK(r->status == 200);
}

TEST_CASE("GET / serves index.html with the standard fields") {
    ServerProcess server;
    Socket s(server.port());
    s.send(harness::get("/"));
    auto r = read_response(s);
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == file_contents(harness::web_dir() + "/index.html"));
    CHECK(*r->find("Content-Type") == "text/html; charset=utf-8");
    CHECK(r->find("Date"));
    CHECK(*r->find("Server") == "wirechat");
    CHECK(r->find("ETag"));
    CHECK(r->find("Last-Modified"));
    CHECK(r->find("Cache-Control"));

    SECTION("the ETag revalidates to 304 on the same connection") {
        s.send(harness::get("/", "If-None-Match: " + *r->find("ETag") + "\r\n"));
        auto again = read_response(s);
        REQUIRE(again);
        CHECK(again->status == 304);
        CHECK(again->body.empty());
    }
    SECTION("HEAD gets the same fields and no body") {
        s.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
        auto head = read_response(s, true);
        REQUIRE(head);
        CHECK(head->status == 200);
        CHECK(*head->find("Content-Length") == *r->find("Content-Length"));
        s.send(harness::get("/missing"));  // the next response starts right after the head
        auto next = read_response(s);
        REQUIRE(next);
        CHECK(next->status == 404);
    }
}

TEST_CASE("keep-alive and pipelined requests are answered in order") {
    ServerProcess server;
    Socket s(server.port());
    s.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
           "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
           "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
           "3;ext=1\r\ntwo\r\n5\r\n-more\r\n0\r\nTrailer: t\r\n\r\n"
           "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    auto a = read_response(s), b = read_response(s), c = read_response(s), d = read_response(s);
    REQUIRE((a && b && c && d));
    CHECK(a->body == "one");
    CHECK(b->status == 404);
    CHECK(c->body == "two-more");
    CHECK(d->status == 200);
    // And the connection is still usable.
    s.send("PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n!");
    auto e = read_response(s);
    REQUIRE(e);
    CHECK(e->body == "!");
}

TEST_CASE("pipelined requests sent with the client's FIN are all answered, then the connection closes") {
    // The file response of the first makes the server hold the others back
    // (input paused) while it is sent; the FIN behind them must wait too.
    ServerProcess server;
    for (int round = 0; round < 20; ++round) {
        Socket s(server.port());
        s.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"
               "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
               "GET /favicon.svg HTTP/1.1\r\nHost: x\r\n\r\n");
        s.shutdown_write();
        auto a = read_response(s), b = read_response(s), c = read_response(s);
        INFO("round " << round);
        REQUIRE((a && b && c));
        CHECK(a->status == 200);
        CHECK(b->status == 404);
        CHECK(c->status == 200);
        CHECK(s.receive_until_close().has_value());
    }
}

TEST_CASE("requests split at every byte are answered") {
    ServerProcess server;
    const std::string request = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
    Socket s(server.port());
    for (char c : request) s.send(std::string_view(&c, 1));
    auto r = read_response(s);
    REQUIRE(r);
    CHECK(r->body == "hello");
}

TEST_CASE("connection persistence follows the version and Connection field") {
    ServerProcess server;
    SECTION("HTTP/1.0 closes by default") {
        auto r = answer_then_close(server.port(), "GET / HTTP/1.0\r\n\r\n");
        CHECK(r.status == 200);
    }
    SECTION("HTTP/1.0 with keep-alive stays open") {
        Socket s(server.port());
        s.send("GET /missing HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        auto r = read_response(s);
        REQUIRE(r);
        CHECK(*r->find("Connection") == "keep-alive");
        s.send("GET /missing HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        CHECK(read_response(s));
    }
    SECTION("Connection: close is honoured") {
        auto r = answer_then_close(server.port(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        CHECK(r.status == 200);
        CHECK(*r.find("Connection") == "close");
    }
    SECTION("a half-closed client still gets its answer") {
        Socket s(server.port());
        s.send(harness::get("/"));
        s.shutdown_write();
        auto r = read_response(s);
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(s.receive_until_close().has_value());
    }
}

TEST_CASE("bad requests get the right status and a closed connection") {
    ServerProcess server;
    struct Case {
        const char* what;
        std::string request;
        int status;
    };
    const std::vector<Case> cases = {
        {"garbage", "HELLO\r\n\r\n", 400},
        {"no Host", "GET / HTTP/1.1\r\n\r\n", 400},
        {"request line over 8 KiB", "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
        {"header section over 16 KiB", "GET / HTTP/1.1\r\nHost: x\r\nBig: " + std::string(17000, 'b') + "\r\n\r\n", 431},
        {"body over 1 MiB", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", 413},
        {"Content-Length and Transfer-Encoding",
         "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
        {"differing Content-Lengths", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
        {"HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
        {"obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n c\r\n\r\n", 400},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        auto r = answer_then_close(server.port(), c.request);
        CHECK(r.status == c.status);
        CHECK(*r.find("Connection") == "close");
    }
    std::string many_fields = "GET / HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 101; ++i) many_fields += "F" + std::to_string(i) + ": v\r\n";
    CHECK(answer_then_close(server.port(), many_fields + "\r\n").status == 431);
}

TEST_CASE("methods other than GET and HEAD get 405 with Allow") {
    ServerProcess server;
    Socket s(server.port());
    s.send("DELETE /index.html HTTP/1.1\r\nHost: x\r\n\r\n");
    auto r = read_response(s);
    REQUIRE(r);
    CHECK(r->status == 405);
    CHECK(*r->find("Allow") == "GET, HEAD");
}

TEST_CASE("the web root cannot be escaped") {
    ServerProcess server;
    for (const char* path : {"/../CMakeLists.txt", "/%2e%2e/CMakeLists.txt", "/..%2fCMakeLists.txt",
                             "/%2E%2E/%2E%2E/etc/passwd", "/web/../../etc/passwd"}) {
        INFO(path);
        Socket s(server.port());
        s.send(harness::get(path));
        auto r = read_response(s);
        REQUIRE(r);
        CHECK(r->status != 200);
        CHECK(r->body.find("cmake_minimum_required") == std::string::npos);
    }
}

TEST_CASE("Expect: 100-continue gets an interim response first") {
    ServerProcess server;
    Socket s(server.port());
    s.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    auto interim = read_response(s);
    REQUIRE(interim);
    CHECK(interim->status == 100);
    s.send("body");
    auto r = read_response(s);
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == "body");
}

TEST_CASE("a slow request head gets 408, an idle connection is closed") {
    ServerProcess server({"--header-timeout", "300", "--idle-timeout", "300"});
    Socket slow(server.port());
    slow.send("GET / HTTP/1.1\r\nHost: x\r\n");  // and never the blank line
    auto r = read_response(slow);
    REQUIRE(r);
    CHECK(r->status == 408);
    CHECK(slow.receive_until_close().has_value());

    // (Silent, it is accepted a second after it connects: deferred accept.)
    Socket idle(server.port());
    CHECK(idle.receive_until_close(3000).value_or("x").empty());
}

TEST_CASE("SIGTERM lets a request in flight finish, then exits") {
    ServerProcess server;
    Socket busy(server.port());
    busy.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello");
    Socket idle(server.port());
    idle.send(harness::get("/missing"));
    REQUIRE(read_response(idle));
    harness::WsClient ws(server.port(), "/echo");

    kill(server.pid(), SIGTERM);
    CHECK(idle.receive_until_close().has_value());
    REQUIRE(ws.wait_closed());
    CHECK(ws.close_code == 1001);
    busy.send("world");
    auto r = read_response(busy);
    REQUIRE(r);
    CHECK(r->body == "helloworld");
    CHECK(*r->find("Connection") == "close");
    CHECK(server.terminate() == 0);
    CHECK_THROWS(Socket(server.port()));  // no longer listening
}

TEST_CASE("command-line errors are one line on stderr and a non-zero exit") {
    ServerProcess server;
    auto in_use = harness::run_to_exit({"--host", "127.0.0.1", "--port", std::to_string(server.port()), "--web", harness::web_dir()});
    CHECK(in_use.status != 0);
    CHECK(in_use.output.find("Address already in use") != std::string::npos);
    CHECK(std::count(in_use.output.begin(), in_use.output.end(), '\n') == 1);
    auto unknown = harness::run_to_exit({"--frobnicate"});
    CHECK(unknown.status != 0);
    CHECK(unknown.output == "wirechat: unknown option --frobnicate (see --help)\n");
    auto no_web = harness::run_to_exit({"--web", "/nonexistent"});
    CHECK(no_web.status != 0);
    CHECK(no_web.output.find("/nonexistent") != std::string::npos);
    CHECK(std::count(no_web.output.begin(), no_web.output.end(), '\n') == 1);
    auto help = harness::run_to_exit({"--help"});
    CHECK(help.status == 0);
}
