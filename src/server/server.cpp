#include "server/server.h"

#include <algorithm>

#include "app/memory_engine.h"
#include "net/peer_name.h"
#include "ops/log.h"
#include "server/http_session.h"

namespace wirechat::server {

namespace {

std::optional<ws::DeflateOptions> deflate_options(const Options& options) {
    if (!options.deflate) return std::nullopt;
    return ws::DeflateOptions{};
}

// Message ids must keep increasing across restarts (clients de-duplicate by
// id), and the memory engine keeps no state on disk. Seeding from the wall
// clock does it: a later run starts above any id an earlier run could have
// reached unless that run averaged over 1024 messages per millisecond.
std::uint64_t first_message_id(std::int64_t wall_ms) { return std::uint64_t(wall_ms) * 1024; }

std::unique_ptr<tls::ServerContext> tls_context(const Options& options) {
    if (options.tls_cert.empty()) return nullptr;
    return std::make_unique<tls::ServerContext>(options.tls_cert, options.tls_key);
}

// The chat's engine; `redis` is pointed at it when it is the Redis one.
std::unique_ptr<app::Engine> make_engine(net::EventLoop& loop, const Options& options,
                                         cluster::RedisEngine*& redis) {
    if (options.redis) {
        auto engine = std::make_unique<cluster::RedisEngine>(loop, chat_options(options), *options.redis);
        redis = engine.get();
        return engine;
    }
    return std::make_unique<app::MemoryEngine>(chat_options(options), first_message_id(loop.wall_ms()));
}

}  // namespace

Server::Server(net::EventLoop& loop, Options options)
    : loop_(loop),
      options_(std::move(options)),
      admission_(options_.admission),
      static_files_(options_.web_dir),
      // The chat names its protocol so that clients can insist on it; plain
      // WebSocket clients that offer nothing are welcome too.
      chat_handshake_{.subprotocols = {"wirechat.v1"}, .deflate = deflate_options(options_)},
      echo_handshake_{.subprotocols = {}, .deflate = deflate_options(options_)},
      chat_(loop, options_, metrics_, make_engine(loop, options_, redis_)),
      inspect_(loop),
      tls_(tls_context(options_)),
      listener_(loop, options_.host, options_.port, options_.share_port,
                [this](int fd, const sockaddr_storage& peer) { accept(fd, peer, false); }) {
    // A timeout is acted on at most a quarter of the shortest one late, and
    // at most a second: by default every second, for 30 s of keepalive,
    // 10 s to answer a ping and 5 s to answer a close.
    sweep_ms_ = std::clamp(
        std::min({options_.ping_interval_ms, options_.pong_timeout_ms, options_.close_timeout_ms}) / 4, 10, 1000);
    loop_.timers().arm(sweep_timer_, loop_.now_ms() + sweep_ms_);
    if (options_.admin) {
        admin_listener_ = std::make_unique<net::Listener>(
            loop, options_.admin->host, options_.admin->port, false,
            [this](int fd, const sockaddr_storage& peer) { accept(fd, peer, true); });
        loop_.observe_ticks(this);
    }
}

Server::~Server() {
    loop_.observe_ticks(nullptr);
    loop_.timers().cancel(grace_timer_);
    loop_.timers().cancel(sweep_timer_);
    // Connections still open are deleted without being closed (no on_close):
    // an inspected one must not reach for its inspector, which may go first.
    inspect_.detach_all();
    while (net::Connection* c = connections_.front()) {
        connections_.erase(*c);
        delete c;  // owned: see connections_
    }
}

std::optional<ws::EndpointCompression> Server::compression(const std::optional<ws::DeflateParams>& agreed) {
    if (!agreed) return std::nullopt;
    // negotiate_deflate() always agrees to server_no_context_takeover, which
    // is what lets the compressor be shared.
    return ws::EndpointCompression{.deflater = &deflaters_.for_window_bits(agreed->server_max_window_bits),
                                   .peer_window_bits = agreed->client_max_window_bits,
                                   .peer_keeps_context = !agreed->client_no_context_takeover};
}

std::optional<Server::WsRoute> Server::websocket_route(std::string_view path) {
    if (path == "/") return WsRoute{chat_context_, chat_handshake_};
    if (path == "/echo") return WsRoute{echo_context_, echo_handshake_};
    if (path == "/inspect" && options_.inspect) return WsRoute{inspect_context_, inspect_handshake_};
    return std::nullopt;
}

void Server::accept(int fd, const sockaddr_storage& peer, bool admin) {
    ++metrics_.accepted;
    net::ConnectionOwner& owner = *this;
    auto connection = std::make_unique<net::Connection>(loop_, fd, owner);
    // The handshake counts against the time a request head has.
    if (tls_ && !admin)
        connection->secure(std::make_unique<tls::Session>(tls_->new_ssl()), options_.header_timeout_ms);
    const HttpSession::Site site = admin ? HttpSession::Site::admin : HttpSession::Site::public_port;
    // The admin listener's connections are not counted: operations must
    // still see in when the public port is full.
    access::Admission::Ticket ticket;
    if (!admin) ticket = admission_.arrive(access::from_sockaddr(peer).value_or(access::IpAddress{}), loop_.now_ms());
    connection->set_handler(
        std::make_unique<HttpSession>(*connection, *this, site, std::move(ticket), make_tracer(fd)));
    connections_.push_front(*connection.release());
}

std::unique_ptr<trace::Watcher> Server::make_tracer(int fd) {
    if (!options_.trace) return nullptr;
    auto tracer = std::make_unique<trace::Tracer>(
        trace_sink_, trace::Style{*options_.trace, trace_sink_.wants_colour()}, ++connections_accepted_);
    tracer->note("connected from " + net::peer_name(fd));
    return tracer;
}

void Server::reload() {
    if (!tls_) {
        ops::log(ops::Level::info, "reload", {{"reloaded", "nothing (no --tls-cert)"}});
        return;
    }
    std::string error;
    if (tls_->reload(error)) {
        ops::log(ops::Level::info, "tls_reloaded", {{"cert", tls_->cert_file()}, {"key", tls_->key_file()}});
    } else {
        ops::log(ops::Level::error, "tls_reload_refused", {{"error", error}, {"kept", "the previous certificate"}});
    }
}

void Server::connection_closed(net::Connection& connection) {
    connections_.erase(connection);
    loop_.dispose_later(std::unique_ptr<net::Connection>(&connection));
    if (shutting_down_) stop_if_idle();
}

void Server::shut_down() {
    if (shutting_down_) return;
    shutting_down_ = true;
    listener_.close();
    if (admin_listener_) admin_listener_->close();
    loop_.timers().arm(grace_timer_, loop_.now_ms() + options_.shutdown_grace_ms);
    // wind_down() may close connections at once, which takes them off the
    // list: iterate over a copy. A closed one lives until the end of the
    // tick (dispose_later), so asking it closing() is safe.
    std::vector<net::Connection*> open;
    open.reserve(connections_.size());
    for (net::Connection* c = connections_.front(); c; c = connections_.next(*c)) open.push_back(c);
    for (net::Connection* c : open)
        if (!c->closing()) c->handler().wind_down();
    stop_if_idle();
}

// Once every connection is gone, the chat says goodbye to what it shares
// (Redis), then the loop stops; the grace timer still bounds the whole.
void Server::stop_if_idle() {
    if (!connections_.empty() || engine_stopping_) return;
    engine_stopping_ = true;
    chat_.shut_down([this] { loop_.stop(); });
}

// Ask every connection whether a timeout has passed. One walk over all of
// them a few times per timeout, like Redis's clientsCron() or uWebSockets'
// timeout sweep, costs less than a timer per connection: nothing per idle
// connection, and nothing per message (a timer would have to be moved).
void Server::sweep() {
    const std::int64_t now = loop_.now_ms();
    for (net::Connection* c = connections_.front(); c;) {
        // c may close and leave the list. (Should it close the next one
        // too, that one's links are cleared and the walk ends early; the
        // rest wait for the next sweep.)
        net::Connection* next = connections_.next(*c);
        if (!c->closing()) c->handler().on_sweep(now);
        c = next;
    }
    loop_.timers().arm(sweep_timer_, now + sweep_ms_);
}

}  // namespace wirechat::server
