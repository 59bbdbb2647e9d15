#include "app/message_history.h"

namespace wirechat::app {

void MessageHistory::push(std::uint64_t id, std::string_view message_json) {
    if (capacity_ == 0) return;
    if (slots_.size() < capacity_) {
        slots_.push_back({id, std::string(message_json)});
        return;
    }
    Slot& reused = slots_[oldest_];
    reused.id = id;
    reused.json.assign(message_json);
    oldest_ = (oldest_ + 1) % capacity_;
}

std::size_t MessageHistory::first_after(std::uint64_t id) const {
    // Ids increase from the oldest to the newest: a binary search.
    std::size_t low = 0, high = size();
    while (low < high) {
        const std::size_t middle = low + (high - low) / 2;
        if (id_at(middle) <= id) low = middle + 1;
        else high = middle;
    }
    return low;
}

}  // namespace wirechat::app
