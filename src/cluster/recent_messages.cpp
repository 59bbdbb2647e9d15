#include "cluster/recent_messages.h"

#include <algorithm>

namespace wirechat::cluster {

void RecentMessages::push(std::uint64_t id, std::string_view room, std::string_view json) {
    if (slots_.empty()) {
        floor_ = id;
        return;
    }
    Slot* slot;
    if (size_ < slots_.size()) {
        slot = &slots_[(first_ + size_++) % slots_.size()];
    } else {
        slot = &slots_[first_];
        floor_ = std::max(floor_, slot->id);  // evicted
        first_ = (first_ + 1) % slots_.size();
    }
    slot->id = id;
    slot->room.assign(room);
    slot->json.assign(json);
}

void RecentMessages::forget_up_to(std::uint64_t id) { floor_ = std::max(floor_, id); }

}  // namespace wirechat::cluster
