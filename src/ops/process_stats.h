// What the kernel says about this process, read from /proc when scraped:
// the usual process_* metrics of Prometheus clients.
#pragma once

#include <cstdint>

namespace wirechat::ops {

struct ProcessStats {
    double cpu_seconds = 0;         // user + system
    std::uint64_t resident_bytes = 0;
    std::uint64_t open_fds = 0;
    std::uint64_t max_fds = 0;      // RLIMIT_NOFILE, soft
    double start_time_seconds = 0;  // since the Unix epoch
};

ProcessStats read_process_stats();

}  // namespace wirechat::ops
