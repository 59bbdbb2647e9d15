#include "server_stats.h"

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

}  // namespace

ServerStats::Cpu ServerStats::cpu() const {
    std::string text = read_proc(pid_, "stat");
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

std::int64_t ServerStats::rss_bytes() const {
    std::string text = read_proc(pid_, "status");
    std::size_t pos = text.find("VmRSS:");
    if (pos == std::string::npos) throw std::runtime_error("no VmRSS in /proc/PID/status");
    return std::atoll(text.c_str() + pos + 6) * 1024;
}

}  // namespace wirechat::bench
