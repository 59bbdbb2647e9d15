// The receiving side is a loop over "header, then payload" for each frame.
// The header is validated as soon as it is complete, so a violation (or an
// oversized message) is refused before its payload is read. A frame that is
// a whole message and lies wholly inside the fed bytes is unmasked in place
// and handed to the handler straight from those bytes; only fragmented or
// split messages are copied into the endpoint's buffer. A compressed message
// (permessage-deflate) is inflated into that buffer as its bytes arrive.
#include "ws/endpoint.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <stdexcept>

#include "ws/close_code.h"
#include "ws/frame_writer.h"
#include "ws/mask.h"

namespace wirechat::ws {

namespace {

// A reassembly buffer that grew beyond this for one big message is given back
// once the message is delivered, so idle connections stay small.
constexpr std::size_t retained_message_capacity = 64 * 1024;

// Client frames are masked through a stack buffer of this size, so that
// sending never allocates and the caller's payload is never modified.
constexpr std::size_t mask_chunk = 2048;

std::string_view as_chars(std::span<const std::uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// The longest prefix of `text` within `limit` bytes that does not end inside
// a UTF-8 sequence.
std::string_view truncate_utf8(std::string_view text, std::size_t limit) {
    if (text.size() <= limit) return text;
    std::size_t end = limit;
    while (end > 0 && (static_cast<std::uint8_t>(text[end]) & 0xC0) == 0x80) --end;
    return text.substr(0, end);
}

}  // namespace

// Every connection has an endpoint, busy or idle, so each byte here is paid
// per connection (issue 21: an idle WebSocket within 256 bytes of RSS). What
// only a busy one needs belongs in Reading or Seldom.
static_assert(sizeof(Endpoint) <= 40, "keep the endpoint of an idle connection small");

Endpoint::Endpoint(Role role, EndpointOptions options, EndpointHandler& handler,
                   std::optional<EndpointCompression> compression)
    : role_(role), options_(options), handler_(handler) {
    if (compression) {
        check_window_bits(compression->peer_window_bits);
        peer_window_bits_ = std::uint8_t(compression->peer_window_bits);
        peer_keeps_context_ = compression->peer_keeps_context;
        deflater_ = compression->deflater;
    }
}

Endpoint::Seldom& Endpoint::seldom() {
    if (!seldom_) seldom_ = std::make_unique<Seldom>();
    return *seldom_;
}

// A feed that continues a frame or message works on the parked Reading in
// place. Any other starts at a frame boundary, from a fresh Reading on the
// stack (so the common feed, holding whole frames, touches no heap), which is
// parked only if the feed ends inside a frame or message.
void Endpoint::feed(std::span<std::uint8_t> bytes) {
    if (seldom_ && seldom_->reading.under_way()) return read(seldom_->reading, bytes);
    Reading reading;
    read(reading, bytes);
    if (reading.under_way() && state_ != State::closed) seldom().reading = reading;
}

void Endpoint::read(Reading& r, std::span<std::uint8_t> bytes) {
    while (!bytes.empty() && state_ != State::closed) {
        if (!r.in_payload) {
            const FrameParser::Result result = r.parser.parse(bytes);
            bytes = bytes.subspan(result.consumed);
            if (result.status == FrameParser::Status::incomplete) return;
            if (result.status == FrameParser::Status::invalid_length) {
                fail(close_code::protocol_error, "frame length has its top bit set");
                return;
            }
            start_frame(r);
        } else {
            const std::size_t n = static_cast<std::size_t>(
                std::min<std::uint64_t>(r.frame.length - r.payload_received, bytes.size()));
            take_payload(r, bytes.first(n));
            bytes = bytes.subspan(n);
        }
    }
}

void Endpoint::start_frame(Reading& r) {
    r.frame = r.parser.header();
    const FrameHeader& frame = r.frame;
    handler_.on_frame_received(frame.opcode);
    if (role_ == Role::server && !frame.masked)
        return fail(close_code::protocol_error, "client frames must be masked");
    if (role_ == Role::client && frame.masked)
        return fail(close_code::protocol_error, "server frames must not be masked");
    // RSV1 is permessage-deflate's, once negotiated; RSV2 and RSV3 belong
    // to no extension we speak.
    const bool compressed = (frame.rsv & rsv_compressed) != 0;
    if ((frame.rsv & ~rsv_compressed) != 0 || (compressed && peer_window_bits_ == 0))
        return fail(close_code::protocol_error, "RSV bits set without a negotiated extension");
    if (!is_known_opcode(frame.opcode)) return fail(close_code::protocol_error, "reserved opcode");
    // RFC 7692 6: only a data message's first frame says it is compressed.
    if (compressed && (is_control(frame.opcode) || frame.opcode == Opcode::continuation))
        return fail(close_code::protocol_error, "RSV1 set on a control or continuation frame");

    if (is_control(frame.opcode)) {
        if (!frame.fin) return fail(close_code::protocol_error, "fragmented control frame");
        if (frame.length > max_control_payload)
            return fail(close_code::protocol_error, "control frame payload over 125 bytes");
    } else if (frame.opcode == Opcode::continuation) {
        if (!r.message_open) return fail(close_code::protocol_error, "continuation without a message");
    } else {
        if (r.message_open)
            return fail(close_code::protocol_error, "new message inside a fragmented message");
        r.message_open = true;
        r.message_opcode = frame.opcode;
        r.message_compressed = compressed;
        r.message_size = 0;
        r.utf8.reset();
    }

    // Once we have sent a close only the peer's close matters (RFC 6455
    // 5.5.1); the fragmentation rules above still apply, to keep frame
    // boundaries trustworthy, but payloads are skipped unread.
    r.discard = state_ == State::closing && frame.opcode != Opcode::close;
    // A compressed message is inflated as it arrives, never buffered as it
    // came: its inflated size is what is checked, while inflating.
    if (!is_control(frame.opcode) && !r.discard && !r.message_compressed) {
        // Refused from the header alone: a peer announcing a huge message is
        // stopped before it can make us buffer any of it.
        if (frame.length > options_.max_message - r.message_size)
            return fail(close_code::too_big, "message too big");
        r.message_size += static_cast<std::size_t>(frame.length);
    }

    r.in_payload = true;
    r.payload_received = 0;
    if (frame.length == 0) take_payload(r, {});
}

void Endpoint::take_payload(Reading& r, std::span<std::uint8_t> chunk) {
    const FrameHeader& frame = r.frame;
    const std::uint64_t offset = r.payload_received;
    r.payload_received += chunk.size();
    const bool frame_done = r.payload_received == frame.length;
    if (r.discard) {
        if (frame_done) {
            if (frame.fin && !is_control(frame.opcode)) {
                r.message_open = false;
                if (seldom_) seldom_->message.clear();
            }
            end_frame(r);
        }
        return;
    }
    if (frame.masked) apply_mask(chunk.data(), chunk.size(), frame.mask_key, offset);
    const bool whole_frame = offset == 0 && frame_done;

    if (is_control(frame.opcode)) {
        if (whole_frame) return control_frame(r, chunk);
        std::uint8_t* control = seldom().control.data();
        std::memcpy(control + offset, chunk.data(), chunk.size());
        if (frame_done) control_frame(r, {control, static_cast<std::size_t>(frame.length)});
        return;
    }

    if (r.message_compressed) return inflate_payload(r, chunk, frame_done);

    // Checked as the bytes arrive, so bad text is refused at the first bad
    // byte, even in the middle of a fragment.
    if (r.message_opcode == Opcode::text && !r.utf8.feed(chunk))
        return fail(close_code::invalid_payload, "text is not valid UTF-8");

    if (whole_frame && frame.fin && frame.opcode != Opcode::continuation)
        return complete_message(r, chunk);  // the hot path: no copy
    std::vector<std::uint8_t>& message = seldom().message;
    if (offset == 0) message.reserve(r.message_size);  // bounded by max_message
    message.insert(message.end(), chunk.begin(), chunk.end());
    if (!frame_done) return;
    if (frame.fin) complete_message(r, message);
    else end_frame(r);
}

// Each piece of compressed payload is inflated as it arrives, straight into
// the message buffer, with the room left under max_message as the limit: a
// zip bomb is stopped once it has produced max_message + 1 bytes.
void Endpoint::inflate_payload(Reading& r, std::span<const std::uint8_t> chunk, bool frame_done) {
    std::optional<Inflater>& inflater = seldom().inflater;
    if (!inflater) inflater.emplace(peer_window_bits_, peer_keeps_context_);
    std::vector<std::uint8_t>& message = seldom_->message;
    const std::size_t before = message.size();
    Inflater::Status status = inflater->inflate(chunk, message, options_.max_message);
    if (status == Inflater::Status::ok && frame_done && r.frame.fin)
        status = inflater->finish_message(message, options_.max_message);
    // The text inflated so far (within the limit) is checked before the
    // inflater's verdict, so that the violation reported is the first one in
    // the message, however its frames were split: otherwise bad UTF-8 early
    // in a message that also inflates too far closed with 1007 when it
    // arrived in pieces and 1009 when it arrived at once (found by fuzzing).
    const std::size_t inflated = std::min(message.size(), options_.max_message);
    if (r.message_opcode == Opcode::text && !r.utf8.feed({message.data() + before, inflated - before}))
        return fail(close_code::invalid_payload, "text is not valid UTF-8");
    if (status == Inflater::Status::too_big) return fail(close_code::too_big, "message too big once inflated");
    if (status == Inflater::Status::corrupt)
        return fail(close_code::invalid_payload, "compressed payload is not valid DEFLATE");
    if (!frame_done) return;
    if (r.frame.fin) complete_message(r, message);
    else end_frame(r);
}

void Endpoint::end_frame(Reading& r) {
    r.in_payload = false;
    r.parser.reset();
}

void Endpoint::complete_message(Reading& r, std::span<const std::uint8_t> payload) {
    if (r.message_opcode == Opcode::text && !r.utf8.complete())
        return fail(close_code::invalid_payload, "text ends inside a UTF-8 sequence");
    end_frame(r);
    r.message_open = false;
    handler_.on_message(r.message_opcode, payload);
    if (!seldom_) return;  // delivered straight from the fed bytes
    std::vector<std::uint8_t>& message = seldom_->message;
    message.clear();
    if (message.capacity() > retained_message_capacity) message = std::vector<std::uint8_t>();
}

void Endpoint::control_frame(Reading& r, std::span<const std::uint8_t> payload) {
    end_frame(r);
    switch (r.frame.opcode) {
        case Opcode::ping:
            // The handler may have closed since this ping's header arrived.
            if (state_ != State::open) return;
            write_frame(Opcode::pong, payload);
            handler_.on_ping(payload);
            return;
        case Opcode::pong:
            handler_.on_pong(payload);
            return;
        default:  // start_frame() let only the three control opcodes through
            peer_closed(payload);
            return;
    }
}

void Endpoint::peer_closed(std::span<const std::uint8_t> payload) {
    std::uint16_t code = close_code::no_status;
    std::string_view reason;
    if (payload.size() == 1) return fail(close_code::protocol_error, "close payload of 1 byte");
    if (payload.size() >= 2) {
        code = static_cast<std::uint16_t>((payload[0] << 8) | payload[1]);
        if (!is_valid_close_code(code)) return fail(close_code::protocol_error, "invalid close code");
        reason = as_chars(payload.subspan(2));
        if (!is_valid_utf8(reason))
            return fail(close_code::invalid_payload, "close reason is not valid UTF-8");
    }
    if (state_ == State::open) {
        // Echo the peer's code (RFC 6455 5.5.1); an empty close is answered
        // with an empty close.
        write_frame(Opcode::close, payload.first(payload.empty() ? 0 : 2));
        state_ = State::closed;
        handler_.on_closed(code, reason, true);
    } else {
        state_ = State::closed;
        const Seldom& sent = *seldom_;  // allocated by close()
        handler_.on_closed(sent.sent_close_code, {sent.sent_close_reason.data(), sent.sent_close_reason_size},
                           true);
    }
}

void Endpoint::fail(std::uint16_t code, std::string_view why) {
    // If we already sent a close, a second one is not allowed: just stop.
    if (state_ == State::open) write_close(code, why);
    state_ = State::closed;
    handler_.on_closed(code, why, false);
}

void Endpoint::send(Opcode op, std::span<const std::uint8_t> payload) {
    if (op != Opcode::text && op != Opcode::binary)
        throw std::invalid_argument("Endpoint::send takes text or binary");
    if (!can_send()) return;
    if (deflater_) {
        if (auto compressed = deflater_->compress_if_smaller(payload))
            return write_frame(op, *compressed, rsv_compressed);
    }
    write_frame(op, payload);
}

void Endpoint::send_text(std::string_view text) {
    send(Opcode::text, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

void Endpoint::ping(std::span<const std::uint8_t> payload) {
    if (payload.size() > max_control_payload)
        throw std::invalid_argument("a ping payload is at most 125 bytes");
    if (!can_send()) return;
    write_frame(Opcode::ping, payload);
}

void Endpoint::close(std::uint16_t code, std::string_view reason) {
    if (!is_valid_close_code(code)) throw std::invalid_argument("close code not allowed on the wire");
    if (!can_send()) return;
    reason = truncate_utf8(reason, max_close_reason);
    write_close(code, reason);
    Seldom& sent = seldom();
    sent.sent_close_code = code;
    std::copy(reason.begin(), reason.end(), sent.sent_close_reason.begin());
    sent.sent_close_reason_size = static_cast<std::uint8_t>(reason.size());
    state_ = State::closing;
}

static_assert(max_close_reason + 2 == max_control_payload);

// `reason` fits (close() cut the caller's; fail() passes short texts of ours).
void Endpoint::write_close(std::uint16_t code, std::string_view reason) {
    assert(reason.size() <= max_close_reason);
    std::uint8_t payload[max_control_payload];
    payload[0] = static_cast<std::uint8_t>(code >> 8);
    payload[1] = static_cast<std::uint8_t>(code);
    std::copy(reason.begin(), reason.end(), payload + 2);
    write_frame(Opcode::close, {payload, 2 + reason.size()});
}

void Endpoint::write_frame(Opcode op, std::span<const std::uint8_t> payload, std::uint8_t rsv) {
    handler_.on_frame_sent(op);
    std::uint8_t buffer[max_frame_header + mask_chunk];
    if (role_ == Role::server) {
        const std::size_t header_size = write_frame_header(buffer, true, op, payload.size(), nullptr, rsv);
        handler_.write({buffer, header_size});
        if (!payload.empty()) handler_.write(payload);
        return;
    }
    std::uint8_t key[4];
    seldom().mask_keys.next(key);
    std::size_t used = write_frame_header(buffer, true, op, payload.size(), key, rsv);
    std::size_t offset = 0;
    do {
        const std::size_t n = std::min(sizeof buffer - used, payload.size() - offset);
        if (n > 0) {
            std::memcpy(buffer + used, payload.data() + offset, n);
            apply_mask(buffer + used, n, key, offset);
        }
        handler_.write({buffer, used + n});
        offset += n;
        used = 0;
    } while (offset < payload.size());
}

}  // namespace wirechat::ws
