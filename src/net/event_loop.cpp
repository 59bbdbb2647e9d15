#include "net/event_loop.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "net/io_batch.h"

namespace wirechat::net {

namespace {

constexpr int max_events_per_wait = 256;
// Big enough that a 16 KiB echo or a full browser request is one read.
constexpr std::size_t read_buffer_size = 256 * 1024;
// The tick scratch keeps the capacity of the busiest tick so far, so that a
// busy loop does not allocate per tick; one exceptional burst beyond this is
// given back.
constexpr std::size_t kept_tick_output = 4 * 1024 * 1024;

[[noreturn]] void fail(const char* what) {
    throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

}  // namespace

EventLoop::EventLoop(bool batch_io, bool ring_receives)
    : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)), read_buffer_(read_buffer_size) {
    if (epoll_fd_ < 0) fail("epoll_create1");
    if (batch_io) io_batch_ = IoBatch::open(epoll_fd_, ring_receives);
    refresh_clock();
}

EventLoop::~EventLoop() { close(epoll_fd_); }

bool EventLoop::receives_in_ring() const { return io_batch_ && io_batch_->receives(); }

void EventLoop::watch(int fd, std::uint32_t events, IoHandler& handler) {
    set_interest(EPOLL_CTL_ADD, fd, events, handler);
}

void EventLoop::rewatch(int fd, std::uint32_t events, IoHandler& handler) {
    set_interest(EPOLL_CTL_MOD, fd, events, handler);
}

void EventLoop::set_interest(int op, int fd, std::uint32_t events, IoHandler& handler) {
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = &handler;
    if (epoll_ctl(epoll_fd_, op, fd, &ev) < 0) fail(op == EPOLL_CTL_ADD ? "epoll_ctl(ADD)" : "epoll_ctl(MOD)");
}

void EventLoop::unwatch(int fd) { epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr); }

void EventLoop::run_soon(Deferred& work) {
    if (work.queued_soon_) return;
    work.queued_soon_ = true;
    soon_.push_back(&work);
}

void EventLoop::run_before_sleep(Deferred& work) {
    if (work.queued_before_sleep_) return;
    work.queued_before_sleep_ = true;
    before_sleep_.push_back(&work);
}

void EventLoop::forget(Deferred& work) {
    if (work.queued_soon_) std::erase(soon_, &work);
    if (work.queued_before_sleep_) std::erase(before_sleep_, &work);
    work.queued_soon_ = work.queued_before_sleep_ = false;
}

std::int64_t EventLoop::clock_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void EventLoop::refresh_clock() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    now_ms_ = std::int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
    clock_gettime(CLOCK_REALTIME, &ts);
    wall_ms_ = std::int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

void EventLoop::dispose_later(std::unique_ptr<Disposable> thing) {
    disposed_.push_back(std::move(thing));
}

// Run the work on `list`. Before sleep, work may queue more on the same
// list (a flush that closes a connection, say): keep going until it stays
// empty. Soon, what is queued meanwhile waits for the next tick, so that a
// connection or listener that gives up its turn for fairness lets the
// others' events in first. Swapping with a reused vector keeps this
// allocation-free once warm.
void EventLoop::drain(Deferred::List which, std::vector<Deferred*>& list, std::vector<Deferred*>& batch,
                      bool Deferred::*flag) {
    do {
        batch.swap(list);
        for (std::size_t i = 0; i < batch.size(); ++i) {
            Deferred* work = batch[i];
            if (!(work->*flag)) continue;  // forgotten meanwhile
            work->*flag = false;
            work->run_deferred(which);
        }
        batch.clear();
    } while (which == Deferred::List::before_sleep && !list.empty());
}

void EventLoop::end_tick() {
    // A socket told its batched write is done may queue more before-sleep
    // work (the next response of a pipeline, say).
    do {
        drain(Deferred::List::before_sleep, before_sleep_, spare_, &Deferred::queued_before_sleep_);
        if (io_batch_) io_batch_->run_writes();
    } while (!before_sleep_.empty());
    // Every flush has run and settled what it could not write.
    tick_output_.clear();
    in_tick_output_.reset();
    if (tick_output_.capacity() > kept_tick_output) std::string().swap(tick_output_);
    disposed_.clear();  // nothing of this tick refers to them any more
}

std::pair<std::size_t, std::size_t> EventLoop::in_tick_output(const SharedBytes& bytes) {
    if (bytes != in_tick_output_) {
        in_tick_output_ = bytes;
        in_tick_output_begin_ = tick_output_.size();
        tick_output_.append(*bytes);
    }
    return {in_tick_output_begin_, in_tick_output_begin_ + bytes->size()};
}

// Dispatch what the epoll set has, after sleeping at most `timeout` ms (a
// wait that `wakes` starts the tick). Returns how many events there were.
int EventLoop::poll_epoll(int timeout, bool wakes) {
    epoll_event events[max_events_per_wait];
    int n = epoll_wait(epoll_fd_, events, max_events_per_wait, timeout);
    if (n < 0 && errno != EINTR) fail("epoll_wait");
    if (wakes && tick_observer_) woke_ns_ = clock_ns();
    if (timeout != 0) refresh_clock();  // it may have slept
    for (int i = 0; i < n; ++i) static_cast<IoHandler*>(events[i].data.ptr)->on_io(events[i].events);
    return std::max(n, 0);
}

void EventLoop::run() {
    running_ = true;
    // Where the ring receives, the loop sleeps in the ring, which tells it
    // when the epoll set has events: when one becomes ready, not while it
    // stays ready. So every descriptor in the set is edge-triggered, or
    // read until EAGAIN, and when a wait fills the event array, the rest
    // are asked for in the next tick without sleeping.
    bool epoll_again = false;
    while (running_) {
        end_tick();
        if (tick_observer_ && woke_ns_ != 0) tick_observer_->tick_done(woke_ns_, clock_ns());
        int timeout = soon_.empty() && !epoll_again ? timers_.wait_ms(now_ms_) : 0;
        // (When no receive is armed, say every connection reads large
        // messages by itself, epoll_wait alone costs less.)
        if (receives_in_ring() && io_batch_->receiving()) {
            const bool epoll_ready = io_batch_->wait(timeout) || epoll_again;
            if (tick_observer_) woke_ns_ = clock_ns();
            refresh_clock();
            io_batch_->run_receives();  // first: see Connection::switch_reads()
            epoll_again = epoll_ready && poll_epoll(0) == max_events_per_wait;
        } else {
            poll_epoll(timeout, true);  // (a full array: the rest come at once next time)
            epoll_again = false;
        }
        timers_.fire_due(now_ms_);
        drain(Deferred::List::soon, soon_, spare_, &Deferred::queued_soon_);
    }
    end_tick();
}

}  // namespace wirechat::net
