#include "app/envelope_writer.h"

#include <boost/json/serializer.hpp>

#include <charconv>

namespace wirechat::app {

namespace {

// "users":[...],"count":N
void append_presence(std::string& out, const Presence& presence) {
    out += "\"users\":";
    out += presence.users_json;
    out += ",\"count\":";
    append_number(out, presence.count);
}

// "room":..,"users":..,"count":..,"history":[..][,"recovered":..]
void append_entry(std::string& out, const Entry& entry) {
    out += "\"room\":";
    append_json_string(out, entry.room);
    out += ',';
    append_presence(out, entry.presence);
    out += ",\"history\":";
    out += entry.history_json;
    if (entry.recovered) out += *entry.recovered ? ",\"recovered\":true" : ",\"recovered\":false";
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
    boost::json::serializer serializer;
    serializer.reset(boost::json::string_view(text.data(), text.size()));
    char chunk[256];
    while (!serializer.done()) out += serializer.read(chunk, sizeof chunk);
}

void append_number(std::string& out, std::uint64_t number) {
    char digits[24];
    const auto result = std::to_chars(digits, digits + sizeof digits, number);
    out.append(digits, result.ptr);
}

void write_message_tail(std::string& out, std::string_view room, std::string_view from,
                        std::string_view text, std::int64_t ts_ms) {
    out += ",\"room\":";
    append_json_string(out, room);
    out += ",\"from\":";
    append_json_string(out, from);
    out += ",\"text\":";
    append_json_string(out, text);
    out += ",\"ts\":";
    append_number(out, std::uint64_t(ts_ms < 0 ? 0 : ts_ms));
    out += '}';
}

void write_message_head(std::string& out, std::uint64_t id) {
    out += "{\"id\":";
    append_number(out, id);
}

void write_new_message(std::string& out, std::string_view message_json) {
    out += "{\"type\":\"new_message\",\"payload\":";
    out += message_json;
    out += '}';
}

void append_room(std::string& out, std::string_view room, std::size_t users) {
    out += "{\"room\":";
    append_json_string(out, room);
    out += ",\"users\":";
    append_number(out, users);
    out += '}';
}

void write_rooms(std::string& out, std::string_view room_list_json) {
    out += "{\"type\":\"rooms\",\"payload\":";
    out += room_list_json;
    out += '}';
}

void write_welcome(std::string& out, const Entry& entry, std::string_view inspect_token) {
    out += "{\"type\":\"welcome\",\"payload\":{\"nickname\":";
    append_json_string(out, entry.nickname);
    out += ',';
    append_entry(out, entry);
    out += ",\"rooms\":";
    out += entry.rooms_json;
    if (!inspect_token.empty()) {
        out += ",\"inspect\":";
        append_json_string(out, inspect_token);
    }
    out += "}}";
}

void write_joined(std::string& out, const Entry& entry) {
    out += "{\"type\":\"joined\",\"payload\":{";
    append_entry(out, entry);
    out += "}}";
}

void write_presence(std::string& out, std::string_view room, const Presence& presence) {
    out += "{\"type\":\"presence\",\"payload\":{\"room\":";
    append_json_string(out, room);
    out += ',';
    append_presence(out, presence);
    out += "}}";
}

void write_nickname(std::string& out, std::string_view nickname) {
    out += "{\"type\":\"nickname\",\"payload\":";
    append_json_string(out, nickname);
    out += '}';
}

void write_renamed(std::string& out, std::string_view from, std::string_view to) {
    out += "{\"type\":\"renamed\",\"payload\":{\"from\":";
    append_json_string(out, from);
    out += ",\"to\":";
    append_json_string(out, to);
    out += "}}";
}

void write_error(std::string& out, ErrorCode code, std::string_view message) {
    out += "{\"type\":\"error\",\"payload\":{\"code\":\"";
    out += error_code_name(code);
    out += "\",\"message\":";
    append_json_string(out, message);
    out += "}}";
}

}  // namespace wirechat::app
