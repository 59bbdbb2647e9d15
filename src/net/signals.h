// Turns signals into event-loop events (signalfd): what they ask (shut down,
// for SIGINT and SIGTERM; read your files again, for SIGHUP) runs on the
// loop like everything else, between two ticks, never inside a signal
// handler. Several arrivals before the loop looked are one event: the work
// they ask for is the same, done once, as things are now.
#pragma once

#include <csignal>
#include <functional>
#include <initializer_list>

#include "net/event_loop.h"

namespace wirechat::net {

class SignalEvents final : private IoHandler {
public:
    SignalEvents(EventLoop& loop, std::initializer_list<int> signals, std::function<void()> on_signal);
    ~SignalEvents();
    SignalEvents(const SignalEvents&) = delete;
    SignalEvents& operator=(const SignalEvents&) = delete;

private:
    void on_io(std::uint32_t events) override;
    EventLoop& loop_;
    std::function<void()> on_signal_;
    int fd_;
};

// A write to a closed socket must be an EPIPE error we handle, not the
// death of the process: SIGPIPE is ignored.
void ignore_sigpipe();

}  // namespace wirechat::net
