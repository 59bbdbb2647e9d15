#include "net/output_queue.h"

#include <algorithm>
#include <limits>

namespace wirechat::net {

namespace {
// The run's offsets are 32 bits; a scratch past that (never in practice)
// queues by segment.
constexpr std::size_t max_run_offset = std::numeric_limits<std::uint32_t>::max();
}  // namespace

void OutputQueue::append(std::string& scratch, std::string_view bytes) {
    if (bytes.empty()) return;
    const std::size_t begin = scratch.size();
    scratch.append(bytes);
    append_scratch(begin, scratch.size());
}

void OutputQueue::append(std::string& scratch, std::span<const std::uint8_t> bytes) {
    append(scratch, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

void OutputQueue::append_scratch(std::size_t begin, std::size_t end) {
    if (begin == end) return;
    if (!has_segments() && end <= max_run_offset) {
        // Start or extend the run, unless other bytes were appended to the
        // scratch after it.
        if (!has_run()) {
            run_begin_ = std::uint32_t(begin);
            run_end_ = std::uint32_t(end);
            return;
        }
        if (run_end_ == begin) {
            run_end_ = std::uint32_t(end);
            return;
        }
    }
    Spill& s = spill();
    Segment* last = has_segments() ? &s.segments.back() : nullptr;
    if (last && last->where == Where::scratch && last->end == begin) last->end = end;
    else s.segments.push_back({nullptr, begin, end, Where::scratch});
    s.queued += end - begin;
}

void OutputQueue::append_borrowed(std::span<const std::uint8_t> bytes) {
    if (bytes.empty()) return;
    Spill& s = spill();
    s.segments.push_back({reinterpret_cast<const char*>(bytes.data()), 0, bytes.size(), Where::borrowed});
    s.queued += bytes.size();
    s.borrowed = true;
}

OutputQueue::Spill& OutputQueue::spill() {
    if (!spill_) spill_ = std::make_unique<Spill>();
    return *spill_;
}

const char* OutputQueue::base(const std::string& scratch, const Segment& s) const {
    switch (s.where) {
        case Where::scratch: return scratch.data();
        case Where::own: return spill_->own.data();
        case Where::borrowed: break;
    }
    return s.borrowed;
}

int OutputQueue::gather(const std::string& scratch, iovec* iov, int max) const {
    int count = 0;
    if (has_run() && count < max) {
        iov[count].iov_base = const_cast<char*>(scratch.data()) + run_begin_;
        iov[count].iov_len = run_end_ - run_begin_;
        ++count;
    }
    if (!spill_) return count;
    for (std::size_t i = spill_->head; i < spill_->segments.size() && count < max; ++i) {
        const Segment& s = spill_->segments[i];
        iov[count].iov_base = const_cast<char*>(base(scratch, s) + s.begin);
        iov[count].iov_len = s.end - s.begin;
        ++count;
    }
    return count;
}

void OutputQueue::consume(std::size_t n) {
    const std::size_t from_run = std::min<std::size_t>(n, run_end_ - run_begin_);
    run_begin_ += std::uint32_t(from_run);
    n -= from_run;
    if (!spill_) return;
    Spill& s = *spill_;
    s.queued -= n;
    while (n > 0) {
        Segment& segment = s.segments[s.head];
        const std::size_t len = segment.end - segment.begin;
        if (n < len) {
            segment.begin += n;
            return;
        }
        n -= len;
        ++s.head;
    }
    if (s.queued == 0) {
        // Everything went out. The segment list keeps its capacity (a
        // handful of entries) so that the next message does not allocate;
        // the own buffer, which a slow reader may have made large, goes.
        s.segments.clear();
        s.head = 0;
        s.borrowed = false;
        std::string().swap(s.own);
    }
}

void OutputQueue::settle(const std::string& scratch) {
    if (has_run()) {
        Spill& s = spill();
        const std::size_t begin = s.own.size();
        s.own.append(scratch, run_begin_, run_end_ - run_begin_);
        s.segments.insert(s.segments.begin() + s.head, {nullptr, begin, s.own.size(), Where::own});
        s.queued += run_end_ - run_begin_;
        run_begin_ = run_end_ = 0;
    }
    if (!spill_) return;
    Spill& s = *spill_;
    for (std::size_t i = s.head; i < s.segments.size(); ++i) {
        Segment& segment = s.segments[i];
        if (segment.where == Where::own) continue;
        const std::size_t begin = s.own.size();
        s.own.append(base(scratch, segment) + segment.begin, segment.end - segment.begin);
        segment = {nullptr, begin, s.own.size(), Where::own};
    }
    s.borrowed = false;
}

void OutputQueue::release() {
    run_begin_ = run_end_ = 0;
    spill_.reset();
}

}  // namespace wirechat::net
