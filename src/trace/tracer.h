// The trace of one connection: HTTP heads, the accept computation, then the
// frames in both directions, each as a line "#<id> <- ..." (received) or
// "#<id> -> ..." (sent), written to a Sink.
//
// A Watcher (trace/watcher.h): the transport hands it the bytes it reads
// and writes, and null when tracing is off.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "http/request.h"
#include "trace/frame_tap.h"
#include "trace/sink.h"
#include "trace/style.h"
#include "trace/watcher.h"

namespace wirechat::trace {

class Tracer final : public Watcher {
public:
    Tracer(Sink& sink, Style style, std::uint64_t connection_id);

    // A line about the connection itself ("connected from ...", "closed").
    void note(std::string_view text) override;
    // An HTTP head as it crossed the wire: the text up to the blank line
    // (anything after it is ignored), one trace line per head line.
    void head(Direction direction, std::string_view raw) override;
    // A request head the server has parsed, written back in wire form.
    void request(const http::Request& request) override;
    // How the Sec-WebSocket-Accept value follows from the key.
    void accept(std::string_view key) override;
    // WebSocket bytes, as read from or written to the socket.
    void received(std::span<const std::uint8_t> bytes) override { follow(received_, Direction::received, bytes); }
    void sent(std::span<const std::uint8_t> bytes) override { follow(sent_, Direction::sent, bytes); }
    // The endpoint's verdict: the closing handshake finished (clean), or it
    // failed the connection for a protocol violation described by `reason`.
    void websocket_closed(std::uint16_t code, std::string_view reason, bool clean) override;
    // The connection ended: report a frame cut short, then "closed".
    void closed(std::string_view how) override;

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
