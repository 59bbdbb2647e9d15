// Server -> client: the text of every envelope the chat sends.
//
// Envelopes are written straight into a caller-owned string (the chat reuses
// one, so its capacity is kept between messages) rather than built as a JSON
// DOM and then serialized: the shapes are fixed, and this lets the stored
// history and the cached rooms list be spliced in as ready-made JSON.
// Boost.JSON does the part that is easy to get wrong: escaping strings.
//
// Every function appends; none clears `out`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "app/engine.h"
#include "app/error_code.h"

namespace wirechat::app {

// `text` as a quoted, escaped JSON string.
void append_json_string(std::string& out, std::string_view text);
// A decimal number.
void append_number(std::string& out, std::uint64_t number);

// A new_message payload is {"id":..,"room":..,"from":..,"text":..,"ts":..},
// written in two parts because the id is given by the engine (in Redis, by a
// script) after the chat has written the rest:
//   ,"room":..,"from":..,"text":..,"ts":..}
void write_message_tail(std::string& out, std::string_view room, std::string_view from,
                        std::string_view text, std::int64_t ts_ms);
//   {"id":<id>   (the tail follows)
void write_message_head(std::string& out, std::uint64_t id);
// {"type":"new_message","payload":<message_json>}
void write_new_message(std::string& out, std::string_view message_json);

// One entry of the rooms list: {"room":..,"users":N}
void append_room(std::string& out, std::string_view room, std::size_t users);
// {"type":"rooms","payload":<room_list_json>}
void write_rooms(std::string& out, std::string_view room_list_json);

// {"type":"welcome","payload":{"nickname","room","users","count","history",["recovered",]"rooms"[,"inspect"]}}
// `inspect_token`: the connection is inspectable with it ("inspect"), or
// empty (no such member).
void write_welcome(std::string& out, const Entry& entry, std::string_view inspect_token = {});
// {"type":"joined","payload":{"room","users","count","history"[,"recovered"]}}
void write_joined(std::string& out, const Entry& entry);
// {"type":"presence","payload":{"room","users","count"}}
void write_presence(std::string& out, std::string_view room, const Presence& presence);
// {"type":"nickname","payload":<nickname>}
void write_nickname(std::string& out, std::string_view nickname);
// {"type":"renamed","payload":{"from","to"}}: unasked, after an outage
void write_renamed(std::string& out, std::string_view from, std::string_view to);
// {"type":"error","payload":{"code","message"}}
void write_error(std::string& out, ErrorCode code, std::string_view message);

}  // namespace wirechat::app
