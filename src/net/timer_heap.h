// Timers for the event loop: a binary min-heap of deadlines.
//
// Each Timer remembers its own slot in the heap, so re-arming (every time a
// connection shows activity) and cancelling are O(log n) without searching.
// Times are milliseconds on the loop's monotonic clock.
#pragma once

#include <cstdint>
#include <new>
#include <type_traits>
#include <vector>

namespace wirechat::net {

class TimerHeap;

// The callback is a lambda that captures at most one pointer (in practice
// `[this]`): kept in place next to a plain function pointer that calls it,
// 16 bytes where std::function takes 32. Every connection has a timer or
// two, so this is part of what an idle connection costs.
class Timer {
public:
    template <class F>
        requires std::is_trivially_copyable_v<F> && (sizeof(F) <= sizeof(void*)) &&
                 (alignof(F) <= alignof(void*))
    explicit Timer(F on_fire)
        : call_([](void* stored) { (*std::launder(static_cast<F*>(stored)))(); }) {
        ::new (static_cast<void*>(callback_)) F(on_fire);
    }
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;
    bool armed() const { return slot_ != not_armed; }

private:
    friend class TimerHeap;
    static constexpr std::size_t not_armed = ~std::size_t{0};
    void fire() { call_(callback_); }

    void (*call_)(void*);
    alignas(void*) unsigned char callback_[sizeof(void*)];
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

private:
    void place(std::size_t slot, Timer* t);
    void sift_up(std::size_t slot);
    void sift_down(std::size_t slot);
    void remove_at(std::size_t slot);
    std::vector<Timer*> heap_;
};

}  // namespace wirechat::net
