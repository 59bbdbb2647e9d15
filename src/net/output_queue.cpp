#include "net/output_queue.h"

#include <algorithm>

namespace wirechat::net {

void OutputQueue::append(std::string_view bytes) {
    if (bytes.empty()) return;
    const std::size_t begin = scratch_.size();
    scratch_.append(bytes);
    queued_ += bytes.size();
    if (!has_segments()) {
        // Start or extend the run, unless another connection appended to the
        // scratch after it.
        if (!has_run()) {
            run_begin_ = begin;
            run_end_ = scratch_.size();
            return;
        }
        if (run_end_ == begin) {
            run_end_ = scratch_.size();
            return;
        }
    }
    Segment* last = has_segments() ? &segments_.back() : nullptr;
    if (last && last->where == Where::scratch && last->end == begin) last->end = scratch_.size();
    else segments_.push_back({nullptr, nullptr, begin, scratch_.size(), Where::scratch});
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
        case Where::own: return own_->data();
        case Where::borrowed: return s.borrowed;
        case Where::shared: break;
    }
    return s.shared->data();
}

int OutputQueue::gather(iovec* iov, int max) const {
    int count = 0;
    if (has_run() && count < max) {
        iov[count].iov_base = scratch_.data() + run_begin_;
        iov[count].iov_len = run_end_ - run_begin_;
        ++count;
    }
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
    const std::size_t from_run = std::min(n, run_end_ - run_begin_);
    run_begin_ += from_run;
    n -= from_run;
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
        // Everything went out. The segment list, if this connection ever
        // needed one, keeps its capacity (a handful of entries) so that the
        // next message does not allocate.
        run_begin_ = run_end_ = 0;
        segments_.clear();
        head_ = 0;
        borrowed_ = false;
        own_.reset();
    }
}

std::string& OutputQueue::own() {
    if (!own_) own_ = std::make_unique<std::string>();
    return *own_;
}

void OutputQueue::settle() {
    if (has_run()) {
        const std::size_t begin = own().size();
        own_->append(scratch_, run_begin_, run_end_ - run_begin_);
        segments_.insert(segments_.begin() + head_, {nullptr, nullptr, begin, own_->size(), Where::own});
        run_begin_ = run_end_ = 0;
    }
    for (std::size_t i = head_; i < segments_.size(); ++i) {
        Segment& s = segments_[i];
        if (s.where != Where::scratch && s.where != Where::borrowed) continue;
        const std::size_t begin = own().size();
        own_->append(base(s) + s.begin, s.end - s.begin);
        s = {nullptr, nullptr, begin, own_->size(), Where::own};
    }
    borrowed_ = false;
}

void OutputQueue::release() {
    run_begin_ = run_end_ = 0;
    own_.reset();
    std::vector<Segment>().swap(segments_);
    head_ = 0;
    queued_ = 0;
    borrowed_ = false;
}

}  // namespace wirechat::net
