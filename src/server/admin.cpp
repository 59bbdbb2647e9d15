// The admin listener's answers (--admin HOST:PORT): /metrics, /healthz,
// /readyz. Everything here runs when scraped; what it reports was counted
// on the way by plain integers (server/metrics.h, app::ChatStats, the Redis
// link's histogram, ws::Deflater's byte counts).
#include <string>

#include "net/connection.h"
#include "ops/exposition.h"
#include "ops/process_stats.h"
#include "server/server.h"
#include "ws/frame.h"

namespace wirechat::server {

namespace {

constexpr std::string_view text_plain = "text/plain; charset=utf-8";

std::string_view opcode_name(std::size_t opcode) {
    switch (ws::Opcode(opcode)) {
    case ws::Opcode::continuation: return "continuation";
    case ws::Opcode::text: return "text";
    case ws::Opcode::binary: return "binary";
    case ws::Opcode::close: return "close";
    case ws::Opcode::ping: return "ping";
    case ws::Opcode::pong: return "pong";
    }
    return {};  // reserved: never read (a protocol error) nor written
}

}  // namespace

Server::AdminAnswer Server::admin(const http::Request& request) {
    if (request.path == "/metrics") return {200, ops::Exposition::content_type, metrics_text()};
    // Answered at all: the loop runs.
    if (request.path == "/healthz") return {200, text_plain, "ok\n"};
    if (request.path == "/readyz") {
        const std::string_view why = not_ready();
        if (why.empty()) return {200, text_plain, "ready\n"};
        return {503, text_plain, std::string(why) + "\n"};
    }
    return {404, text_plain, "not found: /metrics, /healthz and /readyz are here\n"};
}

std::string_view Server::not_ready() {
    if (shutting_down_) return "shutting down";
    if (!chat_.available()) return "the chat's store (Redis) is out of reach";
    return {};
}

// The tick is over: its writes are done. A chat message written out in it
// arrived in it (from its sender, or from Redis): from the tick's wake to
// here is its broadcast's latency, to its last recipient's write.
void Server::tick_done(std::int64_t woke_ns, std::int64_t written_ns) {
    const double seconds = double(written_ns - woke_ns) / 1e9;
    metrics_.tick_seconds.observe(seconds);
    for (; metrics_.broadcasts_this_tick > 0; --metrics_.broadcasts_this_tick)
        metrics_.broadcast_seconds.observe(seconds);
}

std::string Server::metrics_text() {
    ops::Exposition out;
    const ServerMetrics& m = metrics_;

    out.family("wirechat_connections", "gauge", "Connections open, by kind.");
    out.sample("wirechat_connections", m.http_open, {{"kind", "http"}});
    out.sample("wirechat_connections", m.admin_open, {{"kind", "admin"}});
    for (std::size_t e = 0; e < endpoint_count; ++e) {
        const std::string kind = "websocket_" + std::string(endpoint_name(Endpoint(e)));
        out.sample("wirechat_connections", m.websockets_open[e], {{"kind", kind}});
    }
    out.family("wirechat_connections_accepted_total", "counter", "Connections accepted.");
    out.sample("wirechat_connections_accepted_total", m.accepted);
    out.family("wirechat_connections_shed_total", "counter",
               "Connections closed at once because the process was out of descriptors (EMFILE).");
    out.sample("wirechat_connections_shed_total", listener_.shed());
    out.family("wirechat_connections_over_limit_total", "counter",
               "Connections that came in over a limit, answered 503 (server_full: --max-connections) or 429 "
               "(address_full: --max-connections-per-ip) and closed.");
    out.sample("wirechat_connections_over_limit_total", m.over_limit[0], {{"limit", "server_full"}});
    out.sample("wirechat_connections_over_limit_total", m.over_limit[1], {{"limit", "address_full"}});
    out.family("wirechat_client_addresses", "gauge",
               "Client addresses (IPv4, or IPv6 /64) the per-address limits remember now.");
    out.sample("wirechat_client_addresses", std::uint64_t(admission_.addresses()));

    out.family("wirechat_http_responses_total", "counter", "HTTP responses, by status code.");
    for (std::size_t status = 100; status < m.responses.size(); ++status)
        if (m.responses[status] > 0)
            out.sample("wirechat_http_responses_total", m.responses[status], {{"code", std::to_string(status)}});

    out.family("wirechat_websocket_handshakes_total", "counter",
               "WebSocket upgrades: accepted, by endpoint, or refused, by reason.");
    for (std::size_t e = 0; e < endpoint_count; ++e)
        out.sample("wirechat_websocket_handshakes_total", m.handshakes_accepted[e],
                   {{"result", "accepted"}, {"endpoint", endpoint_name(Endpoint(e))}});
    for (std::size_t r = 0; r < refusal_count; ++r)
        out.sample("wirechat_websocket_handshakes_total", m.handshakes_refused[r],
                   {{"result", "refused"}, {"reason", refusal_name(Refusal(r))}});

    struct TrafficFamily {
        const char* name;
        const char* help;
        std::uint64_t ServerMetrics::Traffic::*field;
    };
    for (const TrafficFamily& family :
         {TrafficFamily{"wirechat_websocket_messages_received_total", "WebSocket messages received, by endpoint.",
                        &ServerMetrics::Traffic::messages_received},
          TrafficFamily{"wirechat_websocket_messages_sent_total", "WebSocket messages sent, by endpoint.",
                        &ServerMetrics::Traffic::messages_sent},
          TrafficFamily{"wirechat_websocket_received_bytes_total",
                        "Bytes read from WebSockets, frames as on the wire, by endpoint.",
                        &ServerMetrics::Traffic::bytes_received},
          TrafficFamily{"wirechat_websocket_sent_bytes_total",
                        "Bytes written to WebSockets, frames as on the wire, by endpoint.",
                        &ServerMetrics::Traffic::bytes_sent}}) {
        out.family(family.name, "counter", family.help);
        for (std::size_t e = 0; e < endpoint_count; ++e)
            out.sample(family.name, m.traffic[e].*family.field, {{"endpoint", endpoint_name(Endpoint(e))}});
    }

    for (const auto& [name, help, counts] :
         {std::tuple{"wirechat_websocket_frames_received_total", "WebSocket frames received, by opcode.",
                     &m.frames_received},
          std::tuple{"wirechat_websocket_frames_sent_total", "WebSocket frames sent, by opcode.", &m.frames_sent}}) {
        out.family(name, "counter", help);
        for (std::size_t op = 0; op < counts->size(); ++op)
            if (!opcode_name(op).empty()) out.sample(name, (*counts)[op], {{"opcode", opcode_name(op)}});
    }

    out.family("wirechat_websocket_closes_total", "counter",
               "WebSockets ended, by close code (1006: no closing handshake) and by who closed.");
    for (const auto& [key, count] : m.closes)
        out.sample("wirechat_websocket_closes_total", count,
                   {{"code", std::to_string(key.first)}, {"side", key.second ? "server" : "client"}});

    const app::Chat& chat = chat_.chat();
    out.family("wirechat_chat_rooms", "gauge", "Chat rooms with members on this node.");
    out.sample("wirechat_chat_rooms", std::uint64_t(chat.room_count()));
    out.family("wirechat_chat_members", "gauge", "Chat clients on this node.");
    out.sample("wirechat_chat_members", std::uint64_t(chat.client_count()));
    out.family("wirechat_chat_envelopes_total", "counter", "Chat envelopes received and read, by type.");
    for (std::size_t t = 0; t < app::request_type_count; ++t)
        out.sample("wirechat_chat_envelopes_total", chat.stats().envelopes[t],
                   {{"type", app::request_type_name(app::RequestType(t))}});
    out.family("wirechat_chat_errors_total", "counter",
               "Chat error envelopes sent, by code (rate_limited: envelopes refused by the rate limit).");
    for (std::size_t c = 0; c < app::error_code_count; ++c)
        out.sample("wirechat_chat_errors_total", chat.stats().errors[c],
                   {{"code", app::error_code_name(app::ErrorCode(c))}});
    out.family("wirechat_chat_too_slow_total", "counter",
               "Chat clients closed with 1008 because they did not read what was sent to them.");
    out.sample("wirechat_chat_too_slow_total", m.too_slow);

    std::uint64_t pending = 0;
    for (const net::Connection* c = connections_.front(); c; c = connections_.next(*c)) pending += c->pending_output();
    out.family("wirechat_output_pending_bytes", "gauge",
               "Output queued for connections and not yet taken by the kernel, over all connections.");
    out.sample("wirechat_output_pending_bytes", pending);
    out.family("wirechat_deflate_input_bytes_total", "counter",
               "Bytes of the messages sent compressed (permessage-deflate), before compression.");
    out.sample("wirechat_deflate_input_bytes_total", deflaters_.compressed_in());
    out.family("wirechat_deflate_output_bytes_total", "counter",
               "Bytes of the messages sent compressed, after compression (the ratio: output / input).");
    out.sample("wirechat_deflate_output_bytes_total", deflaters_.compressed_out());

    out.family("wirechat_redis_connected", "gauge",
               "1 while the chat's Redis serves this node, 0 while it is out of reach (absent without --redis).");
    if (redis_) {
        out.sample("wirechat_redis_connected", std::uint64_t(redis_->available() ? 1 : 0));
        out.family("wirechat_redis_reconnects_total", "counter", "Connections to Redis lost, and opened again.");
        out.sample("wirechat_redis_reconnects_total", redis_->reconnects());
        out.histogram("wirechat_redis_command_duration_seconds",
                      "From a command's write to Redis to its reply.", redis_->command_latency());
    }

    out.histogram("wirechat_loop_tick_duration_seconds",
                  "The event loop's ticks: from waking to the tick's writes done.", m.tick_seconds);
    out.histogram("wirechat_broadcast_latency_seconds",
                  "Chat messages: from the tick that read them (from the sender, or from Redis) to their "
                  "last recipient's write.",
                  m.broadcast_seconds);

    const ops::ProcessStats process = ops::read_process_stats();
    out.family("wirechat_process_cpu_seconds_total", "counter", "CPU time used, user and system.");
    out.sample("wirechat_process_cpu_seconds_total", process.cpu_seconds);
    out.family("wirechat_process_resident_memory_bytes", "gauge", "Resident memory.");
    out.sample("wirechat_process_resident_memory_bytes", process.resident_bytes);
    out.family("wirechat_process_open_fds", "gauge", "Open file descriptors.");
    out.sample("wirechat_process_open_fds", process.open_fds);
    out.family("wirechat_process_max_fds", "gauge", "The limit on open file descriptors.");
    out.sample("wirechat_process_max_fds", process.max_fds);
    out.family("wirechat_process_start_time_seconds", "gauge", "When the process started, since the Unix epoch.");
    out.sample("wirechat_process_start_time_seconds", process.start_time_seconds);
    return out.text();
}

}  // namespace wirechat::server
