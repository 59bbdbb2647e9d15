#include "client.h"

#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <system_error>

#include "deflate_answer.h"
#include "ws/handshake.h"

namespace wirechat::bench {

namespace {

constexpr std::size_t read_buffer_size = 256 * 1024;
constexpr std::size_t max_handshake_response = 8 * 1024;
// Benchmarks send up to a few MiB; the endpoint's limit only guards against
// a broken server.
constexpr std::size_t max_message = 64 * 1024 * 1024;

ws::EndpointOptions endpoint_options() {
    ws::EndpointOptions options;
    options.max_message = max_message;
    return options;
}

std::string lowercase(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    return out;
}

// The value of field `name` (lowercase) in a response head, or "".
std::string_view field_value(std::string_view head, std::string_view name) {
    std::size_t line_start = head.find("\r\n");
    while (line_start != std::string_view::npos) {
        line_start += 2;
        std::size_t line_end = head.find("\r\n", line_start);
        std::string_view line = head.substr(line_start, line_end - line_start);
        std::size_t colon = line.find(':');
        if (colon != std::string_view::npos && lowercase(line.substr(0, colon)) == name) {
            std::string_view value = line.substr(colon + 1);
            while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
            while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
            return value;
        }
        line_start = line_end;
    }
    return {};
}

}  // namespace

std::int64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

Target make_target(std::uint16_t port, std::string path) {
    if (port == 0) throw std::invalid_argument("--port is required");
    if (path.empty() || path.front() != '/') throw std::invalid_argument("--path must start with /");
    Target target;
    target.address.sin_family = AF_INET;
    target.address.sin_port = htons(port);
    target.address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    target.host_port = "127.0.0.1:" + std::to_string(port);
    target.path = std::move(path);
    return target;
}

// ---- ClientLoop -------------------------------------------------------------

ClientLoop::ClientLoop() : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)), read_buffer_(read_buffer_size) {
    if (epoll_fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
}

ClientLoop::~ClientLoop() {
    SSL_CTX_free(tls_context_);
    ::close(epoll_fd_);
}

SSL_CTX* ClientLoop::tls_context() {
    if (!tls_context_) {
        tls_context_ = SSL_CTX_new(TLS_client_method());
        if (!tls_context_) throw std::runtime_error("cannot set up TLS");
        SSL_CTX_set_min_proto_version(tls_context_, TLS1_2_VERSION);
        SSL_CTX_set_verify(tls_context_, SSL_VERIFY_NONE, nullptr);
    }
    return tls_context_;
}

void ClientLoop::poll(int timeout_ms) {
    epoll_event events[256];
    int n = epoll_wait(epoll_fd_, events, 256, timeout_ms);
    if (n < 0 && errno != EINTR) throw std::system_error(errno, std::generic_category(), "epoll_wait");
    for (int i = 0; i < n; ++i) static_cast<Client*>(events[i].data.ptr)->on_io(events[i].events);
}

// ---- Client -----------------------------------------------------------------

Client::Client(ClientLoop& loop, const Target& target, in_addr_t source, ClientEvents& events,
               std::size_t id, std::string_view path)
    : loop_(loop),
      events_(events),
      id_(id),
      offer_deflate_(target.deflate),
      socketio_(target.socketio ? SocketIo::engine_open : SocketIo::off) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
    if (source != 0) {
        // Each source address has its own ~28,000 ephemeral ports toward one
        // server port: several of them lift that limit. The port is chosen
        // at connect(), not here (IP_BIND_ADDRESS_NO_PORT), so that the
        // kernel may reuse one whose previous connection is in TIME_WAIT.
        int on = 1;
        setsockopt(fd_, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
        sockaddr_in local{};
        local.sin_family = AF_INET;
        local.sin_addr.s_addr = source;
        if (bind(fd_, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0)
            throw std::system_error(errno, std::generic_category(), "bind to source address");
    }
    if (target.tls) {
        SSL* ssl = SSL_new(loop_.tls_context());
        if (ssl) SSL_set_connect_state(ssl);
        tls_ = std::make_unique<tls::Session>(ssl);
    }
    key_ = ws::make_client_key();
    handshake_ = ws::client_handshake_request(target.host_port, path.empty() ? target.path : path, key_);
    if (offer_deflate_) {
        // One more field before the blank line that ends the request.
        handshake_.insert(handshake_.size() - 2,
                          "Sec-WebSocket-Extensions: " + std::string(deflate_offer) + "\r\n");
    }
    int rc = connect(fd_, reinterpret_cast<const sockaddr*>(&target.address), sizeof target.address);
    if (rc != 0 && errno != EINPROGRESS)
        throw std::system_error(errno, std::generic_category(), "connect");
    epoll_event event{};
    event.events = EPOLLOUT;
    event.data.ptr = this;
    if (epoll_ctl(loop_.epoll_fd(), EPOLL_CTL_ADD, fd_, &event) != 0)
        throw std::system_error(errno, std::generic_category(), "epoll_ctl");
    watching_output_ = true;
}

Client::~Client() {
    if (fd_ >= 0) ::close(fd_);  // also leaves the epoll set
}

void Client::on_io(std::uint32_t events) {
    if (state_ == State::failed) return;
    if (state_ == State::connecting) {
        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) finish_connect();
        return;
    }
    if (events & EPOLLERR) return fail("socket error");
    if (events & EPOLLOUT) flush();
    if (events & (EPOLLIN | EPOLLHUP)) read_available();
}

void Client::finish_connect() {
    int error = 0;
    socklen_t size = sizeof error;
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &size);
    if (error != 0) return fail(std::string("connect: ") + std::strerror(error));
    state_ = State::handshaking;
    // The request goes through the same output path as frames; the response
    // head is then collected in handshake_.
    write({reinterpret_cast<const std::uint8_t*>(handshake_.data()), handshake_.size()});
    handshake_.clear();
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = this;
    epoll_ctl(loop_.epoll_fd(), EPOLL_CTL_MOD, fd_, &event);
    watching_output_ = false;
    flush();
}

