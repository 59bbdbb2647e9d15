// The inspector's events: what a browser is told of its own connection, one
// JSON object per WebSocket message (docs/protocol.md, "Inspecting your own
// connection"). Pure functions from what the trace layer already knows (heads,
// the accept computation, frames cut by a FrameTap) to JSON text, so the
// exact output is easy to test.
//
// Every event has "t" (milliseconds since 1970, when the server saw it) and
// "event" (what it is). Text that is not valid UTF-8 (a head may hold any
// byte) has each offending byte replaced by U+FFFD, so every event is JSON.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "trace/accept_steps.h"
#include "trace/frame_format.h"
#include "trace/style.h"

namespace wirechat::trace::events {

// {"event":"head","dir":"in","text":"GET / HTTP/1.1\r\n...\r\n"}: up to the
// blank line.
std::string head(std::int64_t t_ms, Direction direction, std::string_view raw);
// {"event":"accept","key":...,"guid":...,"concatenated":...,"sha1":...,"accept":...}
std::string accept(std::int64_t t_ms, const AcceptSteps& steps);
// {"event":"frame","dir","fin","rsv1","rsv2","rsv3","opcode","opcode_name",
//  "masked","key","length","length_form","header","payload","wire","shown",
//  ...}: the header's fields, its bytes in hex, and the first payload bytes
// (`frame.payload`, unmasked) in hex, as read ("payload") and as on the
// wire ("wire", masked; only for a masked frame). "text" when they are text;
// "code" and "reason" for a close frame; "compressed" for a data frame with
// RSV1 (permessage-deflate). `seen` < length: the frame was cut short.
std::string frame(std::int64_t t_ms, Direction direction, const FrameFacts& frame, std::uint64_t seen);
// {"event":"message","dir","size"}: a whole message, uncompressed (its
// frames say what crossed the wire: with permessage-deflate, less).
std::string message(std::int64_t t_ms, Direction direction, std::size_t size);
// {"event":"close","code","code_name","reason","clean"}: the WebSocket ended.
std::string websocket_closed(std::int64_t t_ms, std::uint16_t code, std::string_view reason, bool clean);
// {"event":"note","text"}: something about the connection itself.
std::string note(std::int64_t t_ms, std::string_view text);
// {"event":"end","how"}: the TCP connection is gone; no event follows.
std::string end(std::int64_t t_ms, std::string_view how);
// {"event":"skipped","count"}: this many events were not sent (the
// inspector could not keep up); the ones after this are.
std::string skipped(std::int64_t t_ms, std::uint64_t count);

// `text` with every byte that is not part of valid UTF-8 replaced by U+FFFD.
std::string valid_utf8(std::string_view text);

}  // namespace wirechat::trace::events
