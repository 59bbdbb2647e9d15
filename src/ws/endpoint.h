// One side of a WebSocket connection (RFC 6455 5-7), as a sans-I/O state
// machine: the transport feeds it the bytes it reads, and its EndpointHandler
// is given the frames to write and told of messages and of the end of the
// connection. It owns no socket and no clock, so every rule can be unit
// tested byte by byte.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "ws/close_code.h"
#include "ws/deflate.h"
#include "ws/frame.h"
#include "ws/frame_parser.h"
#include "ws/mask_key_pool.h"
#include "ws/utf8.h"

namespace wirechat::ws {

// What an endpoint writes and reports goes to one object, so that the
// endpoint keeps one reference to it, and a session that is both the sink
// and the listener has one vtable pointer for the two (every connection
// pays for each). The callbacks must not call feed() or destroy the
// Endpoint; they may send, ping and close.
class EndpointHandler {
public:
    // Bytes for the wire (the connection's output queue). One frame may
    // arrive in several writes; the bytes must be copied, as the span is
    // only valid during the call.
    virtual void write(std::span<const std::uint8_t> bytes) = 0;
    // A whole message (reassembled from fragments), text already validated as
    // UTF-8. The span is valid only during the call. `op` is text or binary.
    virtual void on_message(Opcode op, std::span<const std::uint8_t> payload) = 0;
    // The pong has already been queued.
    virtual void on_ping(std::span<const std::uint8_t> payload) {}
    virtual void on_pong(std::span<const std::uint8_t> payload) {}
    // Every frame header read from the peer, and every frame written by
    // the endpoint: for counting (metrics). Nothing may be done from here.
    virtual void on_frame_received(Opcode op) {}
    virtual void on_frame_sent(Opcode op) {}
    // The WebSocket is finished: after the peer's close was answered
    // (clean = true, code and reason as the peer sent them, 1005 if it sent no
    // code), after our close was answered (clean = true, our code and reason),
    // or after a protocol violation, where we sent a close with `code` and
    // `reason` says what was wrong (clean = false). The transport should flush
    // what is queued and then close TCP.
    virtual void on_closed(std::uint16_t code, std::string_view reason, bool clean) = 0;

protected:
    ~EndpointHandler() = default;
};

// permessage-deflate (RFC 7692) as the handshake agreed it.
struct EndpointCompression {
    // Compresses what we send; not owned. A Deflater that keeps no context
    // may be shared by many endpoints (SharedDeflaters).
    Deflater* deflater = nullptr;
    // How the peer compresses: our inflater needs 2^peer_window_bits bytes
    // of history, kept between messages if the peer keeps its context.
    int peer_window_bits = 15;
    bool peer_keeps_context = true;
};

struct EndpointOptions {
    // Reassembled message size, after inflation for a compressed message;
    // larger -> close 1009.
    std::size_t max_message = 1024 * 1024;
};

class Endpoint {
public:
    // `compression` is what the handshake agreed, if anything; without it
    // RSV1 is a protocol error.
    Endpoint(Role role, EndpointOptions options, EndpointHandler& handler,
             std::optional<EndpointCompression> compression = std::nullopt);
    Endpoint(const Endpoint&) = delete;
    Endpoint& operator=(const Endpoint&) = delete;

    // Feed bytes from the wire. All of them are consumed; a partial header or
    // payload is kept inside. In the server role payloads are unmasked IN
    // PLACE (the span is the connection's read buffer). Bytes arriving after
    // the connection is closed are ignored.
    void feed(std::span<std::uint8_t> bytes);

