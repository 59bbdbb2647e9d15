// The WebSocket frame codec and the Endpoint built on it, in both roles.
//
// Input: the chunking prefix (fuzz_support.h), 3 setup bytes (see Setup
// and LLVMFuzzerTestOneInput), a frame header description (13 bytes), then
// the wire bytes.
// Properties:
// 1. write_frame_header() output parses back (in any chunking) to the same
//    header, in the minimal length form.
// 2. FrameParser gives the same answer whole or chunked, and a header it
//    accepts, written again, parses to the same header.
// 3. An Endpoint fed the wire bytes in chunks behaves exactly like a small
//    whole-buffer model of RFC 6455 5-7 written here: same messages, pings,
//    pongs and close (code, cleanliness). So it never delivers what the RFC
//    forbids (unmasked client frames, RSV bits, reserved opcodes, bad UTF-8,
//    fragmented or long control frames, bad close codes...).
// 4. Everything the endpoint writes is well-formed for its role: masked iff
//    client, FIN set, valid opcodes, control payloads <= 125 bytes, close
//    frames with a valid code and UTF-8 reason, nothing after a close.
// With permessage-deflate (setup bit), where the model does not apply: the
// events and output (but for the close reason) are the same whole or
// chunked, and 3's per-message
// checks (size after inflation, UTF-8) and 4 still hold.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "ws_output.h"
#include "ws/deflate.h"
#include "ws/endpoint.h"
#include "ws/frame_parser.h"
#include "ws/frame_writer.h"

using namespace wirechat;
using Bytes = std::vector<std::uint8_t>;

