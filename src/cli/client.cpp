// One loop over poll(): stdin lines become messages, socket bytes go to the
// endpoint, and what the endpoint writes is sent before polling again. The
// socket is blocking; a slow server makes us wait in send(), which is the
// backpressure a command-line tool wants.
#include "cli/client.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "cli/chat_view.h"
#include "cli/response_head.h"
#include "cli/stream.h"
#include "trace/frame_format.h"
#include "trace/sink.h"
#include "trace/tracer.h"
#include "ws/close_code.h"
#include "ws/endpoint.h"
#include "ws/handshake.h"

namespace wirechat::cli {

namespace {

using Clock = std::chrono::steady_clock;

// The ping that marks the end of our input; see run_client().
constexpr std::string_view barrier_payload = "wirechat-cli: end of input";
constexpr std::string_view ping_payload = "wirechat-cli";
constexpr std::size_t max_response_head = 16 * 1024;
constexpr int handshake_timeout_ms = 5000;
constexpr int barrier_timeout_ms = 3000;  // a server that never pongs
constexpr int close_timeout_ms = 5000;    // RFC 6455 7.1.1: the server closes TCP first

struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::span<const std::uint8_t> as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

void status(const std::string& text) {
    std::fprintf(stderr, "wirechat-cli: %s\n", text.c_str());
}

int connect_to(const WsUrl& url) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(url.port);
    if (int rc = getaddrinfo(url.host.c_str(), port.c_str(), &hints, &found); rc != 0)
        throw Failure("cannot resolve " + url.host + ": " + gai_strerror(rc));
    std::unique_ptr<addrinfo, void (*)(addrinfo*)> list(found, freeaddrinfo);
    int error = 0;
    for (addrinfo* a = found; a; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            error = errno;
            continue;
        }
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) return fd;
        error = errno;
        close(fd);
    }
    throw Failure("cannot connect to " + url.host_field + ": " + std::strerror(error));
}

// Large messages are fine for a tool a person runs against a server they chose.
ws::EndpointOptions endpoint_options() {
    ws::EndpointOptions options;
    options.max_message = 64 * 1024 * 1024;
    return options;
}

class Session final : private ws::EndpointHandler {
public:
    Session(const ClientOptions& options, Stream& stream, trace::Tracer* tracer)
        : options_(options),
          stream_(stream),
          tracer_(tracer),
          endpoint_(ws::Role::client, endpoint_options(), *this) {}

    int run(std::string_view early_bytes);

private:
    void on_message(ws::Opcode op, std::span<const std::uint8_t> payload) override;
    void on_pong(std::span<const std::uint8_t> payload) override;
    void on_closed(std::uint16_t code, std::string_view reason, bool clean) override;
    void write(std::span<const std::uint8_t> bytes) override {
        if (tracer_) tracer_->sent(bytes);
        output_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    }

    void flush();
    void receive(std::span<std::uint8_t> bytes);
    bool read_socket();  // false on EOF
    void read_stdin();
    void send_line(std::string_view line);
    void end_of_input();
    void start_close();

    const ClientOptions& options_;
    Stream& stream_;
    trace::Tracer* tracer_;
    ws::Endpoint endpoint_;
    std::string output_;
    std::string pending_line_;
    bool stdin_open_ = true;
    bool waiting_for_barrier_ = false;
    bool closed_ = false;
    bool we_closed_ = false;
    bool succeeded_ = false;  // see run_client()
    Clock::time_point deadline_ = Clock::time_point::max();
    Clock::time_point ping_sent_;
};

void Session::flush() {
    try {
        stream_.send_all(output_.data(), output_.size());
    } catch (const std::runtime_error& e) {
        throw Failure(e.what());
    }
    output_.clear();
}

void Session::receive(std::span<std::uint8_t> bytes) {
    if (tracer_) tracer_->received(bytes);  // before feed(), as it may change the bytes
    endpoint_.feed(bytes);
}

bool Session::read_socket() {
    std::uint8_t buffer[64 * 1024];
    const ssize_t n = stream_.receive(reinterpret_cast<char*>(buffer), sizeof buffer);
    if (n == -EINTR) return true;
    if (n < 0) throw Failure(std::string("receiving failed: ") + std::strerror(int(-n)));
    if (n == 0) return false;
    receive({buffer, static_cast<std::size_t>(n)});
    return true;
}

