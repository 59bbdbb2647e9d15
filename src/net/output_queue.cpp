#include "net/output_queue.h"

namespace wirechat::net {

void OutputQueue::append(std::string_view bytes) {
    if (bytes.empty()) return;
    // Extend the last segment if nothing (from another connection) was
    // appended to the scratch after it.
    if (segments_.size() > head_ && segments_.back().where == Where::scratch &&
        segments_.back().end == scratch_.size()) {
        scratch_.append(bytes);
        segments_.back().end = scratch_.size();
    } else {
        std::size_t begin = scratch_.size();
        scratch_.append(bytes);
        segments_.push_back({nullptr, nullptr, begin, scratch_.size(), Where::scratch});
    }
    queued_ += bytes.size();
}

void OutputQueue::append(std::span<const std::uint8_t> bytes) {
    append(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

void OutputQueue::append_shared(SharedBytes bytes) {
    if (!bytes || bytes->empty()) return;
    std::size_t n = bytes->size();
    segments_.push_back({std::move(bytes), nullptr, 0, n, Where::shared});
    queued_ += n;
}

void OutputQueue::append_borrowed(std::span<const std::uint8_t> bytes) {
    if (bytes.empty()) return;
    segments_.push_back({nullptr, reinterpret_cast<const char*>(bytes.data()), 0, bytes.size(), Where::borrowed});
    queued_ += bytes.size();
    borrowed_ = true;
}

const char* OutputQueue::base(const Segment& s) const {
    switch (s.where) {
        case Where::scratch: return scratch_.data();
        case Where::own: return own_.data();
        case Where::borrowed: return s.borrowed;
        case Where::shared: break;
    }
    return s.shared->data();
}

int OutputQueue::gather(iovec* iov, int max) const {
    int count = 0;
    for (std::size_t i = head_; i < segments_.size() && count < max; ++i) {
        const Segment& s = segments_[i];
        iov[count].iov_base = const_cast<char*>(base(s) + s.begin);
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
        // Everything went out. The segment list keeps its capacity (a
        // handful of entries) so that the next message does not allocate.
        segments_.clear();
        head_ = 0;
        borrowed_ = false;
        std::string().swap(own_);
    }
}

void OutputQueue::settle() {
    for (std::size_t i = head_; i < segments_.size(); ++i) {
        Segment& s = segments_[i];
        if (s.where != Where::scratch && s.where != Where::borrowed) continue;
        std::size_t begin = own_.size();
        own_.append(base(s) + s.begin, s.end - s.begin);
        s = {nullptr, nullptr, begin, own_.size(), Where::own};
    }
    borrowed_ = false;
}

void OutputQueue::release() {
    std::string().swap(own_);
    std::vector<Segment>().swap(segments_);
    head_ = 0;
    queued_ = 0;
    borrowed_ = false;
}

}  // namespace wirechat::net