    // One whole message in one frame. `op` must be text or binary (else
    // std::invalid_argument). Ignored unless can_send(). Text is sent as
    // given: the caller guarantees it is UTF-8. With compression, compressed
    // when the Deflater finds it worth it.
    void send(Opcode op, std::span<const std::uint8_t> payload);
    void send_text(std::string_view text);
    // At most 125 bytes (else std::invalid_argument). Ignored unless can_send().
    void ping(std::span<const std::uint8_t> payload = {});
    // Start the closing handshake. `code` must satisfy is_valid_close_code()
    // (else std::invalid_argument); a reason longer than 123 bytes is cut at a
    // character boundary. Ignored unless can_send().
    void close(std::uint16_t code, std::string_view reason = {});

    enum class State : std::uint8_t {
        open,
        closing,  // we sent a close and wait for the peer's
        closed,
    };
    State state() const { return state_; }
    bool can_send() const { return state_ == State::open; }
    // What compresses our messages, or nullptr without compression.
    Deflater* compressor() const { return deflater_; }

private:
    // What is being read: the frame under way and the data message it belongs
    // to. Between frames with no message open none of it carries information,
    // and that is where an idle connection sits; so it is not kept in the
    // endpoint but on feed()'s stack, and parked in Seldom only when a feed
    // ends inside a frame or a fragmented message.
    struct Reading {
        FrameParser parser;
        FrameHeader frame;
        std::uint64_t payload_received = 0;
        std::size_t message_size = 0;  // announced by the message's frames so far
        bool in_payload = false;
        bool discard = false;  // skip this frame's payload: we are closing
        // The data message being read, possibly over several frames.
        bool message_open = false;
        Opcode message_opcode = Opcode::binary;
        bool message_compressed = false;  // RSV1 on its first frame
        Utf8Validator utf8;

        // Inside a frame (from its first header byte) or a message.
        bool under_way() const { return parser.started() || message_open; }
    };

    void read(Reading& r, std::span<std::uint8_t> bytes);
    void start_frame(Reading& r);
    void take_payload(Reading& r, std::span<std::uint8_t> chunk);
    void inflate_payload(Reading& r, std::span<const std::uint8_t> chunk, bool frame_done);
    void end_frame(Reading& r);
    void complete_message(Reading& r, std::span<const std::uint8_t> payload);
    void control_frame(Reading& r, std::span<const std::uint8_t> payload);
    void peer_closed(std::span<const std::uint8_t> payload);
    void fail(std::uint16_t code, std::string_view why);
    void write_close(std::uint16_t code, std::string_view reason);
    void write_frame(Opcode op, std::span<const std::uint8_t> payload, std::uint8_t rsv = 0);

    // The small fields first, side by side: every connection has an
    // endpoint, so padding here is paid per connection.
    Role role_;
    State state_ = State::open;
    // permessage-deflate as agreed: the inflater is made with the first
    // compressed message. 0: not agreed, RSV1 is a protocol error.
    std::uint8_t peer_window_bits_ = 0;
    bool peer_keeps_context_ = false;

    EndpointOptions options_;
    EndpointHandler& handler_;

    // Without compression, nullptr; not owned.
    Deflater* deflater_ = nullptr;

    // What most connections never need: allocated on first use, so that an
    // idle endpoint stays small.
    struct Seldom {
        // Holds a message only when it is fragmented or split across feeds,
        // or compressed (it receives the inflated bytes).
        std::vector<std::uint8_t> message;
        // With compression only.
        std::optional<Inflater> inflater;
        // A control frame split across feeds (it cannot exceed 125 bytes).
        std::array<std::uint8_t, max_control_payload> control;
        // What our close said, to report it when the peer answers.
        std::uint16_t sent_close_code = 0;
        std::uint8_t sent_close_reason_size = 0;
        std::array<char, max_close_reason> sent_close_reason;
        MaskKeyPool mask_keys;  // client role only
        // What a feed left inside a frame or message. Seldom is never freed,
        // so a peer whose frames keep arriving split costs one allocation,
        // not one per frame.
        Reading reading;
    };
    Seldom& seldom();
    std::unique_ptr<Seldom> seldom_;
};

}  // namespace wirechat::ws
