#include "server/http_session.h"

#include <unistd.h>

#include <charconv>
#include <memory>
#include <string>

#include "access/forwarded.h"
#include "http/query.h"
#include "http/response.h"
#include "ops/log.h"
#include "server/inspection.h"
#include "server/server.h"
#include "server/ws_session.h"
#include "ws/handshake.h"

namespace wirechat::server {

namespace {

std::string_view as_text(std::span<const std::uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// ?inspect=1 in the chat's URL.
bool asks_to_be_inspected(const http::Request& request) {
    const auto pairs = http::decode_query(request.query);
    const std::string* value = pairs ? http::find_query_value(*pairs, "inspect") : nullptr;
    return value && *value == "1";
}

// An HTTP/1.0 client keeps the connection only if the response says so.
void add_persistence_field(std::vector<http::Header>& fields, const http::Request& request, bool keep_alive) {
    if (keep_alive && request.version_minor == 0) fields.push_back({"Connection", "keep-alive"});
}

// How long a connection over a limit may take to send its request.
constexpr int over_limit_wait_ms = 1000;

http::ParserLimits limits_for(const Options& options) {
    http::ParserLimits limits;
    limits.max_body = options.max_body;
    return limits;
}

}  // namespace

HttpSession::HttpSession(net::Connection& connection, Server& server, Site site,
                         access::Admission::Ticket ticket, std::unique_ptr<trace::Watcher> watcher)
    : ProtocolHandler(connection),
      server_(server),
      site_(site),
      ticket_(std::move(ticket)),
      via_proxy_(access::is_trusted(ticket_.client(), server.options().trusted_proxies)),
      peer_(ticket_.client()),
      parser_(limits_for(server.options())),
      watcher_(std::move(watcher)) {
    ++(site_ == Site::admin ? server_.metrics().admin_open : server_.metrics().http_open);
    // Over a limit (and not through a proxy, whose request may name someone
    // else): a moment to send the request that gets the 503 or 429, not the
    // idle timeout, so that silent sockets do not pile up.
    const bool over_limit = ticket_.verdict() != access::Admission::Verdict::admitted && !via_proxy_;
    arm(Wait::idle, over_limit ? over_limit_wait_ms : server_.options().idle_timeout_ms);
}

HttpSession::~HttpSession() {
    connection_.loop().timers().cancel(timer_);
    --(site_ == Site::admin ? server_.metrics().admin_open : server_.metrics().http_open);
}

// --trace: one line per TLS handshake, before the request it carries; kept
// for an inspector, should the connection become inspectable.
void HttpSession::on_secured(const tls::HandshakeSummary& summary) {
    tls_line_ = "tls " + tls::describe(summary);
    if (watcher_) watcher_->note(tls_line_);
}

void HttpSession::arm(Wait wait, int ms) {
    waiting_for_ = wait;
    connection_.loop().timers().arm(timer_, connection_.loop().now_ms() + ms);
}

// Idle between requests: close quietly. In the middle of a request: the
// client is too slow (or a slowloris): 408, then close.
void HttpSession::on_timer() {
    if (waiting_for_ == Wait::idle) {
        connection_.close_after_flush();
        return;
    }
    send_error(408, "the request did not arrive in time");
    log_access(nullptr);
}

std::size_t HttpSession::on_data(std::span<std::uint8_t> bytes) {
    std::string_view input = as_text(bytes);
    std::size_t used = 0;
    if (waiting_for_ == Wait::body)
        arm(Wait::body, server_.options().body_timeout_ms);  // progress resets it
    while (!sending_file_) {
        if (waiting_for_ == Wait::idle && used < input.size()) {
            arm(Wait::head, server_.options().header_timeout_ms);
            request_started_ms_ = connection_.loop().now_ms();
            status_ = 0;
            bytes_sent_ = 0;
        }

        http::ParseResult r = parser_.feed(input.substr(used));
        used += r.consumed;
        switch (r.event) {
        case http::ParseEvent::need_more:
            return input.size();
        case http::ParseEvent::error:
            send_error(parser_.error_status(), parser_.error_reason());
            log_access(nullptr);
            return input.size();
        case http::ParseEvent::head_complete:
            if (watcher_) watcher_->request(parser_.request());
            if (!admitted(parser_.request())) {
                log_access(&parser_.request());
                return input.size();
            }
            if (ws::wants_upgrade(parser_.request())) {
                // Whatever follows the head is WebSocket frames: the
                // connection passes it to the new handler.
                // (An upgrade is logged by upgrade(), before the ticket that
                // names the client goes to the WebSocket session.)
                const bool upgraded = upgrade(parser_.request());
                if (!upgraded) log_access(&parser_.request());
                return upgraded ? used : input.size();
            }
            if (parser_.expects_continue()) send_response("HTTP/1.1 100 Continue\r\n\r\n");
            arm(Wait::body, server_.options().body_timeout_ms);
            break;
        case http::ParseEvent::message_complete: {
            const bool go_on = respond(parser_.request());
            log_access(&parser_.request());
            if (!go_on) return input.size();
            parser_.reset();
            arm(Wait::idle, server_.options().idle_timeout_ms);
            break;
        }
        }
    }
    return used;  // the rest waits until the file is sent (on_drained)
}

void HttpSession::on_drained() {
    if (!sending_file_) return;
    sending_file_ = false;
    connection_.resume_input();
}

void HttpSession::wind_down() {
    // Between requests nothing is lost by closing now; otherwise the
    // response in progress will carry "Connection: close".
    if (waiting_for_ == Wait::idle && !sending_file_) connection_.close_after_flush();
}

void HttpSession::on_close() {
    connection_.loop().timers().cancel(timer_);
    if (watcher_) watcher_->closed("closed");
}

bool HttpSession::respond(const http::Request& request) {
    bool keep_alive = request.keep_alive() && !server_.shutting_down();
    if (site_ == Site::admin) {
        serve_admin(request, keep_alive);
    } else if (request.path == "/echo") {
        serve_echo(request, keep_alive);
    } else if (request.method == "GET" || request.method == "HEAD") {
        serve_file(request, keep_alive);
    } else {
        std::string out;
        std::vector<http::Header> fields = {{"Allow", "GET, HEAD"}};
        add_persistence_field(fields, request, keep_alive);
        http::append_simple_response(out, 405, "method not allowed\n", !keep_alive, false,
                                     connection_.loop().wall_time(), fields);
        send_response(out);
    }
    if (!keep_alive) connection_.close_after_flush();
    return keep_alive;
}

void HttpSession::serve_echo(const http::Request& request, bool keep_alive) {
    http::ResponseHead head;
    const std::string* type = request.find("Content-Type");
    head.headers.push_back({"Content-Type", type ? *type : "application/octet-stream"});
    head.content_length = request.body.size();
    head.close = !keep_alive;
    add_persistence_field(head.headers, request, keep_alive);
    std::string out;
    http::append_response_head(out, head, connection_.loop().wall_time());
    send_response(out);
    // The body joins the head in the same write, without a copy into `out`.
    if (request.method != "HEAD") {
        bytes_sent_ += request.body.size();
        connection_.send(request.body);
    }
}

// The admin listener's three paths (server/admin.cpp), GET and HEAD only.
void HttpSession::serve_admin(const http::Request& request, bool keep_alive) {
    std::string out;
    if (request.method != "GET" && request.method != "HEAD") {
        std::vector<http::Header> fields = {{"Allow", "GET, HEAD"}};
        add_persistence_field(fields, request, keep_alive);
        http::append_simple_response(out, 405, "method not allowed\n", !keep_alive, false,
                                     connection_.loop().wall_time(), fields);
        send_response(out);
        return;
    }
    const Server::AdminAnswer answer = server_.admin(request);
    http::ResponseHead head;
    head.status = answer.status;
    head.headers = {{"Content-Type", std::string(answer.content_type)}, {"Cache-Control", "no-store"}};
    add_persistence_field(head.headers, request, keep_alive);
    head.content_length = answer.body.size();
    head.close = !keep_alive;
    http::append_response_head(out, head, connection_.loop().wall_time());
    if (request.method == "GET") out += answer.body;
    send_response(out);
}

void HttpSession::serve_file(const http::Request& request, bool keep_alive) {
    http::FileResponse file = server_.static_files().open(request);
    std::string out;
    bool head_only = request.method == "HEAD";
    if (file.status != 200 && file.status != 304) {  // 403 or 404, as StaticFiles found
        std::vector<http::Header> fields;
        add_persistence_field(fields, request, keep_alive);
        http::append_simple_response(out, file.status, file.status == 403 ? "forbidden\n" : "not found\n",
                                     !keep_alive, head_only, connection_.loop().wall_time(), fields);
        send_response(out);
        return;
    }
    http::ResponseHead head;
    head.status = file.status;
    head.headers = std::move(file.headers);
    add_persistence_field(head.headers, request, keep_alive);
    head.content_length = file.size;
    head.close = !keep_alive;
    http::append_response_head(out, head, connection_.loop().wall_time());
    send_response(out);
    if (file.fd < 0) return;
    if (head_only || file.status != 200 || file.size == 0) {
        ::close(file.fd);
        return;
    }
    bytes_sent_ += file.size;
    connection_.send_file(file.fd, file.size);
    sending_file_ = true;
}

bool HttpSession::admitted(const http::Request& request) {
    if (via_proxy_) ticket_.forwarded_for(access::client_address(peer_, request, server_.options().trusted_proxies));
    const access::Admission::Verdict verdict = ticket_.verdict();
    if (verdict == access::Admission::Verdict::admitted) return true;
    // Connections already in finish their work and leave: room comes soon.
    static const http::Header retry_soon[] = {{"Retry-After", "5"}};
    if (verdict == access::Admission::Verdict::server_full) {
        ++server_.metrics().over_limit[0];
        send_error(503, "the server is full: try again shortly", retry_soon);
    } else {
        ++server_.metrics().over_limit[1];
        send_error(429, "too many connections from your address: close some, or try again shortly", retry_soon);
    }
    return false;
}

std::string_view HttpSession::scheme(const http::Request& request) const {
    if (connection_.secured()) return "https";
    if (via_proxy_)
        if (const std::string* proto = request.find("X-Forwarded-Proto"); proto && http::iequals(*proto, "https"))
            return "https";
    return "http";
}

// The checks, cheapest and most abusable first: the handshake rate (before
// anything else, so that a flood of bad handshakes is metered too), the
// handshake itself, the page's origin, then what the endpoint asks (the
// chat: a token, its store, its query).
bool HttpSession::upgrade(const http::Request& request) {
    auto route = site_ == Site::public_port ? server_.websocket_route(request.path) : std::nullopt;
    if (!route) {
        refuse_upgrade(Refusal::no_endpoint, 404, "no WebSocket endpoint here");
        return false;
    }
    if (const std::optional<int> wait = ticket_.take_handshake(connection_.loop().now_ms())) {
        const http::Header retry_after[] = {{"Retry-After", std::to_string(*wait)}};
        refuse_upgrade(Refusal::rate_limited, 429, "too many WebSocket handshakes from your address: wait a little",
                       retry_after);
        return false;
    }
    ws::HandshakeDecision decision = ws::decide_handshake(request, route->handshake);
    if (decision.status != 101) {
        const Refusal why = decision.status == 426 ? Refusal::version : Refusal::malformed;
        refuse_upgrade(why, decision.status, decision.reason, decision.headers);
        return false;
    }
    if (!server_.options().origins.admits(request, scheme(request))) {
        refuse_upgrade(Refusal::origin, 403, "pages of this origin may not open WebSockets here");
        return false;
    }
    if (const WsService::Refusal refusal = route->context.service.admit(request); refusal.status != 0) {
        const Refusal why = refusal.status == 503   ? Refusal::unavailable
                            : refusal.status == 401 ? Refusal::unauthorized
                                                    : Refusal::bad_query;
        refuse_upgrade(why, refusal.status, refusal.reason, refusal.headers);
        return false;
    }
    ++server_.metrics().handshakes_accepted[std::size_t(route->context.kind)];
    // A chat connection that asks to be inspectable is watched from here on,
    // its upgrade request included (server/inspection.h).
    std::string inspect_token;
    if (route->context.kind == Endpoint::chat && server_.options().inspect && asks_to_be_inspected(request)) {
        std::unique_ptr<Inspection> inspection = server_.inspect().open(ticket_.client());
        if (!tls_line_.empty()) inspection->note(tls_line_);
        inspection->request(request);
        inspect_token = inspection->token();
        watcher_ = trace::both(std::move(watcher_), std::move(inspection));
    }
    std::string out;
    http::ResponseHead head;
    head.status = 101;
    head.headers = std::move(decision.headers);
    http::append_response_head(out, head, connection_.loop().wall_time());
    if (watcher_) watcher_->accept(*request.find("Sec-WebSocket-Key"));
    send_response(out);
    connection_.loop().timers().cancel(timer_);
    log_access(&request);
    // From here on this session is only waiting to be destroyed.
    connection_.set_handler(std::make_unique<WsSession>(connection_, route->context, request, std::move(ticket_),
                                                        server_.compression(decision.deflate), std::move(watcher_),
                                                        inspect_token));
    return true;
}

void HttpSession::refuse_upgrade(Refusal why, int status, std::string_view reason,
                                 std::span<const http::Header> extra) {
    ++server_.metrics().handshakes_refused[std::size_t(why)];
    send_error(status, reason, extra);
}

// Every response leaves through here, so that a trace sees each head, and
// the metrics each status ("HTTP/1.1 200 ...": the status is at 9).
void HttpSession::send_response(std::string_view out) {
    if (watcher_) watcher_->head(trace::Direction::sent, out);
    int status = 0;
    if (out.size() >= 12) std::from_chars(out.data() + 9, out.data() + 12, status);
    if (status >= 100 && status < 600) ++server_.metrics().responses[std::size_t(status)];
    if (status >= 101) status_ = status;  // (not a 100 Continue)
    bytes_sent_ += out.size();
    connection_.send(out);
}

void HttpSession::log_access(const http::Request* request) {
    if (!server_.options().access_log) return;
    const std::int64_t took = connection_.loop().now_ms() - request_started_ms_;
    ops::log(ops::Level::info, "access",
             {{"peer", client_name()},
              {"method", request ? std::string_view(request->method) : std::string_view("-")},
              {"path", request ? std::string_view(request->path) : std::string_view("-")},
              {"status", status_},
              {"bytes", bytes_sent_},
              {"ms", took}});
}

std::string HttpSession::client_name() const {
    return ticket_.forwarded() ? access::to_string(ticket_.client()) : connection_.peer_name();
}

void HttpSession::send_error(int status, std::string_view reason,
                             std::span<const http::Header> extra) {
    std::string out;
    std::string body(reason);
    body += '\n';
    http::append_simple_response(out, status, body, true, false, connection_.loop().wall_time(),
                                 extra);
    send_response(out);
    connection_.close_after_flush();
}

}  // namespace wirechat::server
