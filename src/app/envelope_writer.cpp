#include "app/envelope_writer.h"

#include <boost/json/serializer.hpp>

#include <charconv>

namespace wirechat::app {

namespace {

template <class Integer>
void append_number(std::string& out, Integer number) {
    char digits[24];
    const auto result = std::to_chars(digits, digits + sizeof digits, number);
    out.append(digits, result.ptr);
}

// "users":[first `limit` names],"count":N
void append_users(std::string& out, const Room& room, std::size_t limit) {
    out += "\"users\":[";
    std::size_t listed = 0;
    for (const std::string& name : room.nicknames()) {
        if (listed == limit) break;
        if (listed++ > 0) out += ',';
        append_json_string(out, name);
    }
    out += "],\"count\":";
    append_number(out, room.size());
}

// "history":[oldest,...,newest]
void append_history(std::string& out, const MessageHistory& history) {
    out += "\"history\":[";
    for (std::size_t i = 0; i < history.size(); ++i) {
        if (i > 0) out += ',';
        out += history.at(i);
    }
    out += ']';
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
    boost::json::serializer serializer;
    serializer.reset(boost::json::string_view(text.data(), text.size()));
    char chunk[256];
    while (!serializer.done()) out += serializer.read(chunk, sizeof chunk);
}

void write_message(std::string& out, std::uint64_t id, std::string_view room,
                   std::string_view from, std::string_view text, std::int64_t ts_ms) {
    out += "{\"id\":";
    append_number(out, id);
    out += ",\"room\":";
    append_json_string(out, room);
    out += ",\"from\":";
    append_json_string(out, from);
    out += ",\"text\":";
    append_json_string(out, text);
    out += ",\"ts\":";
    append_number(out, ts_ms);
    out += '}';
}

void write_new_message(std::string& out, std::string_view message_json) {
    out += "{\"type\":\"new_message\",\"payload\":";
    out += message_json;
    out += '}';
}

void write_room_list(std::string& out, const RoomDirectory& rooms) {
    out += '[';
    bool first = true;
    for (const auto& [name, room] : rooms) {
        if (!first) out += ',';
        first = false;
        out += "{\"room\":";
        append_json_string(out, name);
        out += ",\"users\":";
        append_number(out, room.size());
        out += '}';
    }
    out += ']';
}

void write_rooms(std::string& out, std::string_view room_list_json) {
    out += "{\"type\":\"rooms\",\"payload\":";
    out += room_list_json;
    out += '}';
}

void write_welcome(std::string& out, std::string_view nickname, const Room& room,
                   std::size_t users_listed, std::string_view room_list_json) {
    out += "{\"type\":\"welcome\",\"payload\":{\"nickname\":";
    append_json_string(out, nickname);
    out += ",\"room\":";
    append_json_string(out, room.name());
    out += ',';
    append_users(out, room, users_listed);
    out += ',';
    append_history(out, room.history());
    out += ",\"rooms\":";
    out += room_list_json;
    out += "}}";
}

void write_joined(std::string& out, const Room& room, std::size_t users_listed) {
    out += "{\"type\":\"joined\",\"payload\":{\"room\":";
    append_json_string(out, room.name());
    out += ',';
    append_users(out, room, users_listed);
    out += ',';
    append_history(out, room.history());
    out += "}}";
}

void write_presence(std::string& out, const Room& room, std::size_t users_listed) {
    out += "{\"type\":\"presence\",\"payload\":{\"room\":";
    append_json_string(out, room.name());
    out += ',';
    append_users(out, room, users_listed);
    out += "}}";
}

void write_nickname(std::string& out, std::string_view nickname) {
    out += "{\"type\":\"nickname\",\"payload\":";
    append_json_string(out, nickname);
    out += '}';
}

void write_error(std::string& out, ErrorCode code, std::string_view message) {
    out += "{\"type\":\"error\",\"payload\":{\"code\":\"";
    out += error_code_name(code);
    out += "\",\"message\":";
    append_json_string(out, message);
    out += "}}";
}

}  // namespace wirechat::app
