// What runs on top of a WebSocket: the chat at "/", the echo at "/echo".
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "http/request.h"
#include "ws/frame.h"

namespace wirechat::server {

class WsSession;

class WsService {
public:
    // Before the 101: a status (and its reason) to refuse the upgrade with,
    // or 0 to go on.
    struct Refusal {
        int status = 0;
        std::string_view reason;
        std::span<const http::Header> headers = {};
    };
    virtual Refusal admit(const http::Request& request) { return {}; }
    // After the 101; `request` is the upgrade request. `inspect_token`: the
    // connection is inspectable with it (server/inspection.h), or empty.
    virtual void opened(WsSession& session, const http::Request& request, std::string_view inspect_token) {}
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
