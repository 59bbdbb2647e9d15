// The last N messages of a room, as a ring buffer of ready-made JSON.
//
// Messages are kept already serialized (the "payload" object of a
// new_message envelope) so that a welcome or joined envelope splices them in
// verbatim instead of encoding 100 messages again for every newcomer. Once
// the ring is full, a new message overwrites the oldest slot in place,
// reusing its string's capacity.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace wirechat::app {

class MessageHistory {
public:
    explicit MessageHistory(std::size_t capacity) : capacity_(capacity) {}

    // Keeps `message_json`, dropping the oldest message if the ring is full.
    void push(std::string_view message_json);

    std::size_t size() const { return slots_.size(); }
    // 0 is the oldest message kept, size() - 1 the newest.
    const std::string& at(std::size_t index) const;

private:
    std::size_t capacity_;
    std::vector<std::string> slots_;  // grows to capacity_, then is overwritten
    std::size_t oldest_ = 0;          // slot of the oldest message once full
};

}  // namespace wirechat::app
