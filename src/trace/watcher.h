// Whoever watches a connection's wire: the --trace printer (trace::Tracer),
// a browser's inspector (server/inspection.h), or both at once.
//
// The transport hands a watcher the bytes it reads before the endpoint sees
// them (the endpoint unmasks in place) and the bytes it writes. Code that
// watches holds a pointer that is null when nobody watches, so the cost of
// an unwatched connection is that one pointer test.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "http/request.h"
#include "trace/style.h"
#include "ws/frame.h"

namespace wirechat::trace {

class Watcher {
public:
    virtual ~Watcher() = default;

    // A line about the connection itself ("connected from ...", TLS).
    virtual void note(std::string_view text) = 0;
    // An HTTP head as it crossed the wire: the text up to the blank line.
    virtual void head(Direction direction, std::string_view raw) = 0;
    // A request head the server has parsed, written back in wire form.
    virtual void request(const http::Request& request) = 0;
    // How the Sec-WebSocket-Accept value follows from the key.
    virtual void accept(std::string_view key) = 0;
    // WebSocket bytes, as read from or written to the socket.
    virtual void received(std::span<const std::uint8_t> bytes) = 0;
    virtual void sent(std::span<const std::uint8_t> bytes) = 0;
    // With permessage-deflate agreed: a whole message, as the application
    // sent or received it, uncompressed (its frames show what crossed the
    // wire, compressed or not).
    virtual void message(Direction direction, std::size_t size) {}
    // The endpoint's verdict: the closing handshake finished (clean), or it
    // failed the connection for a protocol violation described by `reason`.
    virtual void websocket_closed(std::uint16_t code, std::string_view reason, bool clean) = 0;
    // The connection ended.
    virtual void closed(std::string_view how) = 0;
};

// A request head the server has parsed, written back in wire form (the
// parser keeps fields, not bytes), ending with the blank line.
std::string request_head(const http::Request& request);

// Two watchers of one connection (--trace, and an inspector).
std::unique_ptr<Watcher> both(std::unique_ptr<Watcher> first, std::unique_ptr<Watcher> second);

}  // namespace wirechat::trace
