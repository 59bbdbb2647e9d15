#include "server_stats.h"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace wirechat::bench {

namespace {

std::string read_proc(pid_t pid, const char* file) {
    std::string path = "/proc/" + std::to_string(pid) + "/" + file;
    FILE* f = std::fopen(path.c_str(), "r");
    if (!f) throw std::runtime_error("cannot read " + path + " (is the server running?)");
    std::string text;
    char chunk[4096];
    std::size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) text.append(chunk, n);
    std::fclose(f);
    return text;
}

ServerStats::Cpu process_cpu(pid_t pid) {
    std::string text = read_proc(pid, "stat");
    // The command name may contain spaces and parentheses: fields are counted
    // from the last ')'. utime and stime are fields 14 and 15 of the line.
    std::size_t pos = text.rfind(')');
    if (pos == std::string::npos) throw std::runtime_error("unexpected /proc/PID/stat");
    const char* p = text.c_str() + pos + 2;
    long long utime = 0, stime = 0;
    for (int field = 3; field <= 15; ++field) {
        char* end = nullptr;
        long long value = std::strtoll(p, &end, 10);
        if (field == 14) utime = value;
        if (field == 15) stime = value;
        p = std::strchr(p, ' ');
        if (!p) break;
        ++p;
    }
    static const long ticks_per_second = sysconf(_SC_CLK_TCK);
    const std::int64_t tick_ns = 1'000'000'000 / ticks_per_second;
    return {utime * tick_ns, stime * tick_ns};
}

}  // namespace

ServerStats::Cpu ServerStats::cpu() const {
    Cpu sum;
    for (pid_t pid : pids_) {
        const Cpu one = process_cpu(pid);
        sum.user_ns += one.user_ns;
        sum.system_ns += one.system_ns;
    }
    return sum;
}

std::int64_t ServerStats::run_ns() const {
    std::int64_t sum = 0;
    for (pid_t pid : pids_) {
        // The process's CPU clock: every thread's time on a CPU, those that
        // have ended included, to the nanosecond.
        clockid_t clock;
        timespec t{};
        if (clock_getcpuclockid(pid, &clock) != 0 || clock_gettime(clock, &t) != 0)
            throw std::runtime_error("cannot read the CPU clock of process " + std::to_string(pid) +
                                     " (is the server running?)");
        sum += std::int64_t(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
    }
    return sum;
}

std::int64_t ServerStats::rss_bytes() const {
    std::int64_t sum = 0;
    for (pid_t pid : pids_) {
        std::string text = read_proc(pid, "status");
        std::size_t pos = text.find("VmRSS:");
        if (pos == std::string::npos) throw std::runtime_error("no VmRSS in /proc/PID/status");
        sum += std::atoll(text.c_str() + pos + 6) * 1024;
    }
    return sum;
}

std::int64_t own_cpu_ns() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto ns = [](const timeval& t) { return std::int64_t(t.tv_sec) * 1'000'000'000 + t.tv_usec * 1000; };
    return ns(usage.ru_utime) + ns(usage.ru_stime);
}

}  // namespace wirechat::bench
