#include "server/ws_session.h"

#include "ops/log.h"

namespace wirechat::server {

WsSession::WsSession(net::Connection& connection, const WsEndpointContext& context, const http::Request& request,
                     access::Admission::Ticket ticket, std::optional<ws::EndpointCompression> compression,
                     std::unique_ptr<trace::Watcher> watcher, std::string_view inspect_token)
    : ProtocolHandler(connection),
      context_(context),
      ticket_(std::move(ticket)),
      watcher_(std::move(watcher)),
      endpoint_(ws::Role::server, ws::EndpointOptions{.max_message = context.options.max_message}, *this, compression),
      quiet_since_(std::uint32_t(connection.loop().now_ms())) {
    ++context_.metrics.websockets_open[std::size_t(context_.kind)];
    context_.service.opened(*this, request, inspect_token);
}

WsSession::~WsSession() { --context_.metrics.websockets_open[std::size_t(context_.kind)]; }

std::size_t WsSession::on_data(std::span<std::uint8_t> bytes) {
    traffic().bytes_received += bytes.size();
    // Once our close is out, what the peer sends does not extend its time
    // to answer it.
    if (endpoint_.can_send()) {
        quiet_since_ = std::uint32_t(connection_.loop().now_ms());
        ping_outstanding_ = false;
    }
    if (watcher_) watcher_->received(bytes);  // before feed(), which unmasks in place
    endpoint_.feed(bytes);
    return bytes.size();
}

void WsSession::on_message(ws::Opcode op, std::span<const std::uint8_t> payload) {
    ++traffic().messages_received;
    if (watcher_ && compressor()) watcher_->message(trace::Direction::received, payload.size());
    context_.service.message(*this, op, payload);
}

void WsSession::send_framed(const net::SharedBytes& frame, std::size_t message_size) {
    if (!endpoint_.can_send()) return;
    ServerMetrics::Traffic& counts = traffic();
    ++counts.messages_sent;
    counts.bytes_sent += frame->size();
    ++context_.metrics.frames_sent[std::size_t(ws::Opcode::text)];
    if (watcher_) {
        if (compressor()) watcher_->message(trace::Direction::sent, message_size);
        watcher_->sent({reinterpret_cast<const std::uint8_t*>(frame->data()), frame->size()});
    }
    connection_.send_shared(frame);
}

void WsSession::close(std::uint16_t code, std::string_view reason) {
    if (!endpoint_.can_send()) return;
    we_closed_ = true;
    endpoint_.close(code, reason);
    quiet_since_ = std::uint32_t(connection_.loop().now_ms());
}

// The WebSocket is over (closing handshake done, or failed with a close code
// we sent). RFC 6455 7.1.1: the server closes the TCP connection first.
void WsSession::on_closed(std::uint16_t code, std::string_view reason, bool clean) {
    if (watcher_) watcher_->websocket_closed(code, reason, clean);
    // Not clean: the peer broke the protocol and we closed with `code`.
    count_close(code, !clean || we_closed_);
    if (!clean) {
        ops::log(ops::Level::warn, "websocket_error",
                 {{"peer", ticket_.forwarded() ? access::to_string(ticket_.client()) : connection_.peer_name()},
                  {"endpoint", endpoint_name(context_.kind)},
                  {"code", unsigned(code)}, {"reason", reason}});
    }
    finish();
}

void WsSession::count_close(std::uint16_t code, bool by_server) {
    if (close_counted_) return;
    close_counted_ = true;
    ++context_.metrics.closes[{code, by_server}];
}

// The WebSocket is done: no more pings or close waits (the connection is
// closing, which the sweep passes over; its own timer bounds the flush and
// linger), and the service forgets the session.
void WsSession::finish() {
    tell_service_closed();
    connection_.close_after_flush();
}

// EOF without a closing handshake: the peer vanished (RFC 6455 code 1006).
void WsSession::on_peer_closed() {
    if (watcher_) watcher_->note("the peer closed TCP without a closing handshake (1006)");
    count_close(ws::close_code::abnormal, false);
    finish();
}

void WsSession::wind_down() { close(1001, "server shutting down"); }

void WsSession::on_close() {
    count_close(ws::close_code::abnormal, false);  // gone without a word (a reset, say)
    if (watcher_) watcher_->closed("closed");
    tell_service_closed();
}

void WsSession::tell_service_closed() {
    if (service_told_) return;
    service_told_ = true;
    context_.service.closed(*this);
}

void WsSession::on_sweep(std::int64_t now_ms) {
    const Options& options = context_.options;
    const std::int64_t quiet_ms = std::uint32_t(std::uint32_t(now_ms) - quiet_since_);
    if (!endpoint_.can_send()) {
        if (quiet_ms < options.close_timeout_ms) return;
        count_close(ws::close_code::abnormal, true);
        connection_.abort();  // our close went unanswered
        return;
    }
    if (ping_outstanding_) {
        if (quiet_ms < options.pong_timeout_ms) return;
        count_close(ws::close_code::abnormal, true);
        connection_.abort();  // silent through a whole ping: the peer is gone
        return;
    }
    if (quiet_ms < options.ping_interval_ms) return;
    endpoint_.ping();
    ping_outstanding_ = true;
    quiet_since_ = std::uint32_t(now_ms);
}

}  // namespace wirechat::server
