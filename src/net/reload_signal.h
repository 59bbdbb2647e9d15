// Turns SIGHUP into an event-loop event (signalfd), the way ShutdownSignals
// does for SIGINT and SIGTERM: "read your files again" (a renewed TLS
// certificate) runs on the loop, between two ticks, never inside a signal
// handler.
#pragma once

#include <functional>

#include "net/event_loop.h"

namespace wirechat::net {

class ReloadSignal final : private IoHandler {
public:
    ReloadSignal(EventLoop& loop, std::function<void()> on_signal);
    ~ReloadSignal();
    ReloadSignal(const ReloadSignal&) = delete;
    ReloadSignal& operator=(const ReloadSignal&) = delete;

private:
    void on_io(std::uint32_t events) override;
    EventLoop& loop_;
    std::function<void()> on_signal_;
    int fd_;
};

}  // namespace wirechat::net