void Session::send_line(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (options_.json) {
        const std::string envelope = envelope_for_line(line);
        if (!envelope.empty()) endpoint_.send_text(envelope);
    } else {
        endpoint_.send(options_.binary ? ws::Opcode::binary : ws::Opcode::text, as_bytes(line));
    }
}

void Session::read_stdin() {
    char buffer[16 * 1024];
    const ssize_t n = read(STDIN_FILENO, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) return;
    if (n <= 0) return end_of_input();
    pending_line_.append(buffer, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t eol; (eol = pending_line_.find('\n', start)) != std::string::npos; start = eol + 1)
        send_line(std::string_view(pending_line_).substr(start, eol - start));
    pending_line_.erase(0, start);
}

// The server answers in order, so once the pong to this ping arrives every
// answer to our messages has arrived too: closing earlier would lose them
// (after our close, an endpoint drops incoming data messages).
void Session::end_of_input() {
    stdin_open_ = false;
    if (!pending_line_.empty()) send_line(pending_line_);
    pending_line_.clear();
    endpoint_.ping(as_bytes(barrier_payload));
    waiting_for_barrier_ = true;
    deadline_ = Clock::now() + std::chrono::milliseconds(barrier_timeout_ms);
}

void Session::start_close() {
    endpoint_.close(options_.close_code);
    we_closed_ = true;
    deadline_ = Clock::now() + std::chrono::milliseconds(close_timeout_ms);
}

void Session::on_message(ws::Opcode op, std::span<const std::uint8_t> payload) {
    const std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
    std::string out;
    if (op == ws::Opcode::binary)
        out = "binary (" + std::to_string(payload.size()) + " bytes): " +
              trace::preview_hex(payload, payload.size(), payload.size());
    else if (options_.json)
        out = describe_envelope(text);
    else
        out = text;
    out.push_back('\n');
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
}

void Session::on_pong(std::span<const std::uint8_t> payload) {
    const std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
    if (text == barrier_payload && waiting_for_barrier_) {
        waiting_for_barrier_ = false;
        start_close();
    } else if (text == ping_payload) {
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - ping_sent_);
        char rtt[32];
        std::snprintf(rtt, sizeof rtt, "%.3f", double(us.count()) / 1000.0);
        status(std::string("pong after ") + rtt + " ms");
    }
}

void Session::on_closed(std::uint16_t code, std::string_view reason, bool clean) {
    closed_ = true;
    succeeded_ = clean && (we_closed_ || code == ws::close_code::normal || code == ws::close_code::going_away);
    if (tracer_) tracer_->websocket_closed(code, reason, clean);
    std::string line(clean ? "closed: " : "failed: ");
    line.append(std::to_string(code)).append(" (").append(trace::close_code_name(code)).append(")");
    if (!reason.empty()) line.append(" ").append(trace::preview_text(as_bytes(reason), reason.size(), ws::max_close_reason));
    status(line);
    // The server closes TCP first (RFC 6455 7.1.1); give it a moment.
    deadline_ = Clock::now() + std::chrono::milliseconds(close_timeout_ms);
}

int Session::run(std::string_view early_bytes) {
    if (!early_bytes.empty()) {
        std::string copy(early_bytes);
        receive({reinterpret_cast<std::uint8_t*>(copy.data()), copy.size()});
    }
    if (options_.json && !options_.nickname.empty()) endpoint_.send_text(nickname_envelope(options_.nickname));
    if (options_.ping) {
        ping_sent_ = Clock::now();
        endpoint_.ping(as_bytes(ping_payload));
    }
    flush();
    while (true) {
        // Bytes OpenSSL has decrypted already raise no event: take them first.
        if (stream_.buffered()) {
            if (!read_socket()) break;
            flush();
            continue;
        }
        pollfd fds[2] = {{stream_.fd(), POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
        const bool watch_stdin = stdin_open_ && !closed_;
        int timeout = -1;
        if (deadline_ != Clock::time_point::max()) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
            timeout = left.count() < 0 ? 0 : static_cast<int>(left.count());
        }
        const int ready = poll(fds, watch_stdin ? 2 : 1, timeout);
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) throw Failure(std::string("poll failed: ") + std::strerror(errno));
        if (ready == 0) {
            if (closed_) break;  // the server did not close TCP: we do
            if (waiting_for_barrier_) {
                status("no pong to our last ping; closing anyway");
                waiting_for_barrier_ = false;
                start_close();
                flush();
                continue;
            }
            status("the server did not answer our close");
            return 1;
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (!read_socket()) {
                if (!closed_) status("the server closed TCP without a closing handshake (1006)");
                break;
            }
        }
        if (watch_stdin && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) read_stdin();
        flush();
    }
    return succeeded_ ? 0 : 1;
}

