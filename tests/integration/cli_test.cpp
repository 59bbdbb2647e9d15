// wirechat-cli against the real server: echo, binary, the chat protocol, the
// trace of both programs, and the ways a session can end.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness.h"
#include "ws/handshake.h"

namespace {

using Clock = std::chrono::steady_clock;

// A program with pipes on its stdin, stdout and stderr.
class Child {
public:
    explicit Child(std::vector<std::string> args) {
        int in[2], to_out[2], to_err[2];
        if (pipe2(in, O_CLOEXEC) || pipe2(to_out, O_CLOEXEC) || pipe2(to_err, O_CLOEXEC))
            throw std::runtime_error("pipe");
        pid_ = fork();
        if (pid_ == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            dup2(in[0], STDIN_FILENO);
            dup2(to_out[1], STDOUT_FILENO);
            dup2(to_err[1], STDERR_FILENO);
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            execv(argv[0], argv.data());
            _exit(127);
        }
        close(in[0]);
        close(to_out[1]);
        close(to_err[1]);
        stdin_ = in[1];
        stdout_ = to_out[0];
        stderr_ = to_err[0];
    }
    ~Child() {
        close_stdin();
        if (pid_ > 0 && !reaped_) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        close(stdout_);
        close(stderr_);
    }

    void write_stdin(std::string_view text) {
        if (write(stdin_, text.data(), text.size()) != ssize_t(text.size())) throw std::runtime_error("write");
    }
    void close_stdin() {
        if (stdin_ >= 0) close(stdin_);
        stdin_ = -1;
    }
    void signal(int sig) { kill(pid_, sig); }

    // Reads until stdout contains `wanted` (true) or the time is up (false).
    bool wait_for_stdout(std::string_view wanted, int timeout_ms = 5000) {
        const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
        while (out.find(wanted) == std::string::npos) {
            if (!pump(deadline)) return false;
        }
        return true;
    }

    // Reads both pipes to their end and returns the exit status (-1 if the
    // program had to be killed).
    int finish(int timeout_ms = 10000) {
        const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
        while (!(out_done_ && err_done_)) {
            if (!pump(deadline)) {
                kill(pid_, SIGKILL);
                break;
            }
        }
        int status = 0;
        waitpid(pid_, &status, 0);
        reaped_ = true;
        return WIFEXITED(status) && !timed_out_ ? WEXITSTATUS(status) : -1;
    }

    std::string out, err;

private:
    bool pump(Clock::time_point deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0 || (out_done_ && err_done_)) {
            timed_out_ = left <= 0;
            return false;
        }
        pollfd fds[2] = {{out_done_ ? -1 : stdout_, POLLIN, 0}, {err_done_ ? -1 : stderr_, POLLIN, 0}};
        if (poll(fds, 2, int(left)) <= 0) return true;
        char buffer[4096];
        if (fds[0].revents) {
            ssize_t n = read(stdout_, buffer, sizeof buffer);
            if (n > 0) out.append(buffer, std::size_t(n));
            else out_done_ = true;
        }
        if (fds[1].revents) {
            ssize_t n = read(stderr_, buffer, sizeof buffer);
            if (n > 0) err.append(buffer, std::size_t(n));
            else err_done_ = true;
        }
        return true;
    }

    pid_t pid_ = -1;
    int stdin_ = -1, stdout_ = -1, stderr_ = -1;
    bool out_done_ = false, err_done_ = false, reaped_ = false, timed_out_ = false;
};

std::string url(std::uint16_t port, std::string_view path) {
    return "ws://127.0.0.1:" + std::to_string(port) + std::string(path);
}

// Runs wirechat-cli with `input` on stdin; returns the finished child.
struct Result {
    int status;
    std::string out, err;
};
Result run_cli(std::vector<std::string> args, std::string_view input) {
    args.insert(args.begin(), WIRECHAT_CLI_BINARY);
    Child cli(std::move(args));
    cli.write_stdin(input);
    cli.close_stdin();
    const int status = cli.finish();
    return {status, cli.out, cli.err};
}

// The value of "Name: value" in a trace line "#1 -> Name: value".
std::string field_in_trace(const std::string& trace, std::string_view name) {
    const std::size_t at = trace.find(std::string(name) + ": ");
    if (at == std::string::npos) return {};
    const std::size_t start = at + name.size() + 2;
    return trace.substr(start, trace.find('\n', start) - start);
}

}  // namespace

