// What the integration tests share: the real server binary started on an
// ephemeral port, a blocking loopback socket with timeouts, an HTTP response
// reader, and a WebSocket client built on our own client-role endpoint.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "ws/endpoint.h"

namespace harness {

// How a ServerProcess is started, besides its arguments.
struct Launch {
    // --port: 0 lets the server pick a free one; a given one lets several
    // servers share it (with --reuse-port: a rolling restart on one port).
    std::uint16_t port = 0;
    // > 0: the server runs under that RLIMIT_NOFILE.
    int max_open_files = 0;
    // >= 0: a listening socket handed to the server as descriptor 3, with
    // LISTEN_FDS=1 and LISTEN_PID=its pid in its environment, as systemd's
    // socket activation starts a service. The caller keeps its own copy.
    int listen_fd = -1;
    // Not empty: the server's stderr (its log) goes to this file.
    std::string stderr_path = {};
    // An admin listener (--admin 127.0.0.1:0) on a port the server picks,
    // learnt from its log: admin_port(). Its log then goes to a file (the
    // one above, or a temporary one).
    bool admin = false;
    // false: no per-address limit (--max-connections-per-ip 0
    // --handshake-rate 0), as tests open many connections from 127.0.0.1
    // at once; flags given to the server still override. true: the
    // server's defaults (access_test).
    bool default_limits = false;
};

// `build/wirechat --host 127.0.0.1 --port 0 ...`, stopped (SIGTERM, then
// SIGKILL) when it goes out of scope.
class ServerProcess {
public:
    // max_open_files > 0: the server runs under that RLIMIT_NOFILE.
    explicit ServerProcess(std::vector<std::string> extra_args = {}, int max_open_files = 0);
    // The same, started as `launch` says.
    explicit ServerProcess(const Launch& launch, std::vector<std::string> extra_args = {});
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    std::uint16_t port() const { return port_; }
    // Started with Launch::admin: its admin listener's port.
    std::uint16_t admin_port() const { return admin_port_; }
    pid_t pid() const { return pid_; }
    // Resident memory in KiB (VmRSS), and CPU time used (user + system, in
    // clock ticks), from /proc.
    long rss_kib() const;
    long cpu_ticks() const;
    // SIGTERM and wait; returns the exit status (or -1 on a timeout).
    int terminate(int timeout_ms = 5000);
    // SIGKILL and wait: the server dies without a goodbye.
    void kill_hard();
    // SIGTERM without waiting, so that the test can go on serving its
    // clients (answering the server's closes) while the server shuts down;
    // then poll_exit() until it has exited.
    void ask_to_stop();
    // Its exit status (as terminate() returns it) once it has exited, after
    // which pid() is -1; nullopt while it runs. Never waits.
    std::optional<int> poll_exit();
    // With --redis the server listens before it has reached Redis, and
    // refuses chat upgrades with 503 until then: wait (at most timeout_ms)
    // until it would take one. True once it would.
    bool wait_until_chat_ready(int timeout_ms = 10000) const;

private:
    std::uint16_t admin_port_from(const std::string& log);

    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
    std::uint16_t admin_port_ = 0;
    std::string temporary_log_;  // removed with the process
};

// The web directory of the repository, and a run of the binary with given
// arguments that is expected to exit (for command-line errors).
std::string web_dir();
struct Exit {
    int status;
    std::string output;  // what it wrote (run_to_exit: on stderr)
};
Exit run_to_exit(std::vector<std::string> args);
// A loopback TCP port that nothing listens on right now.
std::uint16_t free_port();

// Hand-made WebSocket bytes, for tests that break the rules on purpose.
// An upgrade request: `fields` are the header lines, each ending in CRLF.
std::string upgrade_request(std::string_view path, std::string_view fields);
// The header lines of a good upgrade (no Origin).
extern const std::string good_upgrade_fields;
// A client frame with this first byte (FIN, RSV, opcode), masked unless told.
std::string client_frame(std::uint8_t first_byte, std::string_view payload, bool masked = true);

// A real redis-server of our own (Debian's package, never its service), on
// a free loopback port, with a temporary directory that goes with it. The
// data is kept in an append-only file synced on every write, so that
// restart() comes back with everything, as a Redis configured to keep its
// data does.
class RedisServer {
public:
    RedisServer();
    ~RedisServer();
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    std::uint16_t port() const { return port_; }
    // redis://127.0.0.1:PORT, for --redis.
    std::string url() const;
    bool running() const { return pid_ > 0; }
    void stop();       // SIGTERM and wait
    void kill_hard();  // SIGKILL and wait
    void start();      // again, on the same port and directory
    // SIGSTOP / SIGCONT: Redis stops reading and answering (a stall, a
    // partition without resets), with its connections left open.
    void pause();
    void resume();
    // redis-cli -p PORT <args>: what it printed.
    std::string cli(std::vector<std::string> args) const;

private:
    std::string dir_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
};

class Socket {
public:
    explicit Socket(std::uint16_t port);  // connects to 127.0.0.1:port
    // The same from another loopback address (e.g. "127.0.0.2"): a second
    // client address, for per-address limits.
    Socket(std::uint16_t port, const char* from_address);
    ~Socket();
    Socket(Socket&& other) noexcept;
    Socket(const Socket&) = delete;

