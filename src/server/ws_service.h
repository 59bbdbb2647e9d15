// What runs on top of a WebSocket: the chat at "/", the echo at "/echo".
#pragma once

#include <cstdint>
#include <span>

#include "ws/frame.h"

namespace wirechat::server {

class WsSession;

class WsService {
public:
    virtual void opened(WsSession& session) {}
    virtual void message(WsSession& session, ws::Opcode op, std::span<const std::uint8_t> payload) = 0;
    virtual void closed(WsSession& session) {}

protected:
    ~WsService() = default;
};

// Sends every message back unchanged, text or binary: for conformance
// suites, benchmarks, and anyone studying frames.
class EchoService final : public WsService {
public:
    void message(WsSession& session, ws::Opcode op, std::span<const std::uint8_t> payload) override;
};

}  // namespace wirechat::server
