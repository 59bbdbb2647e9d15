// The chat's sessions by client id, where a lookup is an index and a
// compare: an id is a slot's index (low 32 bits) and the slot's generation
// (high 32 bits, from 1, so no id is 0). A broadcast looks up every
// recipient, and a hash lookup per delivery was the largest cost of a
// broadcast in user space. A slot is reused once its session is gone, under
// a new generation, so the id of a session that has left finds nothing,
// and the table is as large as the most sessions open at once, 16 bytes
// each.
#pragma once

#include <cstdint>
#include <vector>

#include "app/chat.h"

namespace wirechat::server {

class WsSession;

class SessionTable {
public:
    app::ClientId add(WsSession& session) {
        std::uint32_t index;
        if (free_ != none) {
            index = free_;
            free_ = slots_[index].next_free;
        } else {
            index = std::uint32_t(slots_.size());
            slots_.push_back({});
        }
        Slot& slot = slots_[index];
        slot.session = &session;
        return (app::ClientId(slot.generation) << 32) | index;
    }

    WsSession* find(app::ClientId id) const {
        const auto index = std::uint32_t(id);
        if (index >= slots_.size()) return nullptr;
        const Slot& slot = slots_[index];
        return slot.generation == std::uint32_t(id >> 32) ? slot.session : nullptr;
    }

    // Whether `id` was there.
    bool remove(app::ClientId id) {
        if (!find(id)) return false;
        const auto index = std::uint32_t(id);
        Slot& slot = slots_[index];
        slot.session = nullptr;
        if (++slot.generation == 0) slot.generation = 1;
        slot.next_free = free_;
        free_ = index;
        return true;
    }

private:
    static constexpr std::uint32_t none = ~std::uint32_t{0};
    struct Slot {
        WsSession* session = nullptr;
        std::uint32_t generation = 1;
        std::uint32_t next_free = none;
    };
    std::vector<Slot> slots_;
    std::uint32_t free_ = none;
};

}  // namespace wirechat::server