void Client::read_available() {
    std::span<std::uint8_t> buffer = loop_.read_buffer();
    for (int turn = 0; turn < 4 && state_ != State::failed; ++turn) {
        ssize_t n = ::read(fd_, buffer.data(), buffer.size());
        if (n > 0) {
            received(buffer.first(std::size_t(n)));
            flush();  // the answers the scenario queued while handling them
            if (std::size_t(n) < buffer.size()) return;
            continue;
        }
        if (n == 0)
            return fail(state_ == State::handshaking ? "the server closed the TCP connection during the handshake"
                                                     : "the server closed the TCP connection");
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        return fail(std::string("read: ") + std::strerror(errno));
    }
}

void Client::received(std::span<std::uint8_t> bytes) {
    if (!tls_) return received_plaintext(bytes);
    // The session copied the ciphertext: the buffer takes the plaintext.
    tls_->receive(bytes);
    while (state_ != State::failed) {
        const std::size_t n = tls_->read(bytes);
        if (n == 0) break;
        received_plaintext(bytes.first(n));
    }
    if (tls_->state() == tls::Session::State::failed) fail("TLS: " + tls_->failure_reason());
}

void Client::received_plaintext(std::span<std::uint8_t> bytes) {
    if (state_ == State::handshaking) {
        read_handshake(bytes);
    } else {
        loop_.count_frame_bytes(bytes.size());
        endpoint_->feed(bytes);
    }
}

void Client::read_handshake(std::span<std::uint8_t> bytes) {
    std::size_t old_size = handshake_.size();
    handshake_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    std::size_t end = handshake_.find("\r\n\r\n", old_size < 3 ? 0 : old_size - 3);
    if (end == std::string::npos) {
        if (handshake_.size() > max_handshake_response) fail("handshake response too long");
        return;
    }
    std::string_view head(handshake_.data(), end + 2);
    if (!head.starts_with("HTTP/1.1 101 "))
        return fail("upgrade refused: " + std::string(head.substr(0, head.find('\r'))));
    if (field_value(head, "sec-websocket-accept") != ws::compute_accept(key_))
        return fail("wrong Sec-WebSocket-Accept");
    std::optional<ws::EndpointCompression> compression;
    std::string_view extensions = field_value(head, "sec-websocket-extensions");
    if (offer_deflate_) {
        if (extensions.empty()) return fail("the server did not agree to permessage-deflate");
        std::string why;
        std::optional<ws::DeflateParams> agreed = read_deflate_answer(extensions, why);
        if (!agreed) return fail(why);
        compression = ws::EndpointCompression{
            .deflater = &loop_.deflaters().for_window_bits(agreed->client_max_window_bits),
            .peer_window_bits = agreed->server_max_window_bits,
            .peer_keeps_context = !agreed->server_no_context_takeover};
    } else if (!extensions.empty()) {
        return fail("the server answered with extensions that were not offered: " + std::string(extensions));
    }
    // The bases are private: converted here, where that is allowed.
    endpoint_.emplace(ws::Role::client, endpoint_options(), static_cast<ws::EndpointHandler&>(*this), compression);
    state_ = State::open;
    std::size_t body = end + 4;
    std::size_t rest = handshake_.size() - body;
    // Frames that came with the head start where it ended in `bytes`.
    std::span<std::uint8_t> frames = bytes.last(rest);
    std::string().swap(handshake_);
    std::string().swap(key_);
    if (socketio_ == SocketIo::off) events_.on_open(*this);  // else once Socket.IO has connected
    if (!frames.empty() && state_ == State::open) {
        loop_.count_frame_bytes(frames.size());
        endpoint_->feed(frames);
    }
}

