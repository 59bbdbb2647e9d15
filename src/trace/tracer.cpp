// Colours follow the direction (received cyan, sent green), with the
// handshake computation in yellow and connection notes dimmed, so the two
// sides of a conversation are easy to tell apart on a terminal.
#include "trace/tracer.h"

#include <algorithm>

#include "trace/accept_steps.h"
#include "ws/close_code.h"

namespace wirechat::trace {

namespace {

constexpr std::string_view cyan = "\x1b[36m";
constexpr std::string_view green = "\x1b[32m";
constexpr std::string_view yellow = "\x1b[33m";
constexpr std::string_view dim = "\x1b[2m";
constexpr std::string_view red = "\x1b[31m";
constexpr std::string_view reset = "\x1b[0m";

// In --trace=full a frame's payload is dumped up to this many bytes;
// otherwise only what the one-line preview shows is kept.
constexpr std::size_t full_dump_limit = 4096;
constexpr std::size_t preview_limit = 128;

std::string_view arrow(Direction d) { return d == Direction::received ? "<- " : "-> "; }
std::string_view colour_of(Direction d) { return d == Direction::received ? cyan : green; }

}  // namespace

Tracer::Tracer(Sink& sink, Style style, std::uint64_t connection_id)
    : sink_(sink),
      style_(style),
      prefix_(std::string("#").append(std::to_string(connection_id)).append(" ")),
      received_(style.detail == Detail::full ? full_dump_limit : preview_limit),
      sent_(style.detail == Detail::full ? full_dump_limit : preview_limit) {}

void Tracer::emit(Direction direction, std::string_view colour, std::string_view text) {
    line_.clear();
    if (style_.colour) line_.append(colour);
    line_.append(prefix_).append(arrow(direction)).append(text);
    if (style_.colour) line_.append(reset);
    sink_.line(line_);
}

void Tracer::emit_note(std::string_view colour, std::string_view text) {
    line_.clear();
    if (style_.colour) line_.append(colour);
    line_.append(prefix_).append(text);
    if (style_.colour) line_.append(reset);
    sink_.line(line_);
}

void Tracer::note(std::string_view text) { emit_note(dim, text); }

void Tracer::head(Direction direction, std::string_view raw) {
    const std::size_t end = raw.find("\r\n\r\n");
    if (end != std::string_view::npos) raw = raw.substr(0, end);
    while (!raw.empty()) {
        const std::size_t eol = raw.find("\r\n");
        emit(direction, colour_of(direction), raw.substr(0, eol));
        if (eol == std::string_view::npos) break;
        raw.remove_prefix(eol + 2);
    }
}

void Tracer::request(const http::Request& request) { head(Direction::received, request_head(request)); }

void Tracer::accept(std::string_view key) { emit_note(yellow, describe_accept(accept_steps(key))); }

void Tracer::follow(FrameTap& tap, Direction direction, std::span<const std::uint8_t> bytes) {
    tap.follow(
        bytes, [&](const FrameTap& done) { print_frame(done, direction, {}); },
        [&] {
            emit(direction, colour_of(direction),
                 "frame length has its top bit set: the rest of this stream cannot be followed");
        });
}

void Tracer::print_frame(const FrameTap& tap, Direction direction, std::string_view suffix) {
    const FrameFacts facts = tap.frame();
    std::string text = describe_frame(facts);
    text.append(suffix);
    emit(direction, colour_of(direction), text);
    if (style_.detail != Detail::full) return;

    std::string dump = "    header  " + preview_hex(facts.raw_header, facts.raw_header.size(), ws::max_frame_header);
    if (facts.header.masked && !facts.payload.empty()) dump.append("   (payload below is unmasked)");
    emit(direction, dim, dump);
    for (std::size_t offset = 0; offset < facts.payload.size(); offset += 16) {
        const auto row = facts.payload.subspan(offset, std::min<std::size_t>(16, facts.payload.size() - offset));
        emit(direction, dim, "    " + hex_dump_line(offset, row));
    }
    const std::uint64_t seen = std::min<std::uint64_t>(tap.payload_seen(), facts.header.length);
    if (seen > facts.payload.size())
        emit(direction, dim, "    ... " + std::to_string(seen - facts.payload.size()) + " more bytes");
}

void Tracer::websocket_closed(std::uint16_t code, std::string_view reason, bool clean) {
    std::string text = clean ? "closing handshake complete: " : "protocol violation, failed with ";
    text.append(std::to_string(code)).append(" (").append(close_code_name(code)).append(") ");
    text.append(preview_text({reinterpret_cast<const std::uint8_t*>(reason.data()), reason.size()},
                             reason.size(), ws::max_close_reason));
    emit_note(clean ? dim : red, text);
}

void Tracer::closed(std::string_view how) {
    for (auto [tap, direction] : {std::pair{&received_, Direction::received}, std::pair{&sent_, Direction::sent}}) {
        if (tap->cut_short())
            print_frame(*tap, direction,
                        " [cut short: " + std::to_string(tap->payload_seen()) + " of " +
                            std::to_string(tap->frame().header.length) + " payload bytes arrived]");
    }
    note(how);
}

}  // namespace wirechat::trace
