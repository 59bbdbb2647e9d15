// wirechat-cli --json: the chat protocol (docs/protocol.md) for a terminal.
// Typed lines become envelopes, arriving envelopes become readable lines.
#pragma once

#include <string>
#include <string_view>

namespace wirechat::cli {

// A line is a new_message, unless it is a command: "/TYPE ARG" becomes
// {"type":"TYPE","payload":"ARG"}, a bare "/TYPE" {"type":"TYPE"}, for any
// TYPE, known to the server ("/nick NAME" is short for "/nickname NAME",
// "/join ROOM", "/rooms") or not (the server answers unknown_type). "//text"
// sends the message "/text". Empty lines are not sent: "" is returned.
std::string envelope_for_line(std::string_view line);
std::string nickname_envelope(std::string_view nickname);

// One or more lines (joined by '\n', no trailing newline) for an envelope:
//   [lobby] alice: hello                        new_message
//   * you are guest-3 in lobby with alice, guest-3   welcome (then its history)
//   * joined dev with bob                       joined (then its history)
//   * you are now alice                         nickname
//   * in lobby: alice, bob                      presence
//   * rooms: dev (2), lobby (3)                 rooms
//   ! bad_nickname: that nickname is taken      error
// Anything else (another type, or not JSON) is shown as received.
std::string describe_envelope(std::string_view text);

}  // namespace wirechat::cli
