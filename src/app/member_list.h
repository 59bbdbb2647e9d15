// The clients of one room on this process: exactly what a broadcast needs.
//
// A plain vector of ClientIds, passed to the Transport as a span with no
// copy. Each member remembers its slot (returned by add()), so leaving is a
// swap with the last slot and a pop: O(1) even in a room of 10,000.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "app/transport.h"

namespace wirechat::app {

class MemberList {
public:
    std::span<const ClientId> ids() const { return ids_; }
    std::size_t size() const { return ids_.size(); }
    bool empty() const { return ids_.empty(); }

    // Adds a member; returns its slot, to be passed back to remove().
    std::size_t add(ClientId id) {
        ids_.push_back(id);
        return ids_.size() - 1;
    }
    // Removes the member in `slot`. If another member was moved into that
    // slot to fill the hole, returns it: its remembered slot is now `slot`.
    std::optional<ClientId> remove(std::size_t slot) {
        const std::size_t last = ids_.size() - 1;
        std::optional<ClientId> moved;
        if (slot != last) {
            ids_[slot] = ids_[last];
            moved = ids_[slot];
        }
        ids_.pop_back();
        return moved;
    }

private:
    std::vector<ClientId> ids_;
};

}  // namespace wirechat::app
