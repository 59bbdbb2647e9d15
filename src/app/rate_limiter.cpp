#include "app/rate_limiter.h"

#include <algorithm>

namespace wirechat::app {

RateLimiter::RateLimiter(double burst, double per_second, std::int64_t now_ms)
    : burst_(burst), per_ms_(per_second / 1000.0), tokens_(burst), last_ms_(now_ms) {}

bool RateLimiter::try_take(std::int64_t now_ms) {
    if (per_ms_ <= 0) return true;  // no limit
    if (now_ms > last_ms_) {
        // In double, so that absurd timestamps cannot overflow the subtraction.
        const double elapsed = static_cast<double>(now_ms) - static_cast<double>(last_ms_);
        tokens_ = std::min(burst_, tokens_ + elapsed * per_ms_);
    }
    // A clock that stepped back restarts the refill from the new "now" instead
    // of waiting for the old one to come round again.
    last_ms_ = now_ms;
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
}

}  // namespace wirechat::app
