#include "ops/process_stats.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace wirechat::ops {

namespace {

std::string read_file(const char* path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), {}};
}

// When the machine booted (btime in /proc/stat), in seconds since the epoch.
double boot_time() {
    std::istringstream stat(read_file("/proc/stat"));
    std::string key;
    double value = 0;
    while (stat >> key) {
        if (key == "btime" && stat >> value) return value;
        stat.ignore(1 << 20, '\n');
    }
    return 0;
}

}  // namespace

ProcessStats read_process_stats() {
    ProcessStats stats;
    const double ticks = double(sysconf(_SC_CLK_TCK));
    // Fields after the parenthesised command name: state is field 3, utime
    // 14, stime 15, starttime 22 (proc(5)).
    const std::string stat = read_file("/proc/self/stat");
    std::istringstream rest(stat.substr(stat.rfind(')') + 2));
    std::string field;
    double utime = 0, stime = 0, started = 0;
    for (int i = 3; i <= 22 && rest >> field; ++i) {
        if (i == 14) utime = std::stod(field);
        if (i == 15) stime = std::stod(field);
        if (i == 22) started = std::stod(field);
    }
    stats.cpu_seconds = (utime + stime) / ticks;
    stats.start_time_seconds = boot_time() + started / ticks;

    std::istringstream statm(read_file("/proc/self/statm"));
    std::uint64_t size = 0, resident = 0;
    statm >> size >> resident;
    stats.resident_bytes = resident * std::uint64_t(sysconf(_SC_PAGESIZE));

    if (DIR* fds = opendir("/proc/self/fd")) {
        while (const dirent* entry = readdir(fds))
            if (entry->d_name[0] != '.') ++stats.open_fds;
        closedir(fds);
        --stats.open_fds;  // the directory we were reading
    }
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) stats.max_fds = limit.rlim_cur;
    return stats;
}

}  // namespace wirechat::ops
