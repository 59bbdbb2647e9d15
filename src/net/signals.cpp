#include "net/signals.h"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <stdexcept>

namespace wirechat::net {

SignalEvents::SignalEvents(EventLoop& loop, std::initializer_list<int> signals, std::function<void()> on_signal)
    : loop_(loop), on_signal_(std::move(on_signal)) {
    sigset_t set;
    sigemptyset(&set);
    for (int signal : signals) sigaddset(&set, signal);
    sigprocmask(SIG_BLOCK, &set, nullptr);  // delivered through the fd only
    fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("signalfd failed");
    loop_.watch(fd_, EPOLLIN, *this);
}

SignalEvents::~SignalEvents() {
    loop_.unwatch(fd_);
    close(fd_);
}

void SignalEvents::on_io(std::uint32_t) {
    signalfd_siginfo info;
    bool any = false;
    while (read(fd_, &info, sizeof info) == sizeof info) any = true;
    if (any) on_signal_();
}

void ignore_sigpipe() { std::signal(SIGPIPE, SIG_IGN); }

}  // namespace wirechat::net
