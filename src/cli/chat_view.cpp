// Envelopes come from the network, so every member is looked up with its
// expected type and a missing or mistyped one shows as empty rather than
// failing: a newer server may add or change fields.
#include "cli/chat_view.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace wirechat::cli {

namespace {

namespace json = boost::json;

std::string envelope(std::string_view type, std::string_view payload) {
    json::object object;
    object["type"] = type;
    object["payload"] = payload;
    return json::serialize(object);
}

std::string_view string_at(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    if (!value || !value->is_string()) return {};
    const json::string& s = value->get_string();
    return {s.data(), s.size()};
}

std::string message_line(const json::object& message) {
    std::string out = "[";
    out.append(string_at(message, "room")).append("] ");
    out.append(string_at(message, "from")).append(": ").append(string_at(message, "text"));
    return out;
}

// "alice, bob", plus "and N more" when the list was cut at its limit.
std::string users_text(const json::object& payload) {
    std::string out;
    std::size_t listed = 0;
    if (const json::value* users = payload.if_contains("users"); users && users->is_array()) {
        for (const json::value& user : users->get_array()) {
            if (!user.is_string()) continue;
            if (listed++) out.append(", ");
            out.append(user.get_string().data(), user.get_string().size());
        }
    }
    if (const json::value* count = payload.if_contains("count"); count && count->is_int64() &&
                                                                 count->get_int64() > std::int64_t(listed))
        out.append(" and ").append(std::to_string(count->get_int64() - std::int64_t(listed))).append(" more");
    return out;
}

void append_history(std::string& out, const json::object& payload) {
    const json::value* history = payload.if_contains("history");
    if (!history || !history->is_array()) return;
    for (const json::value& message : history->get_array())
        if (message.is_object()) out.append("\n").append(message_line(message.get_object()));
}

std::string rooms_text(const json::value& rooms) {
    std::string out = "* rooms:";
    if (!rooms.is_array()) return out;
    bool first = true;
    for (const json::value& room : rooms.get_array()) {
        if (!room.is_object()) continue;
        out.append(first ? " " : ", ").append(string_at(room.get_object(), "room"));
        first = false;
        if (const json::value* users = room.get_object().if_contains("users"); users && users->is_int64())
            out.append(" (").append(std::to_string(users->get_int64())).append(")");
    }
    return out;
}

}  // namespace

// "/NAME ARG" is {"type":"NAME","payload":"ARG"} and a bare "/NAME" has no
// payload, whether or not the server knows NAME: the student can send any
// type and see the server's answer (unknown_type, bad_envelope, ...).
// "/nick" is short for "/nickname". A line that starts with "//", or is "/"
// or "/ ..." is chat text ("//" sends one "/").
std::string envelope_for_line(std::string_view line) {
    if (line.empty()) return {};
    if (line.starts_with("//")) return envelope("new_message", line.substr(1));
    if (line.size() < 2 || line[0] != '/' || line[1] == ' ') return envelope("new_message", line);
    const std::size_t space = line.find(' ');
    std::string_view type = line.substr(1, space == std::string_view::npos ? std::string_view::npos : space - 1);
    if (type == "nick") type = "nickname";
    if (space == std::string_view::npos) {
        json::object object;
        object["type"] = type;
        return json::serialize(object);
    }
    return envelope(type, line.substr(space + 1));
}

std::string nickname_envelope(std::string_view nickname) { return envelope("nickname", nickname); }

std::string describe_envelope(std::string_view text) {
    boost::system::error_code ec;
    const json::value parsed = json::parse(text, ec);
    if (ec || !parsed.is_object()) return std::string(text);
    const json::object& object = parsed.get_object();
    const std::string_view type = string_at(object, "type");
    const json::value* payload = object.if_contains("payload");
    if (!payload) return std::string(text);

    if (type == "new_message" && payload->is_object()) return message_line(payload->get_object());
    if (type == "nickname" && payload->is_string())
        return "* you are now " + std::string(payload->get_string());
    if (type == "rooms") return rooms_text(*payload);
    if (!payload->is_object()) return std::string(text);
    const json::object& p = payload->get_object();
    if (type == "welcome") {
        std::string out = "* you are ";
        out.append(string_at(p, "nickname")).append(" in ").append(string_at(p, "room"));
        out.append(" with ").append(users_text(p));
        append_history(out, p);
        return out;
    }
    if (type == "joined") {
        std::string out = "* joined ";
        out.append(string_at(p, "room")).append(" with ").append(users_text(p));
        append_history(out, p);
        return out;
    }
    if (type == "presence") return "* in " + std::string(string_at(p, "room")) + ": " + users_text(p);
    if (type == "error")
        return "! " + std::string(string_at(p, "code")) + ": " + std::string(string_at(p, "message"));
    return std::string(text);
}

}  // namespace wirechat::cli
