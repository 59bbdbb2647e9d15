// The wirechat server: one listener, the connections it accepted, and what
// they can reach (the web directory, the chat, the echo endpoint).
//
// One Server runs on one EventLoop. To use several cores, run one process
// per core (--workers, server/workers.h), each with its own SO_REUSEPORT
// listener on the same port, sharing the chat through Redis (--redis).
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "http/static_files.h"
#include "net/connection.h"
#include "net/intrusive_list.h"
#include "net/listener.h"
#include "server/chat_service.h"
#include "server/options.h"
#include "trace/sink.h"
#include "trace/tracer.h"
#include "ws/deflate.h"
#include "ws/endpoint.h"
#include "ws/handshake.h"

namespace wirechat::server {

class Server final : private net::ConnectionOwner {
public:
    // Throws std::runtime_error with a one-line message when the port cannot
    // be bound or the web directory is missing.
    Server(net::EventLoop& loop, Options options);
    ~Server();

    std::uint16_t port() const { return listener_.port(); }
    // Stop accepting, let every connection finish what it is doing (WebSockets
    // get a 1001 close), then stop the loop; at most shutdown_grace_ms.
    void shut_down();

    const Options& options() const { return options_; }
    const http::StaticFiles& static_files() const { return static_files_; }
    // How a WebSocket compresses, given what its handshake agreed: our
    // side's compressor is shared by every connection with the same window.
    std::optional<ws::EndpointCompression> compression(const std::optional<ws::DeflateParams>& agreed);
    bool shutting_down() const { return shutting_down_; }

    // A WebSocket endpoint: what speaks there and how it is negotiated.
    struct WsRoute {
        WsService& service;
        const ws::HandshakeOptions& handshake;
    };
    // The WebSocket endpoint at `path`, if there is one.
    std::optional<WsRoute> websocket_route(std::string_view path);

private:
    void accept(int fd);
    // Null unless tracing; otherwise the connection's tracer, numbered in
    // order of arrival, having noted where the connection came from.
    std::unique_ptr<trace::Tracer> make_tracer(int fd);
    void connection_closed(net::Connection& connection) override;
    void stop_if_idle();

    net::EventLoop& loop_;
    Options options_;
    http::StaticFiles static_files_;
    ws::SharedDeflaters deflaters_;
    ws::HandshakeOptions chat_handshake_;
    ws::HandshakeOptions echo_handshake_;
    ChatService chat_;
    EchoService echo_;
    // Owned: each is deleted (via dispose_later) once it has closed, or by
    // ~Server. A list threaded through the connections costs no allocation.
    net::IntrusiveList<net::Connection> connections_;
    net::Listener listener_;
    net::Timer grace_timer_{[this] { loop_.stop(); }};
    bool shutting_down_ = false;
    bool engine_stopping_ = false;
    trace::FileSink trace_sink_{stderr};
    std::uint64_t connections_accepted_ = 0;
};

}  // namespace wirechat::server
