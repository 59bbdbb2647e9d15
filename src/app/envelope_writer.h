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

#include "app/error_code.h"
#include "app/room.h"

namespace wirechat::app {

// `text` as a quoted, escaped JSON string.
void append_json_string(std::string& out, std::string_view text);

// {"id":..,"room":..,"from":..,"text":..,"ts":..}: a new_message payload, as
// kept in history.
void write_message(std::string& out, std::uint64_t id, std::string_view room,
                   std::string_view from, std::string_view text, std::int64_t ts_ms);
// {"type":"new_message","payload":<message_json>}
void write_new_message(std::string& out, std::string_view message_json);

// [{"room":"lobby","users":3},...] in the directory's (sorted) order.
void write_room_list(std::string& out, const RoomDirectory& rooms);
// {"type":"rooms","payload":<room_list_json>}
void write_rooms(std::string& out, std::string_view room_list_json);

// {"type":"welcome","payload":{"nickname","room","users","count","history","rooms"}}
void write_welcome(std::string& out, std::string_view nickname, const Room& room,
                   std::size_t users_listed, std::string_view room_list_json);
// {"type":"joined","payload":{"room","users","count","history"}}
void write_joined(std::string& out, const Room& room, std::size_t users_listed);
// {"type":"presence","payload":{"room","users","count"}}
void write_presence(std::string& out, const Room& room, std::size_t users_listed);
// {"type":"nickname","payload":<nickname>}
void write_nickname(std::string& out, std::string_view nickname);
// {"type":"error","payload":{"code","message"}}
void write_error(std::string& out, ErrorCode code, std::string_view message);

}  // namespace wirechat::app
