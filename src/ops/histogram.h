// A Prometheus histogram: counts of observations at or under fixed upper
// bounds, their sum and count. Owned and updated by one event loop: plain
// integers, no locks, no allocation after construction.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace wirechat::ops {

class Histogram {
public:
    // Upper bounds in seconds, ascending; +Inf is implied.
    explicit Histogram(std::initializer_list<double> bounds);

    void observe(double seconds);

    const std::vector<double>& bounds() const { return bounds_; }
    // Observations in bucket i alone (not cumulative); the last is +Inf's.
    std::uint64_t in_bucket(std::size_t i) const { return counts_[i]; }
    std::uint64_t count() const { return count_; }
    double sum() const { return sum_; }

private:
    std::vector<double> bounds_;
    std::vector<std::uint64_t> counts_;  // bounds_.size() + 1
    std::uint64_t count_ = 0;
    double sum_ = 0;
};

// Bounds for what a loop does in one go: 50 us to 1 s.
Histogram loop_timings();

}  // namespace wirechat::ops
