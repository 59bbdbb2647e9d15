// What the nodes of one chat tell each other, on one Redis channel
// (<prefix>events). One channel, so that every node hears every message in
// the one order Redis published them, which is the order of their ids (the
// post script gives the id and publishes in one atomic step).
//
//   m <room> <message json>   a message: the new_message payload, id first
//   p <room> <room> ...       presence changed in these rooms (and so the
//                             rooms list's counts): read them again
//   h <node>                  <node>'s heartbeat, which <node> itself
//                             listens for: its subscription still works
//
// The scripts that publish them are in cluster/scripts.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace wirechat::cluster {

struct Event {
    enum class Kind { message, presence, heartbeat } kind;
    std::uint64_t id = 0;    // message: its id
    std::string_view room;   // message: its room
    std::string_view text;   // message: its JSON; presence: the rooms; heartbeat: the node
};

// nullopt for anything else (a newer node's event kind, say).
std::optional<Event> parse_event(std::string_view payload);
// The id of a message's JSON, which starts {"id":<digits>.
std::optional<std::uint64_t> message_id(std::string_view json);

}  // namespace wirechat::cluster
