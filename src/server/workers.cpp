#include "server/workers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace wirechat::server {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// A worker that ran this long before dying had worked: it is started again
// at once. One that keeps dying sooner waits before each new start, longer
// each time (1 s, 2 s, 4 s ... 30 s), so that a broken setup does not spin.
constexpr auto stable_run = seconds(10);
constexpr auto first_delay = seconds(1);
constexpr auto longest_delay = seconds(30);
// After the SIGTERM, a worker has its own graceful shutdown (at most
// Options::shutdown_grace_ms) and this much more before it is SIGKILLed.
constexpr auto stop_margin = seconds(2);

[[noreturn]] void fail_bind(const std::string& host, std::uint16_t port, int err) {
    throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) +
                             ": bind: " + std::strerror(err));
}

// A socket bound to host:port the way net::Listener binds its own (the
// first address that works, SO_REUSEADDR), with SO_REUSEPORT if `share`,
// but not listening. Throws as the Listener does.
int bind_only(const std::string& host, std::uint16_t port, bool share) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0)
        throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                                 gai_strerror(rc));
    int bound = -1, err = 0;
    for (addrinfo* a = found; a && bound < 0; a = a->ai_next) {
        int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (share) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
        if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0) {
            bound = fd;
        } else {
            err = errno;
            ::close(fd);
        }
    }
    freeaddrinfo(found);
    if (bound < 0) fail_bind(host, port, err);
    return bound;
}

std::uint16_t bound_port(int fd) {
    sockaddr_storage address{};
    socklen_t size = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
    return ntohs(address.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(address).sin6_port
                                               : reinterpret_cast<sockaddr_in&>(address).sin_port);
}

// "exited with status 1", "was killed by signal 9 (Killed)".
std::string how_it_ended(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        std::string text = "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
                           strsignal(WTERMSIG(status)) + ")";
        if (WCOREDUMP(status)) text += ", core dumped";
        return text;
    }
    return "ended with wait status " + std::to_string(status);
}

struct Worker {
    int number = 0;               // 1 to N, for messages: a restart keeps the number
    pid_t pid = 0;                // 0: not running
    int stdout_fd = -1;           // the read end of its stdout, until its first line
    std::string first_line;
    bool listening = false;
    Clock::time_point started;
    int quick_deaths = 0;         // in a row, each before stable_run
    std::optional<Clock::time_point> restart_at;
};

class Supervisor {
public:
    Supervisor(const Options& options, int count, const Serve& serve);
    ~Supervisor();
    Supervisor(const Supervisor&) = delete;
    Supervisor& operator=(const Supervisor&) = delete;

    int run();

private:
    void start(Worker& worker);
    [[noreturn]] void become_worker(int stdout_fd);
    void read_first_line(Worker& worker);
    void announce_if_all_listen();
    void reap();
    void died(Worker& worker, const std::string& how, pid_t pid = 0);
    void stop(int exit_status);
    void kill_stragglers();
    bool any_running() const;
    int poll_timeout_ms() const;
    void close_stdout(Worker& worker);

    const Serve& serve_;
    Options worker_options_;
    std::vector<Worker> workers_;
    pid_t supervisor_pid_ = getpid();
    int reserved_fd_ = -1;
    int signal_fd_ = -1;
    sigset_t original_mask_{};
    bool announced_ = false;
    bool stopping_ = false;
    int exit_status_ = 0;
    Clock::time_point stop_deadline_;
};

Supervisor::Supervisor(const Options& options, int count, const Serve& serve)
    : serve_(serve), worker_options_(options), workers_(std::size_t(count)) {
    for (int i = 0; i < count; ++i) workers_[std::size_t(i)].number = i + 1;
    // Without --reuse-port, a port someone already listens on is an error,
    // as it is for one process (net/listener.h): a socket without
    // SO_REUSEPORT tells, where the workers' own would join the other group.
    if (options.port != 0 && !options.share_port) ::close(bind_only(options.host, options.port, false));
    // The workers' listeners join this socket's SO_REUSEPORT group. It never
    // listens, so the kernel never hands it a connection (only listening
    // sockets are looked up for a SYN), but it holds the port for as long as
    // the supervisor lives: port 0 is picked here once for every worker, and
    // no one else can take the port while a worker is being started again.
    reserved_fd_ = bind_only(options.host, options.port, true);
    worker_options_.port = bound_port(reserved_fd_);
    worker_options_.share_port = true;

    // Children and stop signals arrive through a descriptor we poll, not in
    // a handler. Blocked before the first fork, so that none is lost; each
    // worker gets the original mask back.
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGHUP);  // passed on to the workers (a TLS reload)
    sigprocmask(SIG_BLOCK, &mask, &original_mask_);
    signal_fd_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (signal_fd_ < 0) throw std::runtime_error(std::string("signalfd: ") + std::strerror(errno));
    // Whoever reads our stdout may close it after the first line.
    std::signal(SIGPIPE, SIG_IGN);
}

