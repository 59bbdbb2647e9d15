#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include <boost/json/parse.hpp>

#include "http/request.h"
#include "ws/handshake.h"

namespace harness {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left < 0 ? 0 : int(left);
}

std::vector<char*> argv_of(std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    return argv;
}

// Reads a line from `fd` within the deadline (the server's first line).
std::string read_line(int fd, Clock::time_point deadline) {
    std::string line;
    char c;
    while (remaining_ms(deadline) > 0) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, remaining_ms(deadline)) <= 0) break;
        if (read(fd, &c, 1) != 1) break;
        if (c == '\n') return line;
        line += c;
    }
    return line;
}

}  // namespace

std::string web_dir() { return std::string(WIRECHAT_SOURCE_DIR) + "/web"; }

// ---- the server process ----------------------------------------------------

ServerProcess::ServerProcess(std::vector<std::string> extra_args, int max_open_files)
    : ServerProcess(Launch{.max_open_files = max_open_files}, std::move(extra_args)) {}

ServerProcess::ServerProcess(const Launch& given, std::vector<std::string> extra_args) {
    Launch launch = given;
    if (launch.admin && launch.stderr_path.empty()) {
        static int count = 0;
        temporary_log_ = "/tmp/wirechat-test-" + std::to_string(getpid()) + "-" + std::to_string(++count) + ".log";
        launch.stderr_path = temporary_log_;
    }
    const int max_open_files = launch.max_open_files;
    std::vector<std::string> args = {WIRECHAT_BINARY, "--host", "127.0.0.1", "--port",
                                     std::to_string(launch.port), "--web", web_dir()};
    if (!launch.default_limits) args.insert(args.end(), {"--max-connections-per-ip", "0", "--handshake-rate", "0"});
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    if (launch.admin) args.insert(args.end(), {"--admin", "127.0.0.1:0"});
    // ctest runs every integration test again with the server's other I/O
    // paths (tests/CMakeLists.txt): WIRECHAT_SERVER_ARG=--no-io-uring, or
    // --io-uring-writes-only.
    if (const char* arg = std::getenv("WIRECHAT_SERVER_ARG"); arg && *arg) args.emplace_back(arg);
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
        // If the test process dies (a crash, a failed REQUIRE that aborts),
        // the server must not outlive it holding ctest's pipes open.
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (max_open_files > 0) {
            rlimit limit{rlim_t(max_open_files), rlim_t(max_open_files)};
            setrlimit(RLIMIT_NOFILE, &limit);
        }
        dup2(out[1], STDOUT_FILENO);
        if (!launch.stderr_path.empty()) {
            const int log = open(launch.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (log >= 0) dup2(log, STDERR_FILENO);
        }
        if (launch.listen_fd >= 0) {
            // Descriptor 3 without close-on-exec (dup2 clears it), and the
            // variables naming this process: what systemd does (sd_listen_fds(3)).
            if (launch.listen_fd == 3) fcntl(3, F_SETFD, 0);
            else dup2(launch.listen_fd, 3);
            setenv("LISTEN_FDS", "1", 1);
            setenv("LISTEN_PID", std::to_string(getpid()).c_str(), 1);
        }
        auto argv = argv_of(args);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(out[1]);
    std::string line = read_line(out[0], Clock::now() + std::chrono::seconds(10));
    close(out[0]);  // later output (if any) goes to a closed pipe: the server ignores SIGPIPE
    auto colon = line.rfind(':');
    if ((line.rfind("listening on http://", 0) != 0 && line.rfind("listening on https://", 0) != 0) ||
        colon == std::string::npos) {
        terminate();
        throw std::runtime_error("server did not start: '" + line + "'");
    }
    port_ = std::uint16_t(std::atoi(line.c_str() + colon + 1));
    if (launch.admin) admin_port_ = admin_port_from(launch.stderr_path);
}

// The "listening" log line names the admin port; it follows the stdout line
// closely.
std::uint16_t ServerProcess::admin_port_from(const std::string& log) {
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    do {
        std::ifstream file(log);
        for (std::string line; std::getline(file, line);) {
            const std::size_t at = line.find(" admin_port=");
            if (line.find(" listening ") != std::string::npos && at != std::string::npos)
                return std::uint16_t(std::atoi(line.c_str() + at + 12));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } while (remaining_ms(deadline) > 0);
    terminate();
    throw std::runtime_error("the server's log names no admin port");
}

ServerProcess::~ServerProcess() {
    if (pid_ > 0 && terminate() < 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    if (!temporary_log_.empty()) std::filesystem::remove(temporary_log_);
}

long ServerProcess::rss_kib() const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    return -1;
}

long ServerProcess::cpu_ticks() const {
    std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the whole line.
    std::istringstream rest(text.substr(text.rfind(')') + 2));
    std::string field;
    long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) utime = std::atol(field.c_str());
        if (i == 15) stime = std::atol(field.c_str());
    }
    return utime + stime;
}

