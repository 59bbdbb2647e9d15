// The limits of the chat protocol, in one place so that tests can shrink them
// and docs/protocol.md can quote them.
#pragma once

#include <cstddef>

namespace wirechat::app {

struct ChatOptions {
    std::size_t history_per_room = 100;
    std::size_t max_envelope_bytes = 16 * 1024;
    std::size_t max_depth = 16;
    std::size_t max_nickname = 32, max_text = 2000, max_room = 32;   // code points / chars
    // Envelopes per client: a token bucket (app/rate_limiter.h); a
    // rate_per_second of 0 is no limit (--chat-rate, --chat-burst).
    double rate_burst = 20, rate_per_second = 10;
    std::size_t users_listed = 200;
    // Envelopes that wait while their clients' requests are with the engine
    // (Redis): the total size of their text, over all clients.
    std::size_t max_backlog_bytes = 4 * 1024 * 1024;
};

}  // namespace wirechat::app
