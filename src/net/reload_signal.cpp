#include "net/reload_signal.h"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>
#include <stdexcept>

namespace wirechat::net {

ReloadSignal::ReloadSignal(EventLoop& loop, std::function<void()> on_signal)
    : loop_(loop), on_signal_(std::move(on_signal)) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, nullptr);  // delivered through the fd only
    fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("signalfd failed");
    loop_.watch(fd_, EPOLLIN, *this);
}

ReloadSignal::~ReloadSignal() {
    loop_.unwatch(fd_);
    close(fd_);
}

void ReloadSignal::on_io(std::uint32_t) {
    // Several SIGHUPs before we looked are one reload: the files are read
    // once, as they are now.
    signalfd_siginfo info;
    bool any = false;
    while (read(fd_, &info, sizeof info) == sizeof info) any = true;
    if (any) on_signal_();
}

}  // namespace wirechat::net
