#include "net/output_queue.h"

namespace wirechat::net {

namespace {
// Keep this much private buffer across drains so a busy connection does not
// allocate per message; give back anything larger once it has been sent.
constexpr std::size_t kept_capacity = 64 * 1024;
}  // namespace

void OutputQueue::append(std::string_view bytes) {
    if (bytes.empty()) return;
    if (segments_.size() > head_ && !segments_.back().shared) {
        private_.append(bytes);
        segments_.back().end = private_.size();
    } else {
        std::size_t begin = private_.size();
        private_.append(bytes);
        segments_.push_back({nullptr, begin, private_.size()});
    }
    queued_ += bytes.size();
}

void OutputQueue::append(std::span<const std::uint8_t> bytes) {
    append(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

void OutputQueue::append_shared(SharedBytes bytes) {
    if (!bytes || bytes->empty()) return;
    std::size_t n = bytes->size();
    segments_.push_back({std::move(bytes), 0, n});
    queued_ += n;
}

int OutputQueue::gather(iovec* iov, int max) const {
    int count = 0;
    for (std::size_t i = head_; i < segments_.size() && count < max; ++i) {
        const Segment& s = segments_[i];
        const char* base = s.shared ? s.shared->data() : private_.data();
        iov[count].iov_base = const_cast<char*>(base + s.begin);
        iov[count].iov_len = s.end - s.begin;
        ++count;
    }
    return count;
}

void OutputQueue::consume(std::size_t n) {
    queued_ -= n;
    while (n > 0) {
        Segment& s = segments_[head_];
        std::size_t len = s.end - s.begin;
        if (n < len) {
            s.begin += n;
            return;
        }
        n -= len;
        s.shared.reset();
        ++head_;
    }
    if (queued_ == 0) {
        // Everything went out: rewind instead of freeing, keeping a modest
        // amount of capacity for the next burst.
        segments_.clear();
        head_ = 0;
        private_.clear();
        if (private_.capacity() > kept_capacity) std::string().swap(private_);
    }
}

void OutputQueue::release() {
    std::string().swap(private_);
    std::vector<Segment>().swap(segments_);
    head_ = 0;
    queued_ = 0;
}

}  // namespace wirechat::net
