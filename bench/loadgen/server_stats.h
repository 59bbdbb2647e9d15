// What the benchmark reads about the server process from /proc: CPU time
// (user + system, all threads) and resident memory. CPU time per message is
// the fair figure when the load generator, not the server, is the bottleneck:
// msgs/s then measures the client, but the server's CPU per message does not.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace wirechat::bench {

class ServerStats {
public:
    explicit ServerStats(pid_t pid) : pid_(pid) {}

    bool enabled() const { return pid_ > 0; }
    // utime + stime of the whole process, in nanoseconds (kernel tick
    // resolution, typically 10 ms: measure for long enough).
    std::int64_t cpu_ns() const;
    // VmRSS in bytes.
    std::int64_t rss_bytes() const;

private:
    pid_t pid_;
};

}  // namespace wirechat::bench
