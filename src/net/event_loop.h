// The event loop: epoll, timers, and two kinds of deferred work.
//
// One loop runs on one thread and owns everything registered with it; to use
// more cores, run one loop per core, each with its own SO_REUSEPORT listener.
//
// A tick is: wait for events (or the next timer), dispatch them, fire due
// timers, run the "soon" list (work postponed for fairness), then run the
// "before sleep" list (output flushes and deferred closes), so that bytes
// produced anywhere during a tick leave in one write per connection, as in
// Redis's beforeSleep. Where the kernel has io_uring, the writes before
// sleep go to the kernel together, and where it is recent enough, sockets
// are received from through the ring, and the loop sleeps there (see
// io_batch.h).
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "net/output_queue.h"
#include "net/timer_heap.h"

namespace wirechat::net {

class IoBatch;

class IoHandler {
public:
    virtual void on_io(std::uint32_t epoll_events) = 0;

protected:
    ~IoHandler() = default;
};

// Something the loop may destroy for its owner at the end of a tick, once no
// event, timer or deferred work of that tick can still point at it.
class Disposable {
public:
    virtual ~Disposable() = default;
};

// A piece of work queued at most once per list, however often it is asked
// for. One object may be on both lists (a connection is: reading on, and
// flushing); the loop says which list it runs from. It is Disposable too, so
// that an object that is both (every connection) has one vtable pointer for
// the two, not one each.
class Deferred : public Disposable {
public:
    enum class List : std::uint8_t { soon, before_sleep };
    virtual void run_deferred(List from) = 0;

private:
    friend class EventLoop;
    bool queued_soon_ = false;
    bool queued_before_sleep_ = false;
};

// Told when a tick is over: when the loop woke for it, and when its writes
// were done (monotonic nanoseconds). Only a loop that has an observer reads
// the clock for it.
class TickObserver {
public:
    virtual void tick_done(std::int64_t woke_ns, std::int64_t written_ns) = 0;

protected:
    ~TickObserver() = default;
};

class EventLoop {
public:
    // batch_io: read and write through an IoBatch where the kernel allows.
    // Without it every socket is read and written by its own system call,
    // after epoll, which is what strace then shows. ring_receives: false
    // keeps the IoBatch to writes (as on kernels before 6.1).
    explicit EventLoop(bool batch_io = true, bool ring_receives = true);
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    void watch(int fd, std::uint32_t events, IoHandler& handler);
    void rewatch(int fd, std::uint32_t events, IoHandler& handler);  // other events
    void unwatch(int fd);

    // Run at the start of the next tick, without sleeping first.
    void run_soon(Deferred& work);
    // Run at the end of this tick, just before the loop sleeps.
    void run_before_sleep(Deferred& work);
    // Take work off both lists (its owner is going away).
    void forget(Deferred& work);

    // Null when reads and writes are not batched.
    IoBatch* io_batch() { return io_batch_.get(); }
    // Whether sockets are received from through the IoBatch.
    bool receives_in_ring() const;

    // Destroy `thing` at the end of this tick (see Disposable).
    void dispose_later(std::unique_ptr<Disposable> thing);

    TimerHeap& timers() { return timers_; }
    // Monotonic milliseconds, and the wall clock (Unix milliseconds and
    // seconds), read once per tick.
    std::int64_t now_ms() const { return now_ms_; }
    std::int64_t wall_ms() const { return wall_ms_; }
    std::time_t wall_time() const { return std::time_t(wall_ms_ / 1000); }

    // Scratch space every connection that reads by itself reads into (where
    // the ring receives, those with large messages), so an idle connection
    // holds no receive buffer of its own.
    std::span<std::uint8_t> read_buffer() { return read_buffer_; }
    // The input a connection is delivering: what it sends back from it
    // during the delivery may be borrowed rather than copied (see
    // Connection::send). Empty between deliveries.
    std::span<const std::uint8_t> input_in_delivery() const { return input_in_delivery_; }
    void set_input_in_delivery(std::span<const std::uint8_t> input) { input_in_delivery_ = input; }
    // Scratch every connection queues its output in during a tick (see
    // OutputQueue): it is written before the loop sleeps, so an idle
    // connection holds no send buffer of its own either. Cleared at the end
    // of every tick; whatever must outlive it is settled by then.
    std::string& tick_output() { return tick_output_; }
    // Bytes that many connections send alike this tick (a broadcast): where
    // they are in the tick scratch, copied there once, on the first ask.
    std::pair<std::size_t, std::size_t> in_tick_output(const SharedBytes& bytes);

    void run();   // until stop()
    void stop() { running_ = false; }

    // At most one; null to stop observing.
    void observe_ticks(TickObserver* observer) { tick_observer_ = observer; }
    // Monotonic nanoseconds, read now (not once per tick).
    static std::int64_t clock_ns();

private:
    void refresh_clock();
    void set_interest(int op, int fd, std::uint32_t events, IoHandler& handler);
    int poll_epoll(int timeout, bool wakes = false);
    void drain(Deferred::List which, std::vector<Deferred*>& list, std::vector<Deferred*>& spare,
               bool Deferred::*flag);
    void end_tick();

    int epoll_fd_;
    bool running_ = false;
    std::int64_t now_ms_ = 0;
    std::int64_t wall_ms_ = 0;
    TimerHeap timers_;
    std::vector<Deferred*> soon_;
    std::vector<Deferred*> before_sleep_;
    std::vector<Deferred*> spare_;  // reused by drain(), so it never allocates once warm
    std::vector<std::unique_ptr<Disposable>> disposed_;
    std::unique_ptr<IoBatch> io_batch_;
    std::vector<std::uint8_t> read_buffer_;
    std::span<const std::uint8_t> input_in_delivery_;
    std::string tick_output_;
    // What in_tick_output() copied last, and where; held (not just its
    // address) so that no other bytes can take its place this tick.
    SharedBytes in_tick_output_;
    std::size_t in_tick_output_begin_ = 0;
    TickObserver* tick_observer_ = nullptr;
    std::int64_t woke_ns_ = 0;  // when the tick being run woke, if observed
};

}  // namespace wirechat::net
