#include "cluster/event.h"

#include <charconv>

namespace wirechat::cluster {

std::optional<Event> parse_event(std::string_view payload) {
    if (payload.size() < 2 || payload[1] != ' ') return std::nullopt;
    const std::string_view rest = payload.substr(2);
    switch (payload[0]) {
    case 'm': {
        const std::size_t space = rest.find(' ');
        if (space == std::string_view::npos || space == 0) return std::nullopt;
        const std::string_view json = rest.substr(space + 1);
        const std::optional<std::uint64_t> id = message_id(json);
        if (!id) return std::nullopt;
        return Event{Event::Kind::message, *id, rest.substr(0, space), json};
    }
    case 'p': return Event{Event::Kind::presence, 0, {}, rest};
    case 'h': return Event{Event::Kind::heartbeat, 0, {}, rest};
    default: return std::nullopt;
    }
}

std::optional<std::uint64_t> message_id(std::string_view json) {
    constexpr std::string_view head = "{\"id\":";
    if (!json.starts_with(head)) return std::nullopt;
    std::uint64_t id = 0;
    const char* digits = json.data() + head.size();
    const auto [end, ec] = std::from_chars(digits, json.data() + json.size(), id);
    if (ec != std::errc{} || end == digits) return std::nullopt;
    return id;
}

}  // namespace wirechat::cluster
