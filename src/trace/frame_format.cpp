// Every byte that reaches a trace line comes from the network, so previews
// escape whatever could disturb a terminal (control characters, escape
// sequences, invalid UTF-8) and never show more than a few dozen bytes.
#include "trace/frame_format.h"

#include <algorithm>
#include <cstdio>

#include "ws/close_code.h"
#include "ws/utf8.h"

namespace wirechat::trace {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_hex_byte(std::string& out, std::uint8_t byte) {
    out.push_back(hex_digits[byte >> 4]);
    out.push_back(hex_digits[byte & 0xF]);
}

// The size of the UTF-8 sequence a lead byte announces; 0 if it cannot
// start one.
std::size_t sequence_size(std::uint8_t lead) {
    if (lead < 0x80) return 1;
    if (lead >= 0xC2 && lead <= 0xDF) return 2;
    if (lead >= 0xE0 && lead <= 0xEF) return 3;
    if (lead >= 0xF0 && lead <= 0xF4) return 4;
    return 0;
}

void append_more(std::string& out, std::uint64_t shown, std::uint64_t total) {
    if (total <= shown) return;
    out.append(" ... (+").append(std::to_string(total - shown)).append(" bytes)");
}

std::string describe_close(std::span<const std::uint8_t> payload, std::uint64_t length) {
    if (length == 0) return "no status code";
    if (length == 1 || payload.size() < 2) return "malformed: a close payload of 1 byte";
    const auto code = static_cast<std::uint16_t>((payload[0] << 8) | payload[1]);
    std::string out = "code=" + std::to_string(code) + " (" + std::string(close_code_name(code)) + ")";
    out.append(" reason=").append(preview_text(payload.subspan(2), length - 2, ws::max_close_reason));
    return out;
}

}  // namespace

std::string_view opcode_name(ws::Opcode op) {
    switch (op) {
        case ws::Opcode::continuation: return "continuation";
        case ws::Opcode::text: return "text";
        case ws::Opcode::binary: return "binary";
        case ws::Opcode::close: return "close";
        case ws::Opcode::ping: return "ping";
        case ws::Opcode::pong: return "pong";
    }
    return "reserved";
}

std::string_view close_code_name(std::uint16_t code) {
    switch (code) {
        case 1000: return "normal closure";
        case 1001: return "going away";
        case 1002: return "protocol error";
        case 1003: return "unsupported data";
        case 1005: return "no status code (never on the wire)";
        case 1006: return "abnormal closure (never on the wire)";
        case 1007: return "invalid payload data";
        case 1008: return "policy violation";
        case 1009: return "message too big";
        case 1010: return "mandatory extension";
        case 1011: return "internal error";
        case 1012: return "service restart";
        case 1013: return "try again later";
        case 1014: return "bad gateway";
    }
    if (code >= 3000 && code <= 3999) return "registered for libraries";
    if (code >= 4000 && code <= 4999) return "private use";
    return "not allowed on the wire";
}

std::string_view length_encoding(std::uint8_t second_header_byte) {
    switch (second_header_byte & 0x7F) {
        case 126: return "16-bit";
        case 127: return "64-bit";
        default: return "7-bit";
    }
}

std::string describe_frame(const FrameFacts& frame) {
    const ws::FrameHeader& h = frame.header;
    std::string out;
    out.reserve(96);
    const std::string_view name = opcode_name(h.opcode);
    out.append(name);
    if (!ws::is_known_opcode(h.opcode)) {
        out.append("(0x");
        out.push_back(hex_digits[static_cast<int>(h.opcode) & 0xF]);
        out.push_back(')');
    }
    if (out.size() < 6) out.append(6 - out.size(), ' ');
    out.append(" FIN=").push_back(h.fin ? '1' : '0');
    out.append(" RSV=");
    for (int bit = 2; bit >= 0; --bit) out.push_back((h.rsv >> bit) & 1 ? '1' : '0');
    out.append(" MASK=").push_back(h.masked ? '1' : '0');
    if (h.masked) out.append(" key=").append(hex(h.mask_key));
    out.append(" len=").append(std::to_string(h.length));
    if (frame.raw_header.size() >= 2) out.append(" (").append(length_encoding(frame.raw_header[1])).append(")");

    const bool compressed = (h.rsv & 0x4) != 0 && !ws::is_control(h.opcode);
    if (h.opcode == ws::Opcode::close) {
        out.append(" ").append(describe_close(frame.payload, h.length));
    } else if (h.length == 0) {
        return out;
    } else if (compressed) {
        out.append(" compressed ").append(preview_hex(frame.payload, h.length));
    } else if (frame.in_text_message ||
               (ws::is_control(h.opcode) && ws::is_valid_utf8({reinterpret_cast<const char*>(frame.payload.data()),
                                                               frame.payload.size()}))) {
        out.append(" ").append(preview_text(frame.payload, h.length));
    } else {
        out.append(" ").append(preview_hex(frame.payload, h.length));
    }
    return out;
}

std::string preview_text(std::span<const std::uint8_t> bytes, std::uint64_t total, std::size_t limit) {
    std::string out = "\"";
    std::size_t i = 0;
    while (i < bytes.size()) {
        const std::uint8_t b = bytes[i];
        const std::size_t size = sequence_size(b);
        if (i + std::max<std::size_t>(size, 1) > limit) break;
        if (size > 1 && i + size <= bytes.size() &&
            ws::is_valid_utf8({reinterpret_cast<const char*>(bytes.data() + i), size})) {
            out.append(reinterpret_cast<const char*>(bytes.data() + i), size);
            i += size;
            continue;
        }
        switch (b) {
            case '"': out.append("\\\""); break;
            case '\\': out.append("\\\\"); break;
            case '\n': out.append("\\n"); break;
            case '\r': out.append("\\r"); break;
            case '\t': out.append("\\t"); break;
            default:
                if (b >= 0x20 && b < 0x7F) {
                    out.push_back(static_cast<char>(b));
                } else {
                    out.append("\\x");
                    append_hex_byte(out, b);
                }
        }
        ++i;
    }
    out.push_back('"');
    append_more(out, i, total);
    return out;
}

std::string preview_hex(std::span<const std::uint8_t> bytes, std::uint64_t total, std::size_t limit) {
    std::string out;
    const std::size_t shown = std::min(bytes.size(), limit);
    for (std::size_t i = 0; i < shown; ++i) {
        if (i) out.push_back(' ');
        append_hex_byte(out, bytes[i]);
    }
    append_more(out, shown, total);
    return out;
}

std::string hex_dump_line(std::uint64_t offset, std::span<const std::uint8_t> bytes) {
    char position[24];
    std::snprintf(position, sizeof position, "%04llx", static_cast<unsigned long long>(offset));
    std::string out = position;
    out.append("  ");
    const std::size_t shown = std::min<std::size_t>(bytes.size(), 16);
    for (std::size_t i = 0; i < 16; ++i) {
        if (i < shown) append_hex_byte(out, bytes[i]);
        else out.append("  ");
        out.push_back(' ');
    }
    out.push_back(' ');
    for (std::size_t i = 0; i < shown; ++i)
        out.push_back(bytes[i] >= 0x20 && bytes[i] < 0x7F ? static_cast<char>(bytes[i]) : '.');
    return out;
}

std::string hex(std::span<const std::uint8_t> bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (std::uint8_t b : bytes) append_hex_byte(out, b);
    return out;
}

}  // namespace wirechat::trace