    void send(std::string_view bytes);
    void shutdown_write();
    // Whatever arrives within the timeout (buffered first); "" on EOF/timeout.
    std::string receive_some(int timeout_ms = 2000);
    // Exactly n bytes, or std::nullopt on EOF/timeout.
    std::optional<std::string> receive_exactly(std::size_t n, int timeout_ms = 2000);
    // Everything until the peer closes; nullopt if it does not close in time.
    std::optional<std::string> receive_until_close(int timeout_ms = 3000);
    // Put bytes back in front of the buffer (a reader took too much).
    void unread(std::string bytes);
    int fd() const { return fd_; }
    // The peer closed (or reset) the connection: nothing more will come
    // beyond what is buffered.
    bool at_eof() const { return eof_; }

private:
    bool fill(int timeout_ms);  // false on EOF or timeout
    int fd_ = -1;
    std::string buffer_;
    bool eof_ = false;
};

struct Response {
    int status = 0;
    std::string head;  // status line and fields, as received
    std::vector<std::pair<std::string, std::string>> fields;
    std::string body;
    const std::string* find(std::string_view name) const;  // case-insensitive
};
// Reads one response (Content-Length or chunked body; none for HEAD/1xx/204/304).
std::optional<Response> read_response(Socket& socket, bool head_request = false,
                                      int timeout_ms = 3000);
std::string get(std::string_view path, std::string_view extra_fields = {});

// A WebSocket client over a blocking socket, for tests.
class WsClient final : private wirechat::ws::EndpointHandler {
public:
    struct Message {
        wirechat::ws::Opcode op;
        std::string payload;
    };
    // `from_address`: connect from this loopback address (Socket's).
    WsClient(std::uint16_t port, std::string_view path = "/", const char* from_address = nullptr);
    std::string handshake_response;  // the 101 head
    Socket& socket() { return socket_; }
    wirechat::ws::Endpoint& endpoint() { return endpoint_; }

    void send_text(std::string_view text) { endpoint_.send_text(text); flush(); }
    // `count` copies of one text message in one write, so that they reach
    // the server together.
    void send_texts(std::string_view text, int count);
    void send(wirechat::ws::Opcode op, std::string_view payload);
    void ping(std::string_view payload);
    void close(std::uint16_t code, std::string_view reason = {});
    // The next message, or nullopt if none arrives in time or the socket closes.
    std::optional<Message> receive(int timeout_ms = 3000);
    std::optional<std::string> receive_pong(int timeout_ms = 3000);
    // Wait for the closing handshake to finish (and TCP to close).
    bool wait_closed(int timeout_ms = 3000);
    std::optional<std::uint16_t> close_code;  // as the server sent it
    std::string close_reason;

private:
    void on_message(wirechat::ws::Opcode op, std::span<const std::uint8_t> payload) override;
    void on_pong(std::span<const std::uint8_t> payload) override;
    void on_closed(std::uint16_t code, std::string_view reason, bool clean) override;
    void write(std::span<const std::uint8_t> bytes) override;
    void flush();
    bool pump(int timeout_ms);

    Socket socket_;
    wirechat::ws::Endpoint endpoint_;
    std::string outgoing_;
    std::vector<Message> inbox_;
    std::vector<std::string> pongs_;
};

// The samples of an admin listener's /metrics: "name{labels}" -> value.
// Throws unless it answers 200.
std::map<std::string, double> scrape_metrics(std::uint16_t admin_port);

// The chat: the next envelope of `type` the client receives, skipping
// others; throws (failing the test) if none comes within the time.
boost::json::object next_envelope(WsClient& client, std::string_view type, int timeout_ms = 5000);

}  // namespace harness