Supervisor::~Supervisor() {
    for (Worker& worker : workers_) close_stdout(worker);
    if (signal_fd_ >= 0) ::close(signal_fd_);
    if (reserved_fd_ >= 0) ::close(reserved_fd_);
}

int Supervisor::run() {
    for (Worker& worker : workers_)
        if (!stopping_) start(worker);
    while (!stopping_ || any_running()) {
        std::vector<pollfd> watched{{signal_fd_, POLLIN, 0}};
        for (const Worker& worker : workers_)
            if (worker.stdout_fd >= 0) watched.push_back({worker.stdout_fd, POLLIN, 0});
        if (::poll(watched.data(), watched.size(), poll_timeout_ms()) < 0 && errno != EINTR)
            throw std::runtime_error(std::string("poll: ") + std::strerror(errno));

        signalfd_siginfo info;
        while (::read(signal_fd_, &info, sizeof info) == sizeof info) {
            if (info.ssi_signo == SIGINT || info.ssi_signo == SIGTERM) stop(0);
            if (info.ssi_signo == SIGHUP)
                for (const Worker& worker : workers_)
                    if (worker.pid > 0) ::kill(worker.pid, SIGHUP);
        }
        for (std::size_t i = 1; i < watched.size(); ++i)
            if (watched[i].revents)
                for (Worker& worker : workers_)
                    if (worker.stdout_fd == watched[i].fd) read_first_line(worker);
        reap();

        const auto now = Clock::now();
        if (stopping_ && now >= stop_deadline_) kill_stragglers();
        for (Worker& worker : workers_)
            if (worker.restart_at && now >= *worker.restart_at) start(worker);
    }
    return exit_status_;
}

// Forks a worker whose stdout is a pipe to us: its "listening on" line
// tells us it listens, and stays off our stdout, where the one line is ours.
void Supervisor::start(Worker& worker) {
    worker.restart_at.reset();
    worker.first_line.clear();
    worker.listening = false;
    worker.started = Clock::now();
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) {
        died(worker, "could not be started: " + std::string(std::strerror(errno)));
        return;
    }
    std::fflush(nullptr);  // nothing buffered may be written twice
    const pid_t pid = fork();
    if (pid == 0) {
        ::close(out[0]);
        become_worker(out[1]);
    }
    ::close(out[1]);
    if (pid < 0) {
        // Out of processes: like a death, tried again later.
        const int err = errno;
        ::close(out[0]);
        died(worker, "could not be started: " + std::string(std::strerror(err)));
        return;
    }
    worker.pid = pid;
    worker.stdout_fd = out[0];
}

// In the child: drop what belongs to the supervisor, then serve.
void Supervisor::become_worker(int stdout_fd) {
    // A worker must not outlive its supervisor, or nobody would stop it; it
    // is asked as politely as the supervisor would ask. If the supervisor
    // is already gone, the request came too late to be heard.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != supervisor_pid_) _exit(1);
    dup2(stdout_fd, STDOUT_FILENO);
    ::close(stdout_fd);
    for (Worker& worker : workers_)
        if (worker.stdout_fd >= 0) ::close(worker.stdout_fd);
    ::close(signal_fd_);
    ::close(reserved_fd_);
    std::signal(SIGPIPE, SIG_DFL);
    sigprocmask(SIG_SETMASK, &original_mask_, nullptr);
    // exit(), not a return: the supervisor's frames must not go on running
    // here. Its objects are simply left behind with the process.
    std::exit(serve_(worker_options_));
}

void Supervisor::read_first_line(Worker& worker) {
    char buffer[256];
    const ssize_t n = ::read(worker.stdout_fd, buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n > 0) {
        worker.first_line.append(buffer, std::size_t(n));
        if (worker.first_line.find('\n') == std::string::npos) return;
        worker.listening = true;
    }
    // Its line, or end of file: the worker is dying, and reap() will say so.
    // A worker prints nothing else: once closed, a write gets EPIPE (the
    // server ignores SIGPIPE).
    close_stdout(worker);
    announce_if_all_listen();
}