TEST_CASE("wirechat-cli echoes lines through /echo and closes cleanly at the end of stdin") {
    harness::ServerProcess server;
    Result r = run_cli({url(server.port(), "/echo")}, "hello\nsecond line\nno newline at the end");
    CHECK(r.status == 0);
    CHECK(r.out == "hello\nsecond line\nno newline at the end\n");
    CHECK(r.err.find("closed: 1000 (normal closure)") != std::string::npos);
}

TEST_CASE("wirechat-cli --binary sends binary messages and shows binary answers in hex") {
    harness::ServerProcess server;
    Result r = run_cli({"--binary", url(server.port(), "/echo")}, "abc\n");
    CHECK(r.status == 0);
    CHECK(r.out == "binary (3 bytes): 61 62 63\n");
}

TEST_CASE("wirechat-cli --trace shows the handshake and each frame in the documented format") {
    harness::ServerProcess server;
    Result r = run_cli({"--trace", "--ping", "--close", "4000", url(server.port(), "/echo")}, "hello\n");
    CHECK(r.status == 0);
    CHECK(r.out == "hello\n");
    const std::string key = field_in_trace(r.err, "Sec-WebSocket-Key");
    REQUIRE(key.size() == 24);
    const std::string accept = wirechat::ws::compute_accept(key);
    CHECK(field_in_trace(r.err, "Sec-WebSocket-Accept") == accept);
    CHECK(r.err.find("#1 accept = base64(SHA-1(\"" + key + "\" + \"258EAFA5-E914-47DA-95CA-C5AB0DC85B11\")) = base64(") !=
          std::string::npos);
    CHECK(r.err.find(") = " + accept + "\n") != std::string::npos);
    // Client frames are masked with a random key, the server's are not.
    // (The ping's pong and the echo may come in either order.)
    const std::string masked_key = "MASK=1 key=[0-9a-f]{8} ";
    CHECK(std::regex_search(r.err, std::regex("\n#1 -> ping   FIN=1 RSV=000 " + masked_key +
                                              "len=12 \\(7-bit\\) \"wirechat-cli\"\n")));
    CHECK(r.err.find("\n#1 <- pong   FIN=1 RSV=000 MASK=0 len=12 (7-bit) \"wirechat-cli\"\n") != std::string::npos);
    CHECK(std::regex_search(r.err, std::regex("\n#1 -> text   FIN=1 RSV=000 " + masked_key +
                                              "len=5 \\(7-bit\\) \"hello\"\n")));
    CHECK(r.err.find("\n#1 <- text   FIN=1 RSV=000 MASK=0 len=5 (7-bit) \"hello\"\n") != std::string::npos);
    CHECK(r.err.find("len=2 (7-bit) code=4000 (private use) reason=\"\"\n"
                     "#1 <- close  FIN=1 RSV=000 MASK=0 len=2 (7-bit) code=4000 (private use) reason=\"\"\n") !=
          std::string::npos);
    CHECK(r.err.find("pong after ") != std::string::npos);
}

TEST_CASE("wirechat --trace shows the same conversation from the server's side") {
    Child server({WIRECHAT_BINARY, "--host", "127.0.0.1", "--port", "0", "--web", harness::web_dir(), "--trace"});
    REQUIRE(server.wait_for_stdout("\n"));
    const std::uint16_t port = std::uint16_t(std::stoi(server.out.substr(server.out.rfind(':') + 1)));
    Result r = run_cli({url(port, "/echo")}, "hello\n");
    CHECK(r.status == 0);
    server.signal(SIGTERM);
    CHECK(server.finish() == 0);
    const std::string& trace = server.err;
    CHECK(trace.find("#1 connected from 127.0.0.1:") != std::string::npos);
    CHECK(trace.find("#1 <- GET /echo HTTP/1.1\n#1 <- Host: 127.0.0.1:" + std::to_string(port) + "\n") !=
          std::string::npos);
    const std::string key = field_in_trace(trace, "Sec-WebSocket-Key");
    REQUIRE(key.size() == 24);
    CHECK(trace.find(") = " + wirechat::ws::compute_accept(key) + "\n#1 -> HTTP/1.1 101 Switching Protocols\n") !=
          std::string::npos);
    CHECK(trace.find("#1 <- text   FIN=1 RSV=000 MASK=1 key=") != std::string::npos);
    CHECK(trace.find(" len=5 (7-bit) \"hello\"\n#1 -> text   FIN=1 RSV=000 MASK=0 len=5 (7-bit) \"hello\"\n") !=
          std::string::npos);
    CHECK(trace.find("#1 -> close  FIN=1 RSV=000 MASK=0 len=2 (7-bit) code=1000 (normal closure) reason=\"\"\n"
                     "#1 closing handshake complete: 1000 (normal closure) \"\"\n") != std::string::npos);
    CHECK(trace.find("#1 closed\n") != std::string::npos);
}

