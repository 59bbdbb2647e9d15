// What the server counts, for /metrics: plain integers owned by the loop,
// bumped where things happen (no locks, no allocation, no strings on the
// way), and written out only when scraped (server/admin.h).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string_view>
#include <utility>

#include "ops/histogram.h"

namespace wirechat::server {

// The WebSocket endpoints: the chat at "/", the echo at "/echo".
enum class Endpoint : std::uint8_t { chat, echo };
inline constexpr std::size_t endpoint_count = 2;
std::string_view endpoint_name(Endpoint endpoint);

// Why an upgrade was refused before its 101.
enum class Refusal : std::uint8_t {
    no_endpoint,  // 404: no WebSocket at that path
    malformed,    // 400: not a valid handshake
    origin,       // 403: an Origin not allowed
    version,      // 426: not version 13
    unavailable,  // 503: the chat's store (Redis) is out of reach
    bad_query,    // 400: the chat's URL parameters are not well-formed
    rate_limited, // 429: too many handshakes from the client's address
    unauthorized, // 401: --auth-secret-file, and no valid token
};
inline constexpr std::size_t refusal_count = 8;
std::string_view refusal_name(Refusal refusal);

struct ServerMetrics {
    // Connections.
    std::uint64_t accepted = 0;
    // Answered 503 (--max-connections) or 429 (--max-connections-per-ip)
    // and closed: by access::Admission::Verdict (server_full, address_full).
    std::array<std::uint64_t, 2> over_limit{};
    std::uint64_t http_open = 0;   // public port, before any upgrade
    std::uint64_t admin_open = 0;  // the admin listener's
    std::array<std::uint64_t, endpoint_count> websockets_open{};

    // HTTP and handshakes.
    std::array<std::uint64_t, 600> responses{};  // by status code
    std::array<std::uint64_t, endpoint_count> handshakes_accepted{};
    std::array<std::uint64_t, refusal_count> handshakes_refused{};

    // WebSocket traffic: whole messages, and bytes as on the wire.
    struct Traffic {
        std::uint64_t messages_received = 0, messages_sent = 0;
        std::uint64_t bytes_received = 0, bytes_sent = 0;
    };
    std::array<Traffic, endpoint_count> traffic{};
    std::array<std::uint64_t, 16> frames_received{}, frames_sent{};  // by opcode
    // Closes by (code, whether the server closed); 1006 when the
    // connection ended without a closing handshake.
    std::map<std::pair<std::uint16_t, bool>, std::uint64_t> closes;
    std::uint64_t too_slow = 0;  // chat clients closed with 1008 for not reading

    // Timings (see server/admin.h).
    ops::Histogram tick_seconds = ops::loop_timings();
    ops::Histogram broadcast_seconds = ops::loop_timings();
    std::uint64_t broadcasts_this_tick = 0;  // chat messages written out this tick
};

}  // namespace wirechat::server
