// The chat endpoint: plugs the sans-I/O app::Chat into WebSocket sessions.
//
// This is where a broadcast becomes bytes: the chat serializes an envelope
// once, and here it is framed once into a shared buffer that every
// recipient's output queue references, however many recipients there are
// (once more per window size in use when permessage-deflate is on).
#pragma once

#include <cstdint>
#include <unordered_map>

#include "app/chat.h"
#include "net/event_loop.h"
#include "server/options.h"
#include "server/ws_service.h"

namespace wirechat::server {

class ChatService final : public WsService, private app::Transport {
public:
    ChatService(net::EventLoop& loop, const Options& options);
    ~ChatService();

    void opened(WsSession& session) override;
    void message(WsSession& session, ws::Opcode op, std::span<const std::uint8_t> payload) override;
    void closed(WsSession& session) override;

private:
    // app::Transport
    void send(app::ClientId to, std::string_view envelope) override;
    void broadcast(std::span<const app::ClientId> to, std::string_view envelope) override;

    bool too_slow(WsSession& session);
    void on_flush_timer();

    net::EventLoop& loop_;
    const Options& options_;
    app::Chat chat_;
    std::unordered_map<app::ClientId, WsSession*> sessions_;
    app::ClientId next_id_ = 1;
    net::Timer flush_timer_{[this] { on_flush_timer(); }};
};

}  // namespace wirechat::server