int ServerProcess::terminate(int timeout_ms) {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
        if (remaining_ms(deadline) == 0) return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void ServerProcess::kill_hard() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

void ServerProcess::ask_to_stop() {
    if (pid_ > 0) kill(pid_, SIGTERM);
}

std::optional<int> ServerProcess::poll_exit() {
    if (pid_ <= 0) return std::nullopt;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Asks with an upgrade whose query is malformed: a server that can serve
// the chat answers 400 (the query is judged after the store), one that
// cannot yet answers 503. Nothing is registered either way.
bool ServerProcess::wait_until_chat_ready(int timeout_ms) const {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    do {
        Socket probe(port_);
        probe.send("GET /?%zz HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        const auto response = read_response(probe);
        if (response && response->status == 400) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (remaining_ms(deadline) > 0);
    return false;
}

namespace {

// Runs `args` (a full path first) to its exit, within 5 s: its status, and
// what it wrote on `captured` (STDOUT_FILENO or STDERR_FILENO; the other
// goes to /dev/null).
Exit run_capturing(std::vector<std::string> args, int captured) {
    int err[2];
    if (pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, captured == STDOUT_FILENO ? STDERR_FILENO : STDOUT_FILENO);
        dup2(err[1], captured);
        auto argv = argv_of(args);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(err[1]);
    std::string text;
    char buf[512];
    auto deadline = Clock::now() + std::chrono::seconds(5);
    for (;;) {
        pollfd p{err[0], POLLIN, 0};
        if (poll(&p, 1, remaining_ms(deadline)) <= 0) break;
        ssize_t n = read(err[0], buf, sizeof buf);
        if (n <= 0) break;
        text.append(buf, std::size_t(n));
    }
    close(err[0]);
    int status = 0;
    if (remaining_ms(deadline) == 0) kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

std::uint16_t free_loopback_port() {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof addr;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) != 0)
        throw std::runtime_error("no free port");
    close(fd);
    return ntohs(addr.sin_port);
}

}  // namespace

std::uint16_t free_port() { return free_loopback_port(); }

std::string upgrade_request(std::string_view path, std::string_view fields) {
    return "GET " + std::string(path) + " HTTP/1.1\r\nHost: x\r\n" + std::string(fields) + "\r\n";
}

const std::string good_upgrade_fields =
    "Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

std::string client_frame(std::uint8_t first_byte, std::string_view payload, bool masked) {
    std::string f(1, char(first_byte));
    const std::uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
    const std::uint8_t mask_bit = masked ? 0x80 : 0;
    if (payload.size() < 126) {
        f += char(mask_bit | payload.size());
    } else {
        f += char(mask_bit | 126);
        f += char(payload.size() >> 8);
        f += char(payload.size() & 0xff);
    }
    if (masked) f.append(reinterpret_cast<const char*>(key), 4);
    for (std::size_t i = 0; i < payload.size(); ++i) f += masked ? char(payload[i] ^ key[i % 4]) : payload[i];
    return f;
}

Exit run_to_exit(std::vector<std::string> args) {
    args.insert(args.begin(), WIRECHAT_BINARY);
    return run_capturing(std::move(args), STDERR_FILENO);
}

// ---- redis-server ------------------------------------------------------------

RedisServer::RedisServer() {
    char dir[] = "/tmp/wirechat-redis.XXXXXX";
    if (!mkdtemp(dir)) throw std::runtime_error("mkdtemp");
    dir_ = dir;
    for (int attempt = 0; attempt < 5 && pid_ <= 0; ++attempt) {
        port_ = free_loopback_port();
        try {
            start();
        } catch (const std::runtime_error&) {
            if (attempt == 4) throw;  // someone took the port meanwhile: another
        }
    }
}

RedisServer::~RedisServer() {
    resume();
    kill_hard();
    std::filesystem::remove_all(dir_);
}

std::string RedisServer::url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

void RedisServer::start() {
    std::vector<std::string> args = {"/usr/bin/redis-server", "--port", std::to_string(port_),
                                     "--bind", "127.0.0.1", "--dir", dir_, "--save", "",
                                     "--appendonly", "yes", "--appendfsync", "always",
                                     "--logfile", dir_ + "/redis.log"};
    pid_ = fork();
    if (pid_ == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        auto argv = argv_of(args);
        execv(argv[0], argv.data());
        _exit(127);
    }
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (remaining_ms(deadline) > 0) {
        if (cli({"PING"}).starts_with("PONG")) return;
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) break;  // it could not start
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill_hard();
    throw std::runtime_error("redis-server did not start on port " + std::to_string(port_) +
                             " (is Debian's redis-server installed? scripts/setup.sh test)");
}

void RedisServer::stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

void RedisServer::kill_hard() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

void RedisServer::pause() {
    if (pid_ > 0) kill(pid_, SIGSTOP);
}

void RedisServer::resume() {
    if (pid_ > 0) kill(pid_, SIGCONT);
}

std::string RedisServer::cli(std::vector<std::string> args) const {
    args.insert(args.begin(), {"/usr/bin/redis-cli", "-p", std::to_string(port_)});
    return run_capturing(std::move(args), STDOUT_FILENO).output;
}

// ---- sockets ---------------------------------------------------------------

Socket::Socket(std::uint16_t port) : Socket(port, nullptr) {}

Socket::Socket(std::uint16_t port, const char* from_address) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (from_address) {
        sockaddr_in from{};
        from.sin_family = AF_INET;
        inet_pton(AF_INET, from_address, &from.sin_addr);
        if (bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0)
            throw std::runtime_error(std::string("bind: ") + std::strerror(errno));
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw std::runtime_error(std::string("connect: ") + std::strerror(errno));
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

Socket::~Socket() {
    if (fd_ >= 0) close(fd_);
}

Socket::Socket(Socket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), buffer_(std::move(other.buffer_)), eof_(other.eof_) {}

void Socket::send(std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) throw std::runtime_error(std::string("send: ") + std::strerror(errno));
        bytes.remove_prefix(std::size_t(n));
    }
}

void Socket::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

bool Socket::fill(int timeout_ms) {
    if (eof_) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return false;
    char buf[65536];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
        eof_ = true;
        return false;
    }
    buffer_.append(buf, std::size_t(n));
    return true;
}

std::string Socket::receive_some(int timeout_ms) {
    if (buffer_.empty()) fill(timeout_ms);
    return std::exchange(buffer_, {});
}

std::optional<std::string> Socket::receive_exactly(std::size_t n, int timeout_ms) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (buffer_.size() < n)
        if (!fill(remaining_ms(deadline))) return std::nullopt;
    std::string out = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return out;
}

