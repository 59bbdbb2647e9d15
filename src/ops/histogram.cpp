#include "ops/histogram.h"

#include <algorithm>

namespace wirechat::ops {

Histogram::Histogram(std::initializer_list<double> bounds)
    : bounds_(bounds), counts_(bounds.size() + 1, 0) {}

void Histogram::observe(double seconds) {
    const auto at = std::lower_bound(bounds_.begin(), bounds_.end(), seconds);
    ++counts_[std::size_t(at - bounds_.begin())];
    ++count_;
    sum_ += seconds;
}

Histogram loop_timings() {
    return Histogram{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                     0.01,    0.025,  0.05,    0.1,    0.25,  0.5,    1};
}

}  // namespace wirechat::ops