namespace {

bool same_header(const ws::FrameHeader& a, const ws::FrameHeader& b) {
    return a.fin == b.fin && a.rsv == b.rsv && a.opcode == b.opcode && a.masked == b.masked &&
           a.length == b.length && (!a.masked || std::equal(a.mask_key, a.mask_key + 4, b.mask_key));
}

// Parses one header from `bytes` in chunks; nullopt unless complete.
std::optional<ws::FrameHeader> parse_header(std::span<const std::uint8_t> bytes,
                                            fuzz::Chunker* chunker, std::size_t& consumed,
                                            ws::FrameParser::Status& status) {
    ws::FrameParser parser;
    consumed = 0;
    status = ws::FrameParser::Status::incomplete;
    while (status == ws::FrameParser::Status::incomplete && consumed < bytes.size()) {
        const std::size_t n = chunker ? chunker->next(bytes.size() - consumed) : bytes.size() - consumed;
        const ws::FrameParser::Result r = parser.parse(bytes.subspan(consumed, n));
        FUZZ_CHECK(r.consumed <= n);
        if (r.status == ws::FrameParser::Status::incomplete) FUZZ_CHECK(r.consumed == n);
        consumed += r.consumed;
        status = r.status;
    }
    if (status != ws::FrameParser::Status::complete) return std::nullopt;
    return parser.header();
}

std::size_t minimal_header_size(const ws::FrameHeader& h) {
    return 2 + (h.length < 126 ? 0 : h.length < 65536 ? 2 : 8) + (h.masked ? 4 : 0);
}

void check_header_round_trip(std::span<const std::uint8_t> description, fuzz::Chunker& chunker) {
    ws::FrameHeader h;
    h.fin = description[0] & 1;
    h.rsv = (description[0] >> 1) & 7;
    h.opcode = static_cast<ws::Opcode>(description[0] >> 4);
    h.masked = description[1] & 1;
    std::copy(description.begin() + 2, description.begin() + 6, h.mask_key);
    std::uint64_t length = 0;
    for (int i = 6; i < 13; ++i) length = (length << 8) | description[i];
    // The three length forms equally often, not almost always the 64-bit one.
    switch (description[1] >> 6) {
        case 0: length %= 126; break;
        case 1: length %= 65536; break;
        default: break;  // 7 bytes: below 2^56, so always a legal length
    }
    h.length = length;
    std::uint8_t wire[ws::max_frame_header];
    const std::size_t size =
        ws::write_frame_header(wire, h.fin, h.opcode, h.length, h.masked ? h.mask_key : nullptr, h.rsv);
    FUZZ_CHECK(size == minimal_header_size(h));
    std::size_t consumed;
    ws::FrameParser::Status status;
    auto parsed = parse_header({wire, size}, &chunker, consumed, status);
    FUZZ_CHECK(parsed && consumed == size && same_header(*parsed, h));
}

void check_parser(std::span<const std::uint8_t> wire, fuzz::Chunker& chunker) {
    std::size_t consumed_whole, consumed_chunked;
    ws::FrameParser::Status status_whole, status_chunked;
    auto whole = parse_header(wire, nullptr, consumed_whole, status_whole);
    auto chunked = parse_header(wire, &chunker, consumed_chunked, status_chunked);
    FUZZ_CHECK(status_whole == status_chunked && consumed_whole == consumed_chunked);
    FUZZ_CHECK(consumed_whole <= ws::max_frame_header);
    if (!whole) return;
    FUZZ_CHECK(same_header(*whole, *chunked));
    FUZZ_CHECK(whole->length < (std::uint64_t(1) << 63));
    std::uint8_t again[ws::max_frame_header];
    const std::size_t size = ws::write_frame_header(again, whole->fin, whole->opcode, whole->length,
                                                    whole->masked ? whole->mask_key : nullptr,
                                                    whole->rsv);
    FUZZ_CHECK(size <= consumed_whole);  // the input may have used a longer length form
    std::size_t consumed;
    ws::FrameParser::Status status;
    auto reparsed = parse_header({again, size}, nullptr, consumed, status);
    FUZZ_CHECK(reparsed && consumed == size && same_header(*reparsed, *whole));
}

// What an endpoint reports, as the model and the recorder both write it down.
struct Event {
    enum Kind { message, ping, pong, closed } kind;
    int detail;  // opcode of a message; close code
    bool clean = false;
    Bytes payload;  // message / ping / pong payload; close reason (clean closes only)
    bool operator==(const Event&) const = default;
};

struct Setup {
    ws::Role role;
    std::size_t max_message;
    unsigned close_after;  // the handler closes (1000) after this many messages; 0: never
    bool echo;             // the handler sends every message back
    // permessage-deflate as if negotiated: how the peer compresses, and our compressor.
    bool compressed;
    int peer_window_bits;
    bool peer_keeps_context;
    int our_window_bits;
    bool our_keeps_context;
};


// RFC 6455 5-7 for one endpoint, over the whole input at once, straight
// from the text: no incremental state, no in-place tricks.
std::vector<Event> model(std::span<const std::uint8_t> wire, const Setup& setup) {
    std::vector<Event> events;
    enum { open, closing, closed } state = open;
    bool message_open = false;
    ws::Opcode message_op = ws::Opcode::binary;
    std::uint64_t announced = 0;
    Bytes message;
    unsigned delivered = 0;
    auto fail = [&](int code) {
        events.push_back({Event::closed, code, false, {}});
        state = closed;
    };
    std::size_t pos = 0;
    while (pos < wire.size() && state != closed) {
        ws::FrameParser parser;
        const auto r = parser.parse(wire.subspan(pos));
        if (r.status == ws::FrameParser::Status::incomplete) break;
        if (r.status == ws::FrameParser::Status::invalid_length) { fail(1002); break; }
        pos += r.consumed;
        const ws::FrameHeader h = parser.header();
        const bool control = static_cast<int>(h.opcode) >= 8;
        const bool known = h.opcode == ws::Opcode::continuation || h.opcode == ws::Opcode::text ||
                           h.opcode == ws::Opcode::binary || h.opcode == ws::Opcode::close ||
                           h.opcode == ws::Opcode::ping || h.opcode == ws::Opcode::pong;
        if (h.masked != (setup.role == ws::Role::server) || h.rsv != 0 || !known ||
            (control && (!h.fin || h.length > 125)) ||
            (h.opcode == ws::Opcode::continuation && !message_open) ||
            (!control && h.opcode != ws::Opcode::continuation && message_open)) {
            fail(1002);
            break;
        }
        if (!control && h.opcode != ws::Opcode::continuation) {
            message_open = true;
            message_op = h.opcode;
            announced = 0;
            message.clear();
        }
        const bool discard = state == closing && h.opcode != ws::Opcode::close;
        if (!control && !discard) {
            if (announced + h.length > setup.max_message) { fail(1009); break; }
            announced += h.length;
        }
        const std::size_t available = std::size_t(std::min<std::uint64_t>(h.length, wire.size() - pos));
        Bytes payload(wire.begin() + pos, wire.begin() + pos + available);
        pos += available;
        for (std::size_t i = 0; h.masked && i < payload.size(); ++i) payload[i] ^= h.mask_key[i % 4];
        const bool whole = available == h.length;
        if (discard) {
            if (whole && h.fin && !control) message_open = false;
            if (!whole) break;
            continue;
        }
        if (control) {
            if (!whole) break;
            if (h.opcode == ws::Opcode::ping) {
                if (state == open) events.push_back({Event::ping, 0, false, payload});
            } else if (h.opcode == ws::Opcode::pong) {
                events.push_back({Event::pong, 0, false, payload});
            } else {
                std::uint16_t code = 1005;
                Bytes reason;
                if (payload.size() == 1) { fail(1002); break; }
                if (payload.size() >= 2) {
                    code = std::uint16_t(payload[0] << 8 | payload[1]);
                    if (!fuzz::valid_close_code(code)) { fail(1002); break; }
                    reason.assign(payload.begin() + 2, payload.end());
                    if (!fuzz::reference_valid_utf8(reason)) { fail(1007); break; }
                }
                if (state == closing) {
                    static const std::string bye = "bye";
                    code = 1000;
                    reason.assign(bye.begin(), bye.end());
                }
                events.push_back({Event::closed, code, true, reason});
                state = closed;
            }
            continue;
        }
        message.insert(message.end(), payload.begin(), payload.end());
        if (message_op == ws::Opcode::text) {
            fuzz::ReferenceUtf8 utf8;
            bool ok = true;
            for (std::uint8_t b : message) ok = ok && utf8.push(b);
            if (!ok || (whole && h.fin && !utf8.complete())) { fail(1007); break; }
        }
        if (!whole) break;
        if (!h.fin) continue;
        events.push_back({Event::message, int(message_op), false, message});
        message_open = false;
        if (++delivered == setup.close_after && state == open) state = closing;
    }
    return events;
}

class Recorder final : public ws::EndpointHandler {
public:
    explicit Recorder(const Setup& setup) : setup_(setup) {}
    ws::Endpoint* endpoint = nullptr;
    std::vector<Event> events;
    Bytes output;

