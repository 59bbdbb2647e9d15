// The last messages this node delivered, of every room, in id order.
//
// Why: a client entering a room is sent a snapshot of its history that
// Redis took at some point of the message stream (the last id given then).
// This node's subscription may already be past that point, having
// delivered newer messages to the room while the client was not yet in it.
// Those are found here and sent after the snapshot, so that the client
// misses nothing between its history and its first live message.
//
// Strings keep their capacity as slots are reused: no allocation per
// message once the ring has filled.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wirechat::cluster {

class RecentMessages {
public:
    explicit RecentMessages(std::size_t capacity) : slots_(capacity) {}

    // Ids must increase from one push to the next.
    void push(std::uint64_t id, std::string_view room, std::string_view json);
    // Messages up to `id` may have been delivered without passing through
    // here (recovered after an outage for this node's rooms only).
    void forget_up_to(std::uint64_t id);

    // Whether every message after `id` that this node delivered is here.
    bool has_all_after(std::uint64_t id) const { return floor_ <= id; }
    // `room`'s messages here with an id above `id`, oldest first.
    template <class Visit>
    void visit_after(std::uint64_t id, std::string_view room, Visit&& visit) const {
        for (std::size_t i = 0; i < size_; ++i) {
            const Slot& slot = slots_[(first_ + i) % slots_.size()];
            if (slot.id > id && slot.room == room) visit(std::string_view(slot.json));
        }
    }

private:
    struct Slot {
        std::uint64_t id = 0;
        std::string room, json;
    };
    std::vector<Slot> slots_;
    std::size_t first_ = 0, size_ = 0;
    std::uint64_t floor_ = 0;  // the highest id that may be missing
};

}  // namespace wirechat::cluster
