// Latency samples and their percentiles. Samples are kept whole (8 bytes
// each; a run of a few million messages is a few tens of MiB) so the
// percentiles are exact, not bucketed.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace wirechat::bench {

class LatencySamples {
public:
    void reserve(std::size_t n) { samples_.reserve(n); }
    void add(std::int64_t ns) { samples_.push_back(ns); }
    std::size_t count() const { return samples_.size(); }

    // The p-th percentile (0 < p <= 100) in microseconds; 0 with no samples.
    double percentile_us(double p) {
        if (samples_.empty()) return 0;
        std::size_t rank = std::size_t(p / 100.0 * double(samples_.size() - 1) + 0.5);
        std::nth_element(samples_.begin(), samples_.begin() + std::ptrdiff_t(rank), samples_.end());
        return double(samples_[rank]) / 1000.0;
    }
    double max_us() const {
        if (samples_.empty()) return 0;
        return double(*std::max_element(samples_.begin(), samples_.end())) / 1000.0;
    }

private:
    std::vector<std::int64_t> samples_;
};

}  // namespace wirechat::bench
