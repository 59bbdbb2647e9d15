#include "net/signals.h"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>
#include <stdexcept>

namespace wirechat::net {

ShutdownSignals::ShutdownSignals(EventLoop& loop, std::function<void()> on_signal)
    : loop_(loop), on_signal_(std::move(on_signal)) {
    std::signal(SIGPIPE, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, nullptr);  // delivered through the fd only
    fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("signalfd failed");
    loop_.watch(fd_, EPOLLIN, *this);
}

ShutdownSignals::~ShutdownSignals() {
    loop_.unwatch(fd_);
    close(fd_);
}

void ShutdownSignals::on_io(std::uint32_t) {
    signalfd_siginfo info;
    while (read(fd_, &info, sizeof info) == sizeof info) on_signal_();
}

}  // namespace wirechat::net
