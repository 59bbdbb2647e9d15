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

#include "access/admission.h"
#include "http/static_files.h"
#include "net/connection.h"
#include "net/intrusive_list.h"
#include "net/listener.h"
#include "cluster/redis_engine.h"
#include "server/chat_service.h"
#include "server/inspection.h"
#include "server/metrics.h"
#include "server/options.h"
#include "server/ws_session.h"
#include "tls/server_context.h"
#include "trace/sink.h"
#include "trace/tracer.h"
#include "ws/deflate.h"
#include "ws/endpoint.h"
#include "ws/handshake.h"

namespace wirechat::server {

class Server final : private net::ConnectionOwner, private net::TickObserver {
public:
    // Throws std::runtime_error with a one-line message when the port cannot
    // be bound or the web directory is missing.
    Server(net::EventLoop& loop, Options options);
    ~Server();

    std::uint16_t port() const { return listener_.port(); }
    // The admin listener's port (--admin), or 0 without one.
    std::uint16_t admin_port() const { return admin_listener_ ? admin_listener_->port() : 0; }
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
        const WsEndpointContext& context;
        const ws::HandshakeOptions& handshake;
    };
    // The WebSocket endpoint at `path`, if there is one.
    std::optional<WsRoute> websocket_route(std::string_view path);

    ServerMetrics& metrics() { return metrics_; }
    // The inspectable connections and their inspectors (--no-inspect: none).
    InspectService& inspect() { return inspect_; }
    // SIGHUP: read again what came from files. With --tls-cert, the
    // certificate and key: new connections get the new pair, open ones
    // keep theirs; a pair that does not load is refused and logged, and
    // the old one stays. Without, nothing (but a log line).
    void reload();
    // The admin listener's answer to a GET (server/admin.cpp).
    struct AdminAnswer {
        int status;
        std::string_view content_type;
        std::string body;
    };
    AdminAnswer admin(const http::Request& request);

private:
    void accept(int fd, const sockaddr_storage& peer, bool admin);
    // net::TickObserver: tick and broadcast timings, with --admin only.
    void tick_done(std::int64_t woke_ns, std::int64_t written_ns) override;
    // Why this node should not be sent work now; empty when it should.
    std::string_view not_ready();
    std::string metrics_text();
    // Null unless tracing; otherwise the connection's tracer, numbered in
    // order of arrival, having noted where the connection came from.
    std::unique_ptr<trace::Watcher> make_tracer(int fd);
    void connection_closed(net::Connection& connection) override;
    void stop_if_idle();
    void sweep();

    net::EventLoop& loop_;
    Options options_;
    ServerMetrics metrics_;
    access::Admission admission_;
    cluster::RedisEngine* redis_ = nullptr;  // the chat's engine, when it is Redis
    http::StaticFiles static_files_;
    ws::SharedDeflaters deflaters_;
    ws::HandshakeOptions chat_handshake_;
    ws::HandshakeOptions echo_handshake_;
    ChatService chat_;
    EchoService echo_;
    InspectService inspect_;
    ws::HandshakeOptions inspect_handshake_;
    WsEndpointContext chat_context_{chat_, options_, metrics_, Endpoint::chat};
    WsEndpointContext echo_context_{echo_, options_, metrics_, Endpoint::echo};
    WsEndpointContext inspect_context_{inspect_, options_, metrics_, Endpoint::inspect};
    // Owned: each is deleted (via dispose_later) once it has closed, or by
    // ~Server. A list threaded through the connections costs no allocation.
    net::IntrusiveList<net::Connection> connections_;
    std::unique_ptr<tls::ServerContext> tls_;  // --tls-cert; the admin port stays plain
    net::Listener listener_;
    std::unique_ptr<net::Listener> admin_listener_;  // --admin
    net::Timer grace_timer_{[this] { loop_.stop(); }};
    // Every sweep_ms_, every open connection's on_sweep(): the WebSockets'
    // keepalive and close timeouts, at a fraction of the shortest of them.
    net::Timer sweep_timer_{[this] { sweep(); }};
    int sweep_ms_ = 1000;
    bool shutting_down_ = false;
    bool engine_stopping_ = false;
    trace::FileSink trace_sink_{stderr};
    std::uint64_t connections_accepted_ = 0;
};

}  // namespace wirechat::server
