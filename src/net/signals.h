// Turns SIGINT and SIGTERM into an event-loop event (signalfd), so shutdown
// runs on the loop like everything else instead of in a signal handler.
// Also ignores SIGPIPE: a write to a closed socket must be an EPIPE error we
// handle, not the death of the process.
#pragma once

#include <functional>

#include "net/event_loop.h"

namespace wirechat::net {

class ShutdownSignals final : private IoHandler {
public:
    ShutdownSignals(EventLoop& loop, std::function<void()> on_signal);
    ~ShutdownSignals();
    ShutdownSignals(const ShutdownSignals&) = delete;
    ShutdownSignals& operator=(const ShutdownSignals&) = delete;

private:
    void on_io(std::uint32_t events) override;
    EventLoop& loop_;
    std::function<void()> on_signal_;
    int fd_;
};

}  // namespace wirechat::net
