#include "server/ws_session.h"

#include "ops/log.h"

namespace wirechat::server {

WsSession::WsSession(net::Connection& connection, WsService& service, const Options& options,
                     ServerMetrics& metrics, Endpoint endpoint, const http::Request& request,
                     access::Admission::Ticket ticket, std::optional<ws::EndpointCompression> compression,
                     std::unique_ptr<trace::Tracer> tracer)
    : ProtocolHandler(connection),
      service_(service),
      options_(options),
      metrics_(metrics),
      endpoint_kind_(endpoint),
      ticket_(std::move(ticket)),
      tracer_(std::move(tracer)),
      endpoint_(ws::Role::server, ws::EndpointOptions{.max_message = options.max_message}, *this, *this,
                compression),
      last_heard_ms_(connection.loop().now_ms()) {
    // One timer serves both purposes. For keepalive it is not re-armed on
    // every message (that would be a heap operation per frame): when it
    // fires it looks at when the peer was last heard and sleeps again.
    connection_.loop().timers().arm(timer_, last_heard_ms_ + options_.ping_interval_ms);
    ++metrics_.websockets_open[std::size_t(endpoint_kind_)];
    service_.opened(*this, request);
}

WsSession::~WsSession() {
    connection_.loop().timers().cancel(timer_);
    --metrics_.websockets_open[std::size_t(endpoint_kind_)];
}

std::size_t WsSession::on_data(std::span<std::uint8_t> bytes) {
    traffic().bytes_received += bytes.size();
    last_heard_ms_ = connection_.loop().now_ms();
    ping_outstanding_ = false;
    if (tracer_) tracer_->received(bytes);  // before feed(), which unmasks in place
    endpoint_.feed(bytes);
    return bytes.size();
}

void WsSession::on_message(ws::Opcode op, std::span<const std::uint8_t> payload) {
    ++traffic().messages_received;
    service_.message(*this, op, payload);
}

void WsSession::send_framed(const net::SharedBytes& frame) {
    if (!endpoint_.can_send()) return;
    ServerMetrics::Traffic& counts = traffic();
    ++counts.messages_sent;
    counts.bytes_sent += frame->size();
    ++metrics_.frames_sent[std::size_t(ws::Opcode::text)];
    if (tracer_) tracer_->sent({reinterpret_cast<const std::uint8_t*>(frame->data()), frame->size()});
    connection_.send_shared(frame);
}

void WsSession::close(std::uint16_t code, std::string_view reason) {
    if (!endpoint_.can_send()) return;
    we_closed_ = true;
    endpoint_.close(code, reason);
    connection_.loop().timers().arm(timer_, connection_.loop().now_ms() + options_.close_timeout_ms);
}

// The WebSocket is over (closing handshake done, or failed with a close code
// we sent). RFC 6455 7.1.1: the server closes the TCP connection first.
void WsSession::on_closed(std::uint16_t code, std::string_view reason, bool clean) {
    if (tracer_) tracer_->websocket_closed(code, reason, clean);
    // Not clean: the peer broke the protocol and we closed with `code`.
    count_close(code, !clean || we_closed_);
    if (!clean) {
        ops::log(ops::Level::warn, "websocket_error",
                 {{"peer", ticket_.forwarded() ? access::to_string(ticket_.client()) : connection_.peer_name()},
                  {"endpoint", endpoint_name(endpoint_kind_)},
                  {"code", unsigned(code)}, {"reason", reason}});
    }
    finish();
}

void WsSession::count_close(std::uint16_t code, bool by_server) {
    if (close_counted_) return;
    close_counted_ = true;
    ++metrics_.closes[{code, by_server}];
}

// The WebSocket is done: no more pings or close waits (the connection's own
// timer bounds the flush and linger), and the service forgets the session.
void WsSession::finish() {
    connection_.loop().timers().cancel(timer_);
    tell_service_closed();
    connection_.close_after_flush();
}

// EOF without a closing handshake: the peer vanished (RFC 6455 code 1006).
void WsSession::on_peer_closed() {
    if (tracer_) tracer_->note("the peer closed TCP without a closing handshake (1006)");
    count_close(ws::close_code::abnormal, false);
    finish();
}

void WsSession::wind_down() { close(1001, "server shutting down"); }

void WsSession::on_close() {
    connection_.loop().timers().cancel(timer_);
    count_close(ws::close_code::abnormal, false);  // gone without a word (a reset, say)
    if (tracer_) tracer_->closed("closed");
    tell_service_closed();
}

void WsSession::tell_service_closed() {
    if (service_told_) return;
    service_told_ = true;
    service_.closed(*this);
}

void WsSession::on_timer() {
    std::int64_t now = connection_.loop().now_ms();
    if (endpoint_.state() != ws::Endpoint::State::open) {
        count_close(ws::close_code::abnormal, true);
        connection_.abort();  // our close went unanswered
        return;
    }
    if (ping_outstanding_) {
        count_close(ws::close_code::abnormal, true);
        connection_.abort();  // silent through a whole ping: the peer is gone
        return;
    }
    std::int64_t quiet_until = last_heard_ms_ + options_.ping_interval_ms;
    if (now < quiet_until) {
        connection_.loop().timers().arm(timer_, quiet_until);
        return;
    }
    endpoint_.ping();
    ping_outstanding_ = true;
    connection_.loop().timers().arm(timer_, now + options_.pong_timeout_ms);
}

}  // namespace wirechat::server