std::optional<std::string> Socket::receive_until_close(int timeout_ms) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!eof_) {
        if (!fill(remaining_ms(deadline)) && !eof_) return std::nullopt;
    }
    return std::exchange(buffer_, {});
}

void Socket::unread(std::string bytes) { buffer_.insert(0, bytes); }

// ---- HTTP ------------------------------------------------------------------

const std::string* Response::find(std::string_view name) const {
    for (auto& [n, v] : fields)
        if (wirechat::http::iequals(n, name)) return &v;
    return nullptr;
}

std::optional<Response> read_response(Socket& socket, bool head_request, int timeout_ms) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    std::string data;
    std::size_t end;
    while ((end = data.find("\r\n\r\n")) == std::string::npos) {
        std::string more = socket.receive_some(remaining_ms(deadline));
        if (more.empty()) return std::nullopt;
        data += more;
    }
    Response r;
    r.head = data.substr(0, end + 2);
    socket.unread(data.substr(end + 4));
    r.status = std::atoi(r.head.c_str() + 9);
    std::size_t line_end = r.head.find("\r\n");
    for (std::size_t pos = line_end + 2; pos < r.head.size();) {
        std::size_t eol = r.head.find("\r\n", pos);
        std::string line = r.head.substr(pos, eol - pos);
        std::size_t colon = line.find(':');
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        r.fields.emplace_back(line.substr(0, colon), value);
        pos = eol + 2;
    }
    bool no_body = head_request || r.status / 100 == 1 || r.status == 204 || r.status == 304;
    if (no_body) return r;
    if (const std::string* length = r.find("Content-Length")) {
        auto body = socket.receive_exactly(std::stoull(*length), remaining_ms(deadline));
        if (!body) return std::nullopt;
        r.body = *body;
    }
    return r;
}

