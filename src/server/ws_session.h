// A connection after its 101: bytes go to a server-role ws::Endpoint, whole
// messages go to a WsService, and the endpoint's output goes to the socket.
//
// Also the WebSocket's timeouts: keepalive pings for silent peers, and the
// wait for the peer's close after we sent ours. They need no timer of their
// own: the server sweeps its connections every quarter of the shortest
// timeout, at most every second (on_sweep()), and a session keeps only a
// 32-bit time beside its flags, where a timer cost 32 bytes and a slot in
// the loop's timer heap.
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
#include "trace/watcher.h"
#include "ws/endpoint.h"

namespace wirechat::server {

// What every session of one endpoint shares. The server keeps one per
// endpoint, so that a session holds one reference instead of four.
struct WsEndpointContext {
    WsService& service;
    const Options& options;
    ServerMetrics& metrics;
    Endpoint kind;
};

// Pooled: every open WebSocket keeps one, so it comes from a BlockPool
// (see net/block_pool.h).
class WsSession final : public net::ProtocolHandler,
                        public net::Pooled<WsSession>,
                        private ws::EndpointHandler {
public:
    // `compression`: permessage-deflate as the handshake agreed it, if at
    // all. `watcher` (null unless --trace, or the connection is
    // inspectable: then `inspect_token` says with what) sees every byte
    // read and written.
    // `request`: the upgrade request, handed to the service. `ticket`: the connection as
    // the admission limits count it, for as long as it is open.
    WsSession(net::Connection& connection, const WsEndpointContext& context, const http::Request& request,
              access::Admission::Ticket ticket, std::optional<ws::EndpointCompression> compression = std::nullopt,
              std::unique_ptr<trace::Watcher> watcher = nullptr, std::string_view inspect_token = {});
    ~WsSession() override;

    void send(ws::Opcode op, std::span<const std::uint8_t> payload) {
        if (!endpoint_.can_send()) return;
        ++traffic().messages_sent;
        if (watcher_ && compressor()) watcher_->message(trace::Direction::sent, payload.size());
        endpoint_.send(op, payload);
    }
    void send_text(std::string_view text) {
        if (!endpoint_.can_send()) return;
        ++traffic().messages_sent;
        if (watcher_ && compressor()) watcher_->message(trace::Direction::sent, text.size());
        endpoint_.send_text(text);
    }
    // An already framed message shared with other sessions (a broadcast),
    // of `message_size` bytes before framing and compression.
    void send_framed(const net::SharedBytes& frame, std::size_t message_size);
    // Start the closing handshake; the peer gets close_timeout_ms to answer.
    void close(std::uint16_t code, std::string_view reason);
    // What compresses this session's messages (shared, keeping no context),
    // or nullptr without compression.
    ws::Deflater* compressor() const { return endpoint_.compressor(); }
    std::size_t pending_output() const { return connection_.pending_output(); }
    // The client's address, as the admission limits count it.
    const access::IpAddress& client() const { return ticket_.client(); }
    void write_now() { connection_.write_now(); }

    // For services that keep per-session state (the chat's client id).
    std::uint64_t tag = 0;

    // ProtocolHandler
    std::size_t on_data(std::span<std::uint8_t> bytes) override;
    void on_peer_closed() override;
    void wind_down() override;
    void on_sweep(std::int64_t now_ms) override;
    void on_close() override;

private:
    // ws::EndpointHandler
    void on_message(ws::Opcode op, std::span<const std::uint8_t> payload) override;
    void on_closed(std::uint16_t code, std::string_view reason, bool clean) override;
    void on_frame_received(ws::Opcode op) override { ++context_.metrics.frames_received[std::size_t(op) & 15]; }
    void on_frame_sent(ws::Opcode op) override { ++context_.metrics.frames_sent[std::size_t(op) & 15]; }
    void write(std::span<const std::uint8_t> bytes) override {
        if (watcher_) watcher_->sent(bytes);
        traffic().bytes_sent += bytes.size();
        connection_.send(bytes);
    }
    ServerMetrics::Traffic& traffic() { return context_.metrics.traffic[std::size_t(context_.kind)]; }
    // The WebSocket ended: counted once, by code and by who closed.
    void count_close(std::uint16_t code, bool by_server);

    void finish();
    void tell_service_closed();

    const WsEndpointContext& context_;
    access::Admission::Ticket ticket_;
    std::unique_ptr<trace::Watcher> watcher_;
    ws::Endpoint endpoint_;
    // Since when the peer has been silent, or since our ping or our close
    // went out, whichever came last: what on_sweep() measures from. In the
    // loop's milliseconds modulo 2^32, and so are the differences taken,
    // which is exact below 49 days: the sweep acts at most a second after
    // a timeout, and a timeout (an int of milliseconds) is under 25 days.
    std::uint32_t quiet_since_;
    bool ping_outstanding_ = false;
    bool we_closed_ = false;      // our close frame went first
    bool close_counted_ = false;
    bool service_told_ = false;
};

}  // namespace wirechat::server
