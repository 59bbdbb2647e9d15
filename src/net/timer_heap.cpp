#include "net/timer_heap.h"

#include <limits>

namespace wirechat::net {

void TimerHeap::place(std::size_t slot, Timer* t) {
    heap_[slot] = t;
    t->slot_ = slot;
}

void TimerHeap::sift_up(std::size_t slot) {
    Timer* t = heap_[slot];
    while (slot > 0) {
        std::size_t parent = (slot - 1) / 2;
        if (heap_[parent]->deadline_ <= t->deadline_) break;
        place(slot, heap_[parent]);
        slot = parent;
    }
    place(slot, t);
}

void TimerHeap::sift_down(std::size_t slot) {
    Timer* t = heap_[slot];
    const std::size_t n = heap_.size();
    for (;;) {
        std::size_t child = 2 * slot + 1;
        if (child >= n) break;
        if (child + 1 < n && heap_[child + 1]->deadline_ < heap_[child]->deadline_) ++child;
        if (t->deadline_ <= heap_[child]->deadline_) break;
        place(slot, heap_[child]);
        slot = child;
    }
    place(slot, t);
}

void TimerHeap::remove_at(std::size_t slot) {
    Timer* gone = heap_[slot];
    Timer* last = heap_.back();
    heap_.pop_back();
    gone->slot_ = Timer::not_armed;
    if (slot == heap_.size()) return;  // it was the last one
    place(slot, last);
    sift_down(slot);
    sift_up(last->slot_);
}

void TimerHeap::arm(Timer& t, std::int64_t deadline) {
    if (t.armed()) {
        // Activity usually pushes a deadline later; moving an entry in place
        // is cheaper than removing and re-inserting it.
        std::int64_t old = t.deadline_;
        t.deadline_ = deadline;
        if (deadline > old) sift_down(t.slot_);
        else sift_up(t.slot_);
        return;
    }
    t.deadline_ = deadline;
    heap_.push_back(&t);
    t.slot_ = heap_.size() - 1;
    sift_up(t.slot_);
}

void TimerHeap::cancel(Timer& t) {
    if (t.armed()) remove_at(t.slot_);
}

int TimerHeap::wait_ms(std::int64_t now) const {
    if (heap_.empty()) return -1;
    std::int64_t delta = heap_.front()->deadline_ - now;
    if (delta <= 0) return 0;
    if (delta > std::numeric_limits<int>::max()) return std::numeric_limits<int>::max();
    return static_cast<int>(delta);
}

void TimerHeap::fire_due(std::int64_t now) {
    while (!heap_.empty() && heap_.front()->deadline_ <= now) {
        Timer* t = heap_.front();
        remove_at(0);
        t->fire();  // may re-arm t or touch other timers: the heap is consistent here
    }
}

}  // namespace wirechat::net
