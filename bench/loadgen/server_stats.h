// What the benchmark reads about the server's processes from /proc: CPU time
// (user + system, all threads) and resident memory, summed over every
// process of the server (a cluster's nodes: --server-pid A,B). CPU time per
// message is the fair figure when the load generator, not the server, is
// the bottleneck: msgs/s then measures the client, but the server's CPU per
// message does not.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace wirechat::bench {

class ServerStats {
public:
    explicit ServerStats(std::vector<pid_t> pids) : pids_(std::move(pids)) {}

    bool enabled() const { return !pids_.empty(); }
    // CPU time of the processes (all threads), in nanoseconds, at the
    // kernel's tick resolution (typically 10 ms: measure for long enough).
    // User time is where servers differ; system time is mostly TCP, which
    // every server pays alike.
    struct Cpu {
        std::int64_t user_ns = 0;
        std::int64_t system_ns = 0;
        std::int64_t total_ns() const { return user_ns + system_ns; }
    };
    Cpu cpu() const;
    // CPU time of the processes (all threads), to the nanosecond (each
    // process's CPU clock, clock_getcpuclockid(3)): for windows too short
    // for cpu()'s ticks, such as the half second 10,000 handshakes take.
    std::int64_t run_ns() const;
    // VmRSS in bytes, summed.
    std::int64_t rss_bytes() const;

private:
    std::vector<pid_t> pids_;
};

// The load generator's own CPU time (user + system), in nanoseconds: near
// a whole core over a measurement, the load generator was the limit.
std::int64_t own_cpu_ns();

}  // namespace wirechat::bench
