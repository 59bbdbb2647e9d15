// A room: who is in it, and what was said there lately.
//
// Members are a plain vector of ClientIds because that is exactly what a
// broadcast needs: the chat passes members() as a span, with no copy. Each
// member remembers its slot in the vector (returned by add()), so leaving is
// a swap with the last slot and a pop: O(1) even in a room of 10,000.
//
// The same members' nicknames are also kept sorted, because presence and
// welcome envelopes list the first names in alphabetical order; a sorted set
// makes that O(listed) instead of sorting the whole room each time.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "app/message_history.h"
#include "app/transport.h"

namespace wirechat::app {

class Room {
public:
    Room(std::string name, std::size_t history_capacity);

    const std::string& name() const { return name_; }
    std::span<const ClientId> members() const { return members_; }
    std::size_t size() const { return members_.size(); }
    bool empty() const { return members_.empty(); }

    // Adds a member; returns its slot, to be passed back to remove().
    std::size_t add(ClientId id, std::string_view nickname);
    // Removes the member in `slot`. If another member was moved into that
    // slot to fill the hole, returns it: its remembered slot is now `slot`.
    std::optional<ClientId> remove(std::size_t slot, std::string_view nickname);
    // A member changed nickname.
    void rename(std::string_view from, std::string_view to);

    // Every member's nickname, in ascending byte order.
    const std::set<std::string, std::less<>>& nicknames() const { return nicknames_; }

    MessageHistory& history() { return history_; }
    const MessageHistory& history() const { return history_; }

private:
    std::string name_;
    std::vector<ClientId> members_;
    std::set<std::string, std::less<>> nicknames_;
    MessageHistory history_;
};

// All rooms by name; std::map because the rooms list is sent sorted by name,
// and because a Room's address stays valid while other rooms come and go.
using RoomDirectory = std::map<std::string, Room, std::less<>>;

}  // namespace wirechat::app
