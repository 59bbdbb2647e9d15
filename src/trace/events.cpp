#include "trace/events.h"

#include <boost/json.hpp>

#include <vector>

#include "ws/utf8.h"

namespace wirechat::trace::events {

namespace {

constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

boost::json::object base(std::int64_t t_ms, std::string_view event) {
    boost::json::object o;
    o["t"] = t_ms;
    o["event"] = event;
    return o;
}

std::string_view direction_name(Direction d) { return d == Direction::received ? "in" : "out"; }

std::string_view as_text(std::span<const std::uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// The number of bytes of a UTF-8 sequence that starts with `lead`, or 0.
std::size_t sequence_length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if (lead >= 0xc2 && lead <= 0xdf) return 2;
    if (lead >= 0xe0 && lead <= 0xef) return 3;
    if (lead >= 0xf0 && lead <= 0xf4) return 4;
    return 0;
}

}  // namespace

std::string valid_utf8(std::string_view text) {
    if (ws::is_valid_utf8(text)) return std::string(text);
    std::string out;
    out.reserve(text.size() + 8);
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = sequence_length(static_cast<unsigned char>(text[i]));
        if (n > 0 && i + n <= text.size() && ws::is_valid_utf8(text.substr(i, n))) {
            out.append(text.substr(i, n));
            i += n;
        } else {
            out.append("\xef\xbf\xbd");  // U+FFFD
            ++i;
        }
    }
    return out;
}

std::string head(std::int64_t t_ms, Direction direction, std::string_view raw) {
    const std::size_t end = raw.find("\r\n\r\n");
    if (end != std::string_view::npos) raw = raw.substr(0, end + 4);
    boost::json::object o = base(t_ms, "head");
    o["dir"] = direction_name(direction);
    o["text"] = valid_utf8(raw);
    return boost::json::serialize(o);
}

std::string accept(std::int64_t t_ms, const AcceptSteps& steps) {
    boost::json::object o = base(t_ms, "accept");
    o["key"] = valid_utf8(steps.key);
    o["guid"] = guid;
    o["concatenated"] = valid_utf8(steps.concatenated);
    o["sha1"] = steps.sha1_hex;
    o["accept"] = steps.accept;
    return boost::json::serialize(o);
}

std::string frame(std::int64_t t_ms, Direction direction, const FrameFacts& frame, std::uint64_t seen) {
    const ws::FrameHeader& h = frame.header;
    boost::json::object o = base(t_ms, "frame");
    o["dir"] = direction_name(direction);
    o["fin"] = h.fin;
    o["rsv1"] = (h.rsv & 4) != 0;
    o["rsv2"] = (h.rsv & 2) != 0;
    o["rsv3"] = (h.rsv & 1) != 0;
    o["opcode"] = int(h.opcode);
    o["opcode_name"] = opcode_name(h.opcode);
    o["masked"] = h.masked;
    if (h.masked) o["key"] = hex({h.mask_key, 4});
    o["length"] = h.length;
    o["length_form"] = frame.raw_header.size() >= 2 ? length_encoding(frame.raw_header[1]) : "7-bit";
    o["header"] = hex(frame.raw_header);
    o["payload"] = hex(frame.payload);
    if (h.masked) {
        std::vector<std::uint8_t> wire(frame.payload.begin(), frame.payload.end());
        for (std::size_t i = 0; i < wire.size(); ++i) wire[i] ^= h.mask_key[i % 4];
        o["wire"] = hex(wire);
    }
    o["shown"] = frame.payload.size();
    if (seen < h.length) o["arrived"] = seen;  // cut short
    const bool data = h.opcode == ws::Opcode::text || h.opcode == ws::Opcode::binary ||
                      h.opcode == ws::Opcode::continuation;
    const bool compressed = data && (h.rsv & 4) != 0;
    if (compressed) o["compressed"] = true;
    if (frame.in_text_message && data && !compressed) o["text"] = valid_utf8(as_text(frame.payload));
    if (h.opcode == ws::Opcode::close && frame.payload.size() >= 2) {
        o["code"] = unsigned(frame.payload[0]) << 8 | frame.payload[1];
        o["reason"] = valid_utf8(as_text(frame.payload.subspan(2)));
    }
    if ((h.opcode == ws::Opcode::ping || h.opcode == ws::Opcode::pong) && ws::is_valid_utf8(as_text(frame.payload)))
        o["text"] = as_text(frame.payload);
    return boost::json::serialize(o);
}

std::string message(std::int64_t t_ms, Direction direction, std::size_t size) {
    boost::json::object o = base(t_ms, "message");
    o["dir"] = direction_name(direction);
    o["size"] = size;
    return boost::json::serialize(o);
}

std::string websocket_closed(std::int64_t t_ms, std::uint16_t code, std::string_view reason, bool clean) {
    boost::json::object o = base(t_ms, "close");
    o["code"] = code;
    o["code_name"] = close_code_name(code);
    o["reason"] = valid_utf8(reason);
    o["clean"] = clean;
    return boost::json::serialize(o);
}

std::string note(std::int64_t t_ms, std::string_view text) {
    boost::json::object o = base(t_ms, "note");
    o["text"] = valid_utf8(text);
    return boost::json::serialize(o);
}

std::string end(std::int64_t t_ms, std::string_view how) {
    boost::json::object o = base(t_ms, "end");
    o["how"] = valid_utf8(how);
    return boost::json::serialize(o);
}

std::string skipped(std::int64_t t_ms, std::uint64_t count) {
    boost::json::object o = base(t_ms, "skipped");
    o["count"] = count;
    return boost::json::serialize(o);
}

}  // namespace wirechat::trace::events
