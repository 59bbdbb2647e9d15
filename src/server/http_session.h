// A connection speaking HTTP/1.1: parse requests, answer them in order, and
// hand the connection over to a WsSession when a WebSocket upgrade succeeds.
//
// Requests are answered as soon as they are complete, so pipelined requests
// are answered in order without any queue. The one exception is a file
// being sent: until it is out, the rest of the input waits in the
// connection (on_data consumes nothing more), which also bounds memory.
#pragma once

#include <memory>

#include "access/admission.h"
#include "http/request_parser.h"
#include "net/connection.h"
#include "server/metrics.h"
#include "trace/watcher.h"

namespace wirechat::server {

class Server;

class HttpSession final : public net::ProtocolHandler {
public:
    // The public port (the page, the echo, WebSocket upgrades), or the
    // admin listener (/metrics, /healthz, /readyz; no upgrades).
    enum class Site { public_port, admin };

    // `ticket` counts the connection (the public port's only), and says
    // whether it came in over a limit. `watcher` is null unless the server
    // runs with --trace. An upgrade hands both on to the WsSession.
    HttpSession(net::Connection& connection, Server& server, Site site, access::Admission::Ticket ticket,
                std::unique_ptr<trace::Watcher> watcher = nullptr);
    ~HttpSession() override;

    std::size_t on_data(std::span<std::uint8_t> bytes) override;
    void on_drained() override;
    void on_secured(const tls::HandshakeSummary& summary) override;
    void wind_down() override;
    void on_close() override;

private:
    enum class Wait { idle, head, body };
    void arm(Wait wait, int ms);
    void on_timer();
    // Each returns false when the connection is done with HTTP (closing, or
    // handed over to WebSocket).
    bool respond(const http::Request& request);
    // Who sent this request (a trusted proxy may say), and whether its
    // connection may be served: if not, it is answered 503 or 429 and
    // closed, and this returns false.
    bool admitted(const http::Request& request);
    // "https" on a TLS port or when a trusted proxy says the client used
    // TLS; "http" otherwise.
    std::string_view scheme(const http::Request& request) const;
    bool upgrade(const http::Request& request);
    void refuse_upgrade(Refusal why, int status, std::string_view reason,
                        std::span<const http::Header> extra = {});
    void serve_admin(const http::Request& request, bool keep_alive);
    void serve_echo(const http::Request& request, bool keep_alive);
    void serve_file(const http::Request& request, bool keep_alive);
    void send_error(int status, std::string_view reason,
                    std::span<const http::Header> extra = {});
    void send_response(std::string_view out);
    // --access-log: one line for the request answered (`request` null when
    // it could not be parsed).
    void log_access(const http::Request* request);
    // The client's address for logs: the peer's "address:port", or the
    // address a trusted proxy forwarded for.
    std::string client_name() const;

    Server& server_;
    Site site_;
    access::Admission::Ticket ticket_;
    bool via_proxy_ = false;  // the peer is a trusted proxy (--trust-proxy)
    access::IpAddress peer_;
    // For the access log: when the request's head began, and what was sent
    // for it so far (its status; head and body bytes).
    std::int64_t request_started_ms_ = 0;
    int status_ = 0;
    std::uint64_t bytes_sent_ = 0;
    http::RequestParser parser_;
    net::Timer timer_{[this] { on_timer(); }};
    Wait waiting_for_ = Wait::idle;
    bool sending_file_ = false;
    std::unique_ptr<trace::Watcher> watcher_;
    std::string tls_line_;  // the TLS handshake, described (a TLS port only)
};

}  // namespace wirechat::server
