// A connection after its 101: bytes go to a server-role ws::Endpoint, whole
// messages go to a WsService, and the endpoint's output goes to the socket.
//
// Also the WebSocket timers: keepalive pings for silent peers, and the wait
// for the peer's close after we sent ours.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "access/admission.h"
#include "net/block_pool.h"
#include "net/connection.h"
#include "server/metrics.h"
#include "server/options.h"
#include "server/ws_service.h"
#include "trace/tracer.h"
#include "ws/endpoint.h"

namespace wirechat::server {

// Pooled: every open WebSocket keeps one, so it comes from a BlockPool
// (see net/block_pool.h).
class WsSession final : public net::ProtocolHandler,
                        public net::Pooled<WsSession>,
                        private ws::EndpointHandler,
                        private ws::ByteSink {
public:
    // `compression`: permessage-deflate as the handshake agreed it, if at
    // all. `tracer` (null unless --trace) sees every byte read and written.
    // `request`: the upgrade request, handed to the service. `endpoint`
    // says which one it is, for the metrics. `ticket`: the connection as
    // the admission limits count it, for as long as it is open.
    WsSession(net::Connection& connection, WsService& service, const Options& options,
              ServerMetrics& metrics, Endpoint endpoint, const http::Request& request,
              access::Admission::Ticket ticket, std::optional<ws::EndpointCompression> compression = std::nullopt,
              std::unique_ptr<trace::Tracer> tracer = nullptr);
    ~WsSession() override;

    void send(ws::Opcode op, std::span<const std::uint8_t> payload) {
        if (endpoint_.can_send()) ++traffic().messages_sent;
        endpoint_.send(op, payload);
    }
    void send_text(std::string_view text) {
        if (endpoint_.can_send()) ++traffic().messages_sent;
        endpoint_.send_text(text);
    }
    // An already framed message shared with other sessions (a broadcast).
    void send_framed(const net::SharedBytes& frame);
    // Start the closing handshake; the peer gets close_timeout_ms to answer.
    void close(std::uint16_t code, std::string_view reason);
    // What compresses this session's messages (shared, keeping no context),
    // or nullptr without compression.
    ws::Deflater* compressor() const { return endpoint_.compressor(); }
    std::size_t pending_output() const { return connection_.pending_output(); }
    void write_now() { connection_.write_now(); }

    // For services that keep per-session state (the chat's client id).
    std::uint64_t tag = 0;

    // ProtocolHandler
    std::size_t on_data(std::span<std::uint8_t> bytes) override;
    void on_peer_closed() override;
    void wind_down() override;
    void on_close() override;

private:
    // ws::EndpointHandler
    void on_message(ws::Opcode op, std::span<const std::uint8_t> payload) override;
    void on_closed(std::uint16_t code, std::string_view reason, bool clean) override;
    void on_frame_received(ws::Opcode op) override { ++metrics_.frames_received[std::size_t(op) & 15]; }
    void on_frame_sent(ws::Opcode op) override { ++metrics_.frames_sent[std::size_t(op) & 15]; }
    // ws::ByteSink
    void write(std::span<const std::uint8_t> bytes) override {
        if (tracer_) tracer_->sent(bytes);
        traffic().bytes_sent += bytes.size();
        connection_.send(bytes);
    }
    ServerMetrics::Traffic& traffic() { return metrics_.traffic[std::size_t(endpoint_kind_)]; }
    // The WebSocket ended: counted once, by code and by who closed.
    void count_close(std::uint16_t code, bool by_server);

    void on_timer();
    void finish();
    void tell_service_closed();

    WsService& service_;
    const Options& options_;
    ServerMetrics& metrics_;
    Endpoint endpoint_kind_;
    access::Admission::Ticket ticket_;
    bool we_closed_ = false;      // our close frame went first
    bool close_counted_ = false;
    std::unique_ptr<trace::Tracer> tracer_;
    ws::Endpoint endpoint_;
    net::Timer timer_{[this] { on_timer(); }};
    std::int64_t last_heard_ms_;
    bool ping_outstanding_ = false;
    bool service_told_ = false;
};

}  // namespace wirechat::server
