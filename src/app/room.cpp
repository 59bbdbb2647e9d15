#include "app/room.h"

#include <utility>

namespace wirechat::app {

Room::Room(std::string name, std::size_t history_capacity)
    : name_(std::move(name)), history_(history_capacity) {}

std::size_t Room::add(ClientId id, std::string_view nickname) {
    members_.push_back(id);
    nicknames_.emplace(nickname);
    return members_.size() - 1;
}

std::optional<ClientId> Room::remove(std::size_t slot, std::string_view nickname) {
    if (auto it = nicknames_.find(nickname); it != nicknames_.end()) nicknames_.erase(it);
    const std::size_t last = members_.size() - 1;
    std::optional<ClientId> moved;
    if (slot != last) {
        members_[slot] = members_[last];
        moved = members_[slot];
    }
    members_.pop_back();
    return moved;
}

void Room::rename(std::string_view from, std::string_view to) {
    if (auto it = nicknames_.find(from); it != nicknames_.end()) nicknames_.erase(it);
    nicknames_.emplace(to);
}

}  // namespace wirechat::app
