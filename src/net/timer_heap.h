// Timers for the event loop: a binary min-heap of deadlines.
//
// Each Timer remembers its own slot in the heap, so re-arming (every time a
// connection shows activity) and cancelling are O(log n) without searching.
// Times are milliseconds on the loop's monotonic clock.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace wirechat::net {

class TimerHeap;

class Timer {
public:
    explicit Timer(std::function<void()> on_fire) : on_fire_(std::move(on_fire)) {}
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;
    bool armed() const { return slot_ != not_armed; }
    std::int64_t deadline() const { return deadline_; }

private:
    friend class TimerHeap;
    static constexpr std::size_t not_armed = ~std::size_t{0};
    std::function<void()> on_fire_;
    std::int64_t deadline_ = 0;
    std::size_t slot_ = not_armed;
};

class TimerHeap {
public:
    void arm(Timer& t, std::int64_t deadline);   // (re)schedule
    void cancel(Timer& t);                       // no-op when not armed
    // Milliseconds until the earliest deadline (0 if due), or -1 when empty:
    // exactly what epoll_wait wants as its timeout.
    int wait_ms(std::int64_t now) const;
    // Fire every timer whose deadline has passed. A callback may arm or
    // cancel any timer, including its own.
    void fire_due(std::int64_t now);
    std::size_t size() const { return heap_.size(); }

private:
    void place(std::size_t slot, Timer* t);
    void sift_up(std::size_t slot);
    void sift_down(std::size_t slot);
    void remove_at(std::size_t slot);
    std::vector<Timer*> heap_;
};

}  // namespace wirechat::net