    void on_message(ws::Opcode op, std::span<const std::uint8_t> payload) override {
        FUZZ_CHECK(op == ws::Opcode::text || op == ws::Opcode::binary);
        FUZZ_CHECK(payload.size() <= setup_.max_message);
        if (op == ws::Opcode::text) FUZZ_CHECK(fuzz::reference_valid_utf8(payload));
        events.push_back({Event::message, int(op), false, Bytes(payload.begin(), payload.end())});
        if (setup_.echo) endpoint->send(op, payload);
        if (++messages_ == setup_.close_after) endpoint->close(1000, "bye");
    }
    void on_ping(std::span<const std::uint8_t> payload) override {
        events.push_back({Event::ping, 0, false, Bytes(payload.begin(), payload.end())});
    }
    void on_pong(std::span<const std::uint8_t> payload) override {
        events.push_back({Event::pong, 0, false, Bytes(payload.begin(), payload.end())});
    }
    void on_closed(std::uint16_t code, std::string_view reason, bool clean) override {
        // Reported once, and with a code that means something.
        FUZZ_CHECK(events.empty() || events.back().kind != Event::closed);
        FUZZ_CHECK(fuzz::valid_close_code(code) || code == 1005);
        Bytes kept;
        if (clean) kept.assign(reason.begin(), reason.end());
        events.push_back({Event::closed, code, clean, kept});
    }
    void write(std::span<const std::uint8_t> bytes) override {
        output.insert(output.end(), bytes.begin(), bytes.end());
    }

private:
    const Setup& setup_;
    unsigned messages_ = 0;
};

struct Run {
    std::vector<Event> events;
    Bytes output;
};

// Server output with its close frame cut down to the code. When a
// compressed message is both corrupt DEFLATE and (as far as it inflates)
// bad UTF-8, which of the two is noticed first depends on how much arrived
// at once: both are 1007, only the reason text differs, and that is fine.
Bytes without_close_reason(const Bytes& output) {
    std::size_t pos = 0;
    while (pos < output.size()) {
        ws::FrameParser parser;
        const auto r = parser.parse(std::span(output).subspan(pos));
        FUZZ_CHECK(r.status == ws::FrameParser::Status::complete);
        const ws::FrameHeader& h = parser.header();
        if (h.opcode == ws::Opcode::close) {
            Bytes out(output.begin(), output.begin() + pos);
            const std::uint8_t code_size = h.length >= 2 ? 2 : 0;
            out.insert(out.end(), {0x88, code_size});
            const std::size_t code = pos + r.consumed;
            out.insert(out.end(), output.begin() + code, output.begin() + code + code_size);
            return out;
        }
        pos += r.consumed + std::size_t(h.length);
    }
    return output;
}

// Feeds `wire` to a fresh endpoint, in chunks (or whole, without a chunker).
Run run_endpoint(std::span<const std::uint8_t> wire, const Setup& setup, fuzz::Chunker* chunker) {
    std::optional<ws::Deflater> deflater;
    std::optional<ws::EndpointCompression> compression;
    if (setup.compressed) {
        deflater.emplace(setup.our_window_bits, 8, setup.our_keeps_context);
        compression = ws::EndpointCompression{&*deflater, setup.peer_window_bits, setup.peer_keeps_context};
    }
    Recorder recorder(setup);
    ws::Endpoint endpoint(setup.role, ws::EndpointOptions{.max_message = setup.max_message},
                          recorder, compression);
    recorder.endpoint = &endpoint;
    Bytes buffer(wire.begin(), wire.end());  // the endpoint unmasks in place
    std::size_t pos = 0;
    while (pos < buffer.size()) {
        const std::size_t n = chunker ? chunker->next(buffer.size() - pos) : buffer.size() - pos;
        endpoint.feed(std::span(buffer).subspan(pos, n));
        pos += n;
    }
    return {std::move(recorder.events), std::move(recorder.output)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Chunker chunker({data, size});
    auto input = chunker.payload();
    if (input.size() < 3 + 13) return -1;  // not even the fixed part: reject from the corpus
    const Setup setup{
        .role = (input[0] & 1) ? ws::Role::client : ws::Role::server,
        .max_message = 16 + std::size_t(input[1]) * 8,
        .close_after = input[2] % 4u,
        .echo = (input[0] & 2) != 0,
        .compressed = (input[0] & 4) != 0,
        .peer_window_bits = 8 + (input[0] >> 4) % 8,
        .peer_keeps_context = (input[0] & 8) != 0,
        .our_window_bits = 8 + (input[2] >> 2) % 8,
        .our_keeps_context = (input[2] & 0x20) != 0,
    };
    check_header_round_trip(input.subspan(3, 13), chunker);
    const auto wire = input.subspan(16);
    check_parser(wire, chunker);

    const Run chunked = run_endpoint(wire, setup, &chunker);
    if (!setup.compressed) {
        FUZZ_CHECK(chunked.events == model(wire, setup));
    } else {
        // The model does not inflate; here the property is that the
        // chunking changes nothing, down to the bytes written.
        const Run whole = run_endpoint(wire, setup, nullptr);
        FUZZ_CHECK(chunked.events == whole.events);
        if (setup.role == ws::Role::server)
            FUZZ_CHECK(without_close_reason(chunked.output) == without_close_reason(whole.output));
    }
    ws::Inflater our_messages(15, setup.our_keeps_context);
    fuzz::check_endpoint_output(chunked.output, setup.role, setup.compressed ? &our_messages : nullptr);
    return 0;
}
