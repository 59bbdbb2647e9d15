// Why an envelope was refused. Each code is sent to the client as the "code"
// field of an error envelope; the connection stays open.
#pragma once

#include <cstddef>
#include <string_view>

namespace wirechat::app {

enum class ErrorCode {
    bad_json,       // not JSON, or nested deeper than the limit
    too_large,      // the envelope is over the size limit
    bad_envelope,   // not an object, no string "type", or payload of the wrong JSON type
    unknown_type,   // "type" names no request
    bad_nickname,   // length, control characters, or taken
    bad_message,    // empty or too long after trimming
    bad_room,       // not 1..max_room characters of [A-Za-z0-9_-]
    rate_limited,   // the client's token bucket is empty
    bad_since,      // `since` is not an integer from 0 to 2^53 - 1
    unavailable,    // the shared store (Redis) cannot be reached, or is too slow
    forbidden,      // with signed identities: a nickname change, or a room the token does not allow
};
inline constexpr std::size_t error_code_count = std::size_t(ErrorCode::forbidden) + 1;

// The wire spelling, e.g. "bad_json".
std::string_view error_code_name(ErrorCode code);

}  // namespace wirechat::app
