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
    // CPU time of the whole process (all threads), in nanoseconds, at the
    // kernel's tick resolution (typically 10 ms: measure for long enough).
    // User time is where servers differ; system time is mostly TCP, which
    // every server pays alike.
    struct Cpu {
        std::int64_t user_ns = 0;
        std::int64_t system_ns = 0;
        std::int64_t total_ns() const { return user_ns + system_ns; }
    };
    Cpu cpu() const;
    // VmRSS in bytes.
    std::int64_t rss_bytes() const;

private:
    pid_t pid_;
};

}  // namespace wirechat::bench