std::string get(std::string_view path, std::string_view extra_fields) {
    std::string request = "GET " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    request += extra_fields;
    request += "\r\n";
    return request;
}

// ---- WebSocket -------------------------------------------------------------

WsClient::WsClient(std::uint16_t port, std::string_view path, const char* from_address)
    : socket_(port, from_address),
      endpoint_(wirechat::ws::Role::client, wirechat::ws::EndpointOptions{.max_message = 64u << 20},
                *this) {
    std::string key = wirechat::ws::make_client_key();
    socket_.send(wirechat::ws::client_handshake_request("127.0.0.1:" + std::to_string(port), path, key));
    auto response = read_response(socket_, true);
    if (!response || response->status != 101)
        throw std::runtime_error("handshake failed: " + (response ? response->head : "no response"));
    const std::string* accept = response->find("Sec-WebSocket-Accept");
    if (!accept || *accept != wirechat::ws::compute_accept(key))
        throw std::runtime_error("bad Sec-WebSocket-Accept");
    handshake_response = response->head;
}

void WsClient::write(std::span<const std::uint8_t> bytes) {
    outgoing_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

void WsClient::flush() {
    if (!outgoing_.empty()) socket_.send(std::exchange(outgoing_, {}));
}

void WsClient::send_texts(std::string_view text, int count) {
    for (int i = 0; i < count; ++i) endpoint_.send_text(text);
    flush();
}

void WsClient::send(wirechat::ws::Opcode op, std::string_view payload) {
    endpoint_.send(op, {reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()});
    flush();
}

void WsClient::ping(std::string_view payload) {
    endpoint_.ping({reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()});
    flush();
}

void WsClient::close(std::uint16_t code, std::string_view reason) {
    endpoint_.close(code, reason);
    flush();
}

void WsClient::on_message(wirechat::ws::Opcode op, std::span<const std::uint8_t> payload) {
    inbox_.push_back({op, std::string(reinterpret_cast<const char*>(payload.data()), payload.size())});
}

void WsClient::on_pong(std::span<const std::uint8_t> payload) {
    pongs_.emplace_back(reinterpret_cast<const char*>(payload.data()), payload.size());
}

void WsClient::on_closed(std::uint16_t code, std::string_view reason, bool) {
    if (!close_code) {
        close_code = code;
        close_reason = reason;
    }
}

bool WsClient::pump(int timeout_ms) {
    std::string bytes = socket_.receive_some(timeout_ms);
    if (bytes.empty()) return false;
    endpoint_.feed({reinterpret_cast<std::uint8_t*>(bytes.data()), bytes.size()});
    flush();  // pongs and close replies
    return true;
}

std::optional<WsClient::Message> WsClient::receive(int timeout_ms) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (inbox_.empty())
        if (!pump(remaining_ms(deadline))) return std::nullopt;
    Message m = std::move(inbox_.front());
    inbox_.erase(inbox_.begin());
    return m;
}

std::optional<std::string> WsClient::receive_pong(int timeout_ms) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (pongs_.empty())
        if (!pump(remaining_ms(deadline))) return std::nullopt;
    std::string p = std::move(pongs_.front());
    pongs_.erase(pongs_.begin());
    return p;
}

bool WsClient::wait_closed(int timeout_ms) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (pump(remaining_ms(deadline))) {
    }
    // The server closes TCP after the closing handshake: EOF must follow.
    return close_code.has_value() && socket_.receive_until_close(remaining_ms(deadline)).has_value();
}

std::map<std::string, double> scrape_metrics(std::uint16_t admin_port) {
    Socket s(admin_port);
    s.send("GET /metrics HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n");
    const auto response = read_response(s);
    if (!response || response->status != 200) throw std::runtime_error("no /metrics");
    std::map<std::string, double> samples;
    std::istringstream lines(response->body);
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line[0] == '#') continue;
        const std::size_t space = line.rfind(' ');
        samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
    return samples;
}

boost::json::object next_envelope(WsClient& client, std::string_view type, int timeout_ms) {
    for (;;) {
        auto m = client.receive(timeout_ms);
        if (!m) throw std::runtime_error("no '" + std::string(type) + "' envelope arrived");
        boost::json::object envelope = boost::json::parse(m->payload).as_object();
        if (envelope.at("type").as_string() == type) return envelope;
    }
}

}  // namespace harness