void Supervisor::announce_if_all_listen() {
    if (announced_ || stopping_) return;
    for (const Worker& worker : workers_)
        if (!worker.listening) return;
    announced_ = true;
    std::printf("listening on %s://%s:%u\n", worker_options_.tls_cert.empty() ? "http" : "https",
                worker_options_.host.c_str(), unsigned(worker_options_.port));
    std::fflush(stdout);
}

void Supervisor::reap() {
    int status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
        for (Worker& worker : workers_)
            if (worker.pid == pid) {
                worker.pid = 0;
                died(worker, how_it_ended(status), pid);
            }
}

// `pid`: 0 if it could not even be started.
void Supervisor::died(Worker& worker, const std::string& how, pid_t pid) {
    // What it printed before dying is all there: its write end is closed.
    while (worker.stdout_fd >= 0) read_first_line(worker);
    if (stopping_) return;  // as asked
    const std::string who = "worker " + std::to_string(worker.number) +
                            (pid > 0 ? " (pid " + std::to_string(pid) + ")" : "");
    if (!announced_) {
        // Before all listen, a death is the setup's fault (the worker said
        // why on stderr): starting it again would only hide that.
        std::fprintf(stderr, "wirechat: %s %s before it listened; stopping\n", who.c_str(), how.c_str());
        stop(1);
        return;
    }
    const auto now = Clock::now();
    worker.quick_deaths = now - worker.started < stable_run ? worker.quick_deaths + 1 : 0;
    // A quick death is answered at once; the next ones in a row (it keeps
    // dying: a broken setup, a crash on every start) wait 1 s, 2 s, 4 s ...
    // up to 30 s.
    auto delay = Clock::duration::zero();
    if (worker.quick_deaths >= 2)
        delay = std::min<Clock::duration>(first_delay * (1 << std::min(worker.quick_deaths - 2, 5)), longest_delay);
    worker.restart_at = now + delay;
    const auto delay_s = std::chrono::duration_cast<seconds>(delay).count();
    const std::string when = delay_s > 0 ? " in " + std::to_string(delay_s) + " s" : "";
    std::fprintf(stderr, "wirechat: %s %s; starting it again%s\n", who.c_str(), how.c_str(), when.c_str());
}

// Every worker gets SIGTERM and shuts down as one process would (no new
// connections, WebSockets closed with 1001); run() waits, bounded.
void Supervisor::stop(int exit_status) {
    if (stopping_) return;
    stopping_ = true;
    exit_status_ = exit_status;
    stop_deadline_ = Clock::now() + milliseconds(worker_options_.shutdown_grace_ms) + stop_margin;
    for (Worker& worker : workers_) {
        worker.restart_at.reset();
        if (worker.pid > 0) ::kill(worker.pid, SIGTERM);
    }
}

void Supervisor::kill_stragglers() {
    for (Worker& worker : workers_) {
        if (worker.pid <= 0) continue;
        std::fprintf(stderr, "wirechat: worker %d (pid %d) still running after SIGTERM; killing it\n",
                     worker.number, int(worker.pid));
        ::kill(worker.pid, SIGKILL);
        waitpid(worker.pid, nullptr, 0);  // SIGKILL cannot be refused
        worker.pid = 0;
    }
}

bool Supervisor::any_running() const {
    return std::any_of(workers_.begin(), workers_.end(), [](const Worker& w) { return w.pid > 0; });
}

// Until the next restart or the stop deadline; -1: only signals and lines.
int Supervisor::poll_timeout_ms() const {
    std::optional<Clock::time_point> next;
    if (stopping_) next = stop_deadline_;
    for (const Worker& worker : workers_)
        if (worker.restart_at && (!next || *worker.restart_at < *next)) next = worker.restart_at;
    if (!next) return -1;
    const auto left = std::chrono::duration_cast<milliseconds>(*next - Clock::now()).count();
    return int(std::clamp<long long>(left + 1, 0, 60'000));
}

void Supervisor::close_stdout(Worker& worker) {
    if (worker.stdout_fd < 0) return;
    ::close(worker.stdout_fd);
    worker.stdout_fd = -1;
}

}  // namespace

int run_workers(const Options& options, int count, const Serve& serve) {
    Supervisor supervisor(options, count, serve);
    return supervisor.run();
}

}  // namespace wirechat::server