void Client::send(ws::Opcode op, std::span<const std::uint8_t> payload) {
    if (state_ != State::open) return;
    endpoint_->send(op, payload);
}

void Client::send_text(std::string_view text) {
    if (state_ != State::open) return;
    endpoint_->send_text(text);
}

void Client::write(std::span<const std::uint8_t> bytes) {
    std::vector<std::uint8_t>& queue = tls_ ? plaintext_ : output_;
    queue.insert(queue.end(), bytes.begin(), bytes.end());
}

void Client::seal() {
    if (tls_->state() == tls::Session::State::handshaking) {
        std::uint8_t none[1];
        tls_->read(std::span(none, 0));  // the first flight (the ClientHello), or the next
    }
    if (tls_->open() && !plaintext_.empty()) {
        tls_->write(plaintext_);
        plaintext_.clear();
    }
    const std::string_view sealed = tls_->output();
    output_.insert(output_.end(), sealed.begin(), sealed.end());
    tls_->clear_output();
}

void Client::flush() {
    if (tls_ && state_ != State::failed) seal();
    while (output_sent_ < output_.size() && state_ != State::failed) {
        ssize_t n = ::send(fd_, output_.data() + output_sent_, output_.size() - output_sent_,
                           MSG_NOSIGNAL);
        if (n > 0) {
            output_sent_ += std::size_t(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return want_output(true);
        return fail(std::string("write: ") + std::strerror(errno));
    }
    output_.clear();
    output_sent_ = 0;
    want_output(false);
}

void Client::want_output(bool yes) {
    if (yes == watching_output_ || state_ == State::connecting) return;
    epoll_event event{};
    event.events = EPOLLIN | (yes ? EPOLLOUT : 0u);
    event.data.ptr = this;
    epoll_ctl(loop_.epoll_fd(), EPOLL_CTL_MOD, fd_, &event);
    watching_output_ = yes;
}

void Client::on_message(ws::Opcode op, std::span<const std::uint8_t> payload) {
    if (socketio_ == SocketIo::off) return events_.on_message(*this, op, payload);
    if (op != ws::Opcode::text) return fail("Socket.IO: a binary frame (no binary events are expected)");
    socketio_packet({reinterpret_cast<const char*>(payload.data()), payload.size()});
}

// One Engine.IO packet (one WebSocket message): its type is the first
// character; a message ('4') carries a Socket.IO packet, whose type is the
// second. Only the main namespace is used, so no namespace follows.
void Client::socketio_packet(std::string_view packet) {
    if (packet.empty()) return fail("Socket.IO: an empty packet");
    switch (packet[0]) {
    case '0':  // open: {"sid":...,"pingInterval":...}; connect to "/"
        if (socketio_ != SocketIo::engine_open) return fail("Socket.IO: a second open packet");
        socketio_ = SocketIo::namespace_connect;
        return endpoint_->send_text("40");
    case '1': return fail("Socket.IO: the server closed the session");
    case '2': return endpoint_->send_text("3");  // ping: pong (Engine.IO v4: the server pings)
    case '3':
    case '6': return;  // pong, noop
    case '4': break;
    default: return fail("Socket.IO: unexpected packet " + std::string(packet.substr(0, 16)));
    }
    if (packet.size() < 2) return fail("Socket.IO: a message without a packet");
    switch (packet[1]) {
    case '0':  // connect: {"sid":...}
        if (socketio_ != SocketIo::namespace_connect) return fail("Socket.IO: an unexpected connect");
        socketio_ = SocketIo::connected;
        return events_.on_open(*this);
    case '2': {  // event: ["name",...]
        if (socketio_ != SocketIo::connected) return fail("Socket.IO: an event before the connect");
        const std::string_view event = packet.substr(2);
        return events_.on_message(
            *this, ws::Opcode::text,
            {reinterpret_cast<const std::uint8_t*>(event.data()), event.size()});
    }
    case '1': return fail("Socket.IO: disconnected by the server");
    case '4': return fail("Socket.IO: connect refused: " + std::string(packet.substr(2, 200)));
    default: return fail("Socket.IO: unexpected packet " + std::string(packet.substr(0, 16)));
    }
}

void Client::on_closed(std::uint16_t code, std::string_view reason, bool clean) {
    // The benchmark never closes first, so any close is the server's doing
    // (or our endpoint's verdict on a protocol error).
    fail("WebSocket closed: " + std::to_string(code) + " " + std::string(reason) +
         (clean ? "" : " (protocol error)"));
}

void Client::fail(std::string_view why) {
    if (state_ == State::failed) return;
    state_ = State::failed;
    epoll_ctl(loop_.epoll_fd(), EPOLL_CTL_DEL, fd_, nullptr);
    events_.on_failure(*this, why);
}

}  // namespace wirechat::bench