// Sends the upgrade request and reads the response head. Returns whatever
// arrived after the head: frames the server sent at once.
std::string handshake(Stream& stream, const ClientOptions& options, trace::Tracer* tracer) {
    const std::string key = ws::make_client_key();
    std::vector<std::string> protocols;
    if (options.json) protocols.emplace_back("wirechat.v1");
    const std::string request = ws::client_handshake_request(options.url.host_field, options.url.path, key, protocols);
    if (tracer) tracer->head(trace::Direction::sent, request);
    try {
        stream.send_all(request.data(), request.size());
    } catch (const std::runtime_error& e) {
        throw Failure(std::string("sending the handshake failed: ") + e.what());
    }

    std::string input;
    std::size_t head_end;
    const auto deadline = Clock::now() + std::chrono::milliseconds(handshake_timeout_ms);
    while ((head_end = input.find("\r\n\r\n")) == std::string::npos) {
        if (input.size() > max_response_head) throw Failure("the response head is too large");
        pollfd p{stream.fd(), POLLIN, 0};
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (!stream.buffered() && (left <= 0 || poll(&p, 1, int(left)) <= 0))
            throw Failure("no answer to the handshake");
        char buffer[4096];
        const ssize_t n = stream.receive(buffer, sizeof buffer);
        if (n <= 0) throw Failure("the server closed the connection during the handshake");
        input.append(buffer, static_cast<std::size_t>(n));
    }
    const std::string_view head = std::string_view(input).substr(0, head_end + 4);
    if (tracer) tracer->head(trace::Direction::received, head);
    const std::optional<ResponseHead> response = parse_response_head(head);
    if (!response) throw Failure("the server's answer is not an HTTP response");
    if (response->status != 101) {
        std::string message = "the server refused the upgrade: " + std::to_string(response->status) + " " +
                              response->reason;
        throw Failure(message);
    }
    if (tracer) tracer->accept(key);
    const std::string* accept = response->find("Sec-WebSocket-Accept");
    if (!accept || *accept != ws::compute_accept(key))
        throw Failure("Sec-WebSocket-Accept does not match our key: not a WebSocket server");
    const std::string* protocol = response->find("Sec-WebSocket-Protocol");
    status(std::string("connected to ") + (options.url.secure ? "wss://" : "ws://") + options.url.host_field + options.url.path +
           (protocol ? " (subprotocol " + *protocol + ")" : ""));
    return input.substr(head_end + 4);
}

}  // namespace

int run_client(const ClientOptions& options) {
    std::unique_ptr<trace::FileSink> sink;
    std::unique_ptr<trace::Tracer> tracer;
    if (options.trace) {
        sink = std::make_unique<trace::FileSink>(stderr);
        tracer = std::make_unique<trace::Tracer>(*sink, trace::Style{*options.trace, sink->wants_colour()}, 1);
    }
    try {
        Stream stream(connect_to(options.url));
        if (tracer) tracer->note("connected to " + options.url.host_field);
        if (options.url.secure) {
            try {
                stream.start_tls({.host = options.url.host, .ca_file = options.ca_file, .insecure = options.insecure});
            } catch (const std::runtime_error& e) {
                throw Failure(e.what());
            }
            if (tracer) tracer->note("tls " + stream.describe_tls());
        }
        const std::string early = handshake(stream, options, tracer.get());
        Session session(options, stream, tracer.get());
        const int exit_status = session.run(early);
        if (tracer) tracer->closed("closed");
        return exit_status;
    } catch (const Failure& e) {
        status(e.what());
        return 1;
    }
}

}  // namespace wirechat::cli
