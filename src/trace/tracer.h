// The trace of one connection: HTTP heads, the accept computation, then the
// frames in both directions, each as a line "#<id> <- ..." (received) or
// "#<id> -> ..." (sent), written to a Sink.
//
// The transport hands it the bytes it reads before the endpoint sees them
// (the endpoint unmasks in place) and the bytes it writes. Code that traces
// holds a Tracer pointer that is null when tracing is off, so the cost of a
// disabled trace is that one pointer test.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "http/request.h"
#include "trace/frame_tap.h"
#include "trace/sink.h"
#include "trace/style.h"

namespace wirechat::trace {

class Tracer {
public:
    Tracer(Sink& sink, Style style, std::uint64_t connection_id);

    // A line about the connection itself ("connected from ...", "closed").
    void note(std::string_view text);
    // An HTTP head as it crossed the wire: the text up to the blank line
    // (anything after it is ignored), one trace line per head line.
    void head(Direction direction, std::string_view raw);
    // A request head the server has parsed, written back in wire form.
    void request(const http::Request& request);
    // How the Sec-WebSocket-Accept value follows from the key.
    void accept(std::string_view key);
    // WebSocket bytes, as read from or written to the socket.
    void received(std::span<const std::uint8_t> bytes) { follow(received_, Direction::received, bytes); }
    void sent(std::span<const std::uint8_t> bytes) { follow(sent_, Direction::sent, bytes); }
    // The endpoint's verdict: the closing handshake finished (clean), or it
    // failed the connection for a protocol violation described by `reason`.
    void websocket_closed(std::uint16_t code, std::string_view reason, bool clean);
    // The connection ended: report a frame cut short, then "closed".
    void closed(std::string_view how);

private:
    void follow(FrameTap& tap, Direction direction, std::span<const std::uint8_t> bytes);
    void print_frame(const FrameTap& tap, Direction direction, std::string_view suffix);
    void emit(Direction direction, std::string_view colour, std::string_view text);
    void emit_note(std::string_view colour, std::string_view text);

    Sink& sink_;
    Style style_;
    std::string prefix_;  // "#12 "
    FrameTap received_;
    FrameTap sent_;
    std::string line_;  // reused for every line
};

}  // namespace wirechat::trace
