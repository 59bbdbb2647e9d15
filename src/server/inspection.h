// The wire, live in the browser: the server's view of one chat connection,
// streamed to an inspector (a second WebSocket, at /inspect, from the same
// page) as JSON events (trace/events.h).
//
// Only a chat connection that asks for it (?inspect=1 in its URL) is
// inspectable: it then gets an Inspection, which watches its wire like
// --trace does, and its welcome carries the inspect token, 128 random bits.
// An inspector that comes with that token, from the same client address,
// gets every event since the upgrade request, then each as it happens;
// anything else is closed with 4404 and told nothing. Connections that did
// not ask cost nothing: no Inspection, no event formatted.
//
// Bounded: the first kept_limit bytes of events are kept, for an inspector
// that comes later (or takes over from another: the full-page view); past
// them, events are only counted. An attached inspector is sent nothing more
// while backlog_limit bytes of its output are unsent. Either way, the
// inspector is told how many events it missed with a "skipped" event before
// the next one it gets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "access/ip.h"
#include "net/event_loop.h"
#include "server/ws_service.h"
#include "trace/frame_tap.h"
#include "trace/watcher.h"

namespace wirechat::server {

class InspectService;

class Inspection final : public trace::Watcher {
public:
    static constexpr std::size_t kept_limit = 256 * 1024;
    static constexpr std::size_t backlog_limit = 1024 * 1024;

    Inspection(InspectService& service, net::EventLoop& loop, const access::IpAddress& client, std::string token);
    ~Inspection() override;

    const std::string& token() const { return token_; }
    const access::IpAddress& client() const { return client_; }
    // An inspector came with the token: it is sent what was kept, then
    // every event. One at a time: a newer one takes over.
    void attach(WsSession& inspector);
    // The inspector went away.
    void detach(WsSession& inspector) {
        if (inspector_ == &inspector) inspector_ = nullptr;
    }

    // trace::Watcher
    void note(std::string_view text) override;
    void head(trace::Direction direction, std::string_view raw) override;
    void request(const http::Request& request) override;
    void accept(std::string_view key) override;
    void received(std::span<const std::uint8_t> bytes) override { follow(received_, trace::Direction::received, bytes); }
    void sent(std::span<const std::uint8_t> bytes) override { follow(sent_, trace::Direction::sent, bytes); }
    void message(trace::Direction direction, std::size_t size) override;
    void websocket_closed(std::uint16_t code, std::string_view reason, bool clean) override;
    void closed(std::string_view how) override;

private:
    void follow(trace::FrameTap& tap, trace::Direction direction, std::span<const std::uint8_t> bytes);
    void emit(std::string event);
    // Tells the inspector how many events it missed, once its output has
    // room again; until then, looks again shortly (the connection may have
    // gone quiet: no next event would tell it).
    void report_skipped();
    std::int64_t now() const { return loop_.wall_ms(); }

    InspectService& service_;
    net::EventLoop& loop_;
    access::IpAddress client_;
    std::string token_;
    trace::FrameTap received_;
    trace::FrameTap sent_;
    std::vector<std::string> kept_;  // the first events, for inspectors to come
    std::size_t kept_bytes_ = 0;
    std::uint64_t not_kept_ = 0;     // events past kept_limit
    std::uint64_t skipped_ = 0;      // missed by the inspector, not yet reported
    WsSession* inspector_ = nullptr;
    net::Timer report_timer_{[this] { report_skipped(); }};
};

// The /inspect endpoint, and the tokens of the inspectable connections.
class InspectService final : public WsService {
public:
    explicit InspectService(net::EventLoop& loop) : loop_(loop) {}

    // An inspectable connection from `client`, with a fresh token.
    std::unique_ptr<Inspection> open(const access::IpAddress& client);
    // The Inspection is going (its connection closed): its token is dead.
    void forget(Inspection& inspection);
    // The server is being destroyed: no inspection may reach an inspector.
    void detach_all();

    void opened(WsSession& session, const http::Request& request, std::string_view inspect_token) override;
    void message(WsSession& session, ws::Opcode op, std::span<const std::uint8_t> payload) override {}
    void closed(WsSession& session) override;

private:
    net::EventLoop& loop_;
    std::unordered_map<std::string, Inspection*> by_token_;
    std::unordered_map<WsSession*, Inspection*> by_inspector_;
};

}  // namespace wirechat::server