TEST_CASE("wirechat-cli --json speaks the chat: nicknames, messages to others, commands") {
    harness::ServerProcess server;
    Child alice({WIRECHAT_CLI_BINARY, "--json", "--nick", "alice", url(server.port(), "/")});
    REQUIRE(alice.wait_for_stdout("* you are now alice\n"));

    Result bob = run_cli({"--json", "--nick", "bob", url(server.port(), "/")}, "hello from bob\n/join dev\n/rooms\n");
    CHECK(bob.status == 0);
    CHECK(bob.err.find("(subprotocol wirechat.v1)") != std::string::npos);
    CHECK(bob.out.find("* you are now bob\n[lobby] bob: hello from bob\n* joined dev with bob\n* rooms: dev (1), lobby (1)\n") !=
          std::string::npos);
    CHECK(alice.wait_for_stdout("[lobby] bob: hello from bob\n"));

    alice.write_stdin("bye\n");
    alice.close_stdin();
    CHECK(alice.finish() == 0);
    CHECK(alice.out.find("[lobby] alice: bye\n") != std::string::npos);
}

TEST_CASE("wirechat-cli reports a refused upgrade and a close it did not ask for") {
    harness::ServerProcess server;
    Result refused = run_cli({url(server.port(), "/nowhere")}, "");
    CHECK(refused.status == 1);
    CHECK(refused.err.find("the server refused the upgrade: 404 Not Found") != std::string::npos);

    // The chat speaks text: a binary message is answered with 1003.
    Result closed = run_cli({"--binary", url(server.port(), "/")}, "binary\n");
    CHECK(closed.status == 1);
    CHECK(closed.err.find("closed: 1003 (unsupported data) \"the chat speaks JSON text frames\"") != std::string::npos);

    Result usage = run_cli({"--close", "1005", url(server.port(), "/echo")}, "");
    CHECK(usage.status == 2);
    CHECK(usage.err.find("--close") != std::string::npos);
}

TEST_CASE("wirechat-cli token mints what a server with the same secret accepts") {
    char name[] = "/tmp/wirechat-secret.XXXXXX";
    const int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    const std::string secret = "a secret of at least thirty-two bytes, for the test\n";
    REQUIRE(write(fd, secret.data(), secret.size()) == ssize_t(secret.size()));
    close(fd);
    Result minted = run_cli({"token", "--sub", "alice", "--ttl", "15m", "--rooms", "dev,ops", "--secret-file", name}, "");
    REQUIRE(minted.status == 0);
    const std::string token = minted.out.substr(0, minted.out.find('\n'));
    CHECK(std::regex_match(token, std::regex("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}")));

    harness::ServerProcess server({"--auth-secret-file", name});
    Result alice = run_cli({"--json", url(server.port(), "/?token=" + token)}, "/join lobby\nhello\n");
    CHECK(alice.status == 0);
    CHECK(alice.out.find("* you are alice in dev") != std::string::npos);
    CHECK(alice.out.find("! forbidden: your token does not let you into that room") != std::string::npos);
    CHECK(alice.out.find("[dev] alice: hello") != std::string::npos);
    // Without the token, or with a wrong one: 401 before the upgrade.
    Result stranger = run_cli({"--json", url(server.port(), "/?token=" + token + "x")}, "");
    CHECK(stranger.status == 1);
    CHECK(stranger.err.find("401") != std::string::npos);

    // Usage errors say so (2); a secret that cannot be used is 1.
    CHECK(run_cli({"token", "--sub", "alice", "--secret-file", name}, "").status == 2);         // no --ttl
    CHECK(run_cli({"token", "--sub", "alice", "--ttl", "1y", "--secret-file", name}, "").status == 2);
    CHECK(run_cli({"token", "--sub", "alice", "--ttl", "0", "--secret-file", name}, "").status == 2);
    CHECK(run_cli({"token", "--sub", "alice", "--ttl", "1h", "--secret-file", "/nonexistent"}, "").status == 1);
    CHECK(run_cli({"token", "--help"}, "").out.find("--secret-file FILE") != std::string::npos);
    unlink(name);
}
