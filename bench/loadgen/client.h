// One benchmark client connection: a non-blocking socket, the opening
// handshake, and a client-role ws::Endpoint, driven by a ClientLoop (epoll).
//
// The load generator must be cheap per message, or it measures itself:
// frames are queued in a per-connection buffer and leave in one write per
// readiness event, and reads go into one buffer shared by every connection.
// Anything unexpected (a refused handshake, a close the benchmark did not
// ask for, a protocol error, compression asked for and not agreed) is
// reported to ClientEvents::on_failure: a benchmark that silently loses
// connections, or silently runs uncompressed, would report flattering numbers.
//
// With Target::socketio the client also speaks the little of Engine.IO v4 and
// Socket.IO v5 that a WebSocket-only client needs, so that the same load
// generator drives a Socket.IO server (bench/peers/socketio): the server's
// open packet ("0{...}") is answered with a connect to the main namespace
// ("40"); the client counts as open (ClientEvents::on_open) once the server
// confirms it ("40{...}"); the server's pings ("2") are answered ("3") here;
// events ("42[...]") reach ClientEvents::on_message as their JSON array, the
// "42" taken off; a disconnect or a connect error fails the client. Send
// events with Client::send_text("42[\"name\",...]").
//
// With Target::tls the connection is wss://: the same tls::Session the
// server uses (memory BIOs, in the client role, certificates not checked:
// the benchmark's servers use a self-signed one) sits between the socket
// and the handshake and endpoint, which see plaintext as before.
#pragma once

#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tls/session.h"
#include "ws/endpoint.h"

namespace wirechat::bench {

class Client;

// Where to connect: 127.0.0.1:port and the WebSocket path.
struct Target {
    sockaddr_in address{};
    std::string host_port;  // for the Host field
    std::string path;
    // Offer permessage-deflate, and fail any connection whose server declines.
    bool deflate = false;
    // Engine.IO v4 / Socket.IO v5 over the WebSocket (see the top of this file).
    bool socketio = false;
    // wss:// (see the top of this file).
    bool tls = false;
};

class ClientEvents {
public:
    virtual void on_open(Client& client) = 0;
    virtual void on_message(Client& client, ws::Opcode op, std::span<const std::uint8_t> payload) = 0;
    // Fatal for a benchmark run: the scenario decides how loudly to die.
    virtual void on_failure(Client& client, std::string_view why) = 0;

protected:
    ~ClientEvents() = default;
};

class ClientLoop;

class Client final : private ws::EndpointHandler {
public:
    // Starts a non-blocking connect from `source` (0: any address) to the
    // target, asking for `path` (empty: the target's). `id` is the scenario's
    // index for this client.
    Client(ClientLoop& loop, const Target& target, in_addr_t source, ClientEvents& events,
           std::size_t id, std::string_view path = {});
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    std::size_t id() const { return id_; }
    bool open() const { return state_ == State::open; }

    // Queue one message; it leaves with the next flush (at the latest when the
    // current readiness event has been handled).
    void send(ws::Opcode op, std::span<const std::uint8_t> payload);
    void send_text(std::string_view text);
    void flush();

    void on_io(std::uint32_t events);

private:
    enum class State { connecting, handshaking, open, failed };
    // Socket.IO: what the client waits for once the WebSocket is open.
    enum class SocketIo { off, engine_open, namespace_connect, connected };

    // ws::EndpointHandler
    void on_message(ws::Opcode op, std::span<const std::uint8_t> payload) override;
    void on_closed(std::uint16_t code, std::string_view reason, bool clean) override;
    void write(std::span<const std::uint8_t> bytes) override;

    void socketio_packet(std::string_view packet);
    void finish_connect();
    void read_available();
    void read_handshake(std::span<std::uint8_t> bytes);
    void fail(std::string_view why);
    void want_output(bool yes);
    // What was read: plaintext, or ciphertext to decrypt first.
    void received(std::span<std::uint8_t> bytes);
    void received_plaintext(std::span<std::uint8_t> bytes);
    // TLS: encrypt what waits in plaintext_ (once the handshake allows)
    // and move what the session wrote to output_.
    void seal();

    ClientLoop& loop_;
    ClientEvents& events_;
    std::size_t id_;
    int fd_ = -1;
    State state_ = State::connecting;
    bool offer_deflate_;
    SocketIo socketio_ = SocketIo::off;
    std::string key_;
    std::string handshake_;  // the response head, until it is complete
    // Created when the handshake completes: only then is compression known.
    std::optional<ws::Endpoint> endpoint_;
    std::vector<std::uint8_t> output_;  // what the socket is written from
    std::size_t output_sent_ = 0;
    std::unique_ptr<tls::Session> tls_;  // wss:// only
    std::vector<std::uint8_t> plaintext_;  // wss://: what waits to be encrypted
    bool watching_output_ = false;
};

// One epoll instance, and the read buffer and compressors every client shares.
class ClientLoop {
public:
    ClientLoop();
    ~ClientLoop();
    ClientLoop(const ClientLoop&) = delete;
    ClientLoop& operator=(const ClientLoop&) = delete;

    // Handle readiness events for at most `timeout_ms`.
    void poll(int timeout_ms);

    int epoll_fd() const { return epoll_fd_; }
    std::span<std::uint8_t> read_buffer() { return read_buffer_; }
    // A client may always compress each message on its own, even where it
    // was allowed to keep context (RFC 7692 7.1.1: the parameters forbid
    // context takeover, nothing requires it), so one compressor per window
    // size serves every client of this thread and 10,000 connections do not
    // need 10,000 compressors. The server still sees a browser's offer.
    ws::SharedDeflaters& deflaters() { return deflaters_; }
    // WebSocket bytes read by all clients (handshakes excluded): the wire
    // size of what the server sent, compressed or not.
    std::uint64_t frame_bytes_read() const { return frame_bytes_read_; }
    void count_frame_bytes(std::size_t n) { frame_bytes_read_ += n; }
    // wss://: one client context for every connection, made on first use.
    SSL_CTX* tls_context();

private:
    int epoll_fd_;
    SSL_CTX* tls_context_ = nullptr;
    std::vector<std::uint8_t> read_buffer_;
    ws::SharedDeflaters deflaters_;
    std::uint64_t frame_bytes_read_ = 0;
};

// Monotonic nanoseconds.
std::int64_t now_ns();

// 127.0.0.1:port + path, or throws std::invalid_argument.
Target make_target(std::uint16_t port, std::string path);

}  // namespace wirechat::bench
