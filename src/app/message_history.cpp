#include "app/message_history.h"

namespace wirechat::app {

void MessageHistory::push(std::string_view message_json) {
    if (capacity_ == 0) return;
    if (slots_.size() < capacity_) {
        slots_.emplace_back(message_json);
        return;
    }
    slots_[oldest_].assign(message_json);
    oldest_ = (oldest_ + 1) % capacity_;
}

const std::string& MessageHistory::at(std::size_t index) const {
    return slots_[(oldest_ + index) % slots_.size()];
}

}  // namespace wirechat::app
