// The last N messages of a room, as a ring buffer of ready-made JSON.
//
// Messages are kept already serialized (the "payload" object of a
// new_message envelope) so that a welcome or joined envelope splices them in
// verbatim instead of encoding 100 messages again for every newcomer. Once
// the ring is full, a new message overwrites the oldest slot in place,
// reusing its string's capacity. Each message's id is kept beside it, so
// that a client coming back can be sent exactly what it missed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wirechat::app {

class MessageHistory {
public:
    explicit MessageHistory(std::size_t capacity) : capacity_(capacity) {}

    // Keeps `message_json`, dropping the oldest message if the ring is full.
    // Ids must increase from one push to the next.
    void push(std::uint64_t id, std::string_view message_json);

    std::size_t size() const { return slots_.size(); }
    // 0 is the oldest message kept, size() - 1 the newest.
    const std::string& at(std::size_t index) const { return slot(index).json; }
    std::uint64_t id_at(std::size_t index) const { return slot(index).id; }
    // The index of the oldest message with an id above `id` (size() if none).
    std::size_t first_after(std::uint64_t id) const;

private:
    struct Slot {
        std::uint64_t id;
        std::string json;
    };
    const Slot& slot(std::size_t index) const { return slots_[(oldest_ + index) % slots_.size()]; }

    std::size_t capacity_;
    std::vector<Slot> slots_;  // grows to capacity_, then is overwritten
    std::size_t oldest_ = 0;   // slot of the oldest message once full
};

}  // namespace wirechat::app
