// The Prometheus text exposition format, version 0.0.4: what /metrics
// answers. Families are written one after the other, each with its # HELP
// and # TYPE lines, then its samples.
//
// Built only when scraped, into one string: the hot path never formats a
// metric.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "ops/histogram.h"

namespace wirechat::ops {

using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

class Exposition {
public:
    // Starts a family; `type` is counter, gauge or histogram.
    void family(std::string_view name, std::string_view type, std::string_view help);
    // One sample of the current family (counters' names end in _total).
    void sample(std::string_view name, double value, Labels labels = {});
    void sample(std::string_view name, std::uint64_t value, Labels labels = {});
    // A whole histogram family: _bucket (cumulative, with le), _sum, _count.
    void histogram(std::string_view name, std::string_view help, const Histogram& histogram);

    static constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";
    const std::string& text() const { return text_; }

private:
    void name_and_labels(std::string_view name, Labels labels, std::string_view extra_name = {},
                         std::string_view extra_value = {});
    std::string text_;
};

}  // namespace wirechat::ops
