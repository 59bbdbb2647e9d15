// The chat endpoint: plugs the sans-I/O app::Chat into WebSocket sessions.
//
// This is where a broadcast becomes bytes: the chat serializes an envelope
// once, and here it is framed once into a shared buffer that every
// recipient's output queue references, however many recipients there are
// (once more per window size in use when permessage-deflate is on).
//
// The chat's shared state lives in the engine it is given: in memory, or in
// Redis (app/engine.h).
#pragma once

#include <cstdint>
#include <memory>

#include "access/token.h"
#include "app/chat.h"
#include "app/engine.h"
#include "net/event_loop.h"
#include "server/metrics.h"
#include "server/options.h"
#include "server/session_table.h"
#include "server/ws_service.h"

namespace wirechat::server {

class ChatService final : public WsService, private app::Transport {
public:
    ChatService(net::EventLoop& loop, const Options& options, ServerMetrics& metrics,
                std::unique_ptr<app::Engine> engine);
    ~ChatService();

    Refusal admit(const http::Request& request) override;
    void opened(WsSession& session, const http::Request& request, std::string_view inspect_token) override;
    void message(WsSession& session, ws::Opcode op, std::span<const std::uint8_t> payload) override;
    void closed(WsSession& session) override;
    const app::Chat& chat() const { return chat_; }
    bool available() const { return engine_->available(); }
    // Every session is gone: let the engine say goodbye, then `done`.
    void shut_down(std::function<void()> done) { chat_.shut_down(std::move(done)); }

private:
    // app::Transport
    void send(app::ClientId to, std::string_view envelope) override;
    void broadcast(std::span<const app::ClientId> to, std::string_view envelope) override;
    void end(app::ClientId to, std::string_view reason, Ending why) override;
    std::optional<app::Identity> identity_of(access::TokenClaims& claims) const;

    bool too_slow(WsSession& session);
    void on_flush_timer();

    net::EventLoop& loop_;
    const Options& options_;
    ServerMetrics& metrics_;
    std::unique_ptr<app::Engine> engine_;
    app::Chat chat_;
    SessionTable sessions_;
    // With --auth-secret-file: the identity of the token admit() accepted,
    // for the opened() that follows it.
    std::optional<app::Identity> admitted_;
    net::Timer flush_timer_{[this] { on_flush_timer(); }};
};

// The chat's limits as the command line set them.
app::ChatOptions chat_options(const Options& options);

}  // namespace wirechat::server
