// Client -> server: turns one WebSocket text message into a request, or into
// the reason it is refused.
//
// The limits come first: the size is checked before a single byte is parsed,
// and the parser itself stops at the nesting limit, so a hostile message
// costs at most max_envelope_bytes of parsing. The parsed document lives in
// an arena owned by the reader and recycled on every read(), so decoding a
// typical envelope allocates nothing.
#pragma once

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <variant>

#include "app/error_code.h"

namespace wirechat::app {

enum class RequestType { nickname, new_message, join, rooms };
inline constexpr std::size_t request_type_count = 4;
// The wire spelling, e.g. "new_message".
std::string_view request_type_name(RequestType type);

struct Request {
    RequestType type;
    // The payload string (nickname, message text, room name), untrimmed;
    // empty for `rooms`, whose payload is ignored. Valid until the next read().
    std::string_view text;
    // join only, in its object form {"room":..,"since":N}: recover the
    // room's messages after id N.
    std::optional<std::uint64_t> since = {};
};

struct Refusal {
    ErrorCode code;
    std::string_view message;  // human readable, static storage
};

// `since` must be an id a JavaScript number holds exactly: 0 to 2^53 - 1.
inline constexpr std::uint64_t max_since = (std::uint64_t(1) << 53) - 1;
inline constexpr std::string_view since_rule = "since is a whole number from 0 to 2^53 - 1";
// A JSON number that is such an id, or nullopt.
std::optional<std::uint64_t> since_from_json(const boost::json::value& value);

class EnvelopeReader {
public:
    EnvelopeReader(std::size_t max_bytes, std::size_t max_depth);

    std::variant<Request, Refusal> read(std::string_view text);

private:
    std::variant<Request, Refusal> read_join(const boost::json::object& payload);

    std::size_t max_bytes_;
    std::unique_ptr<unsigned char[]> arena_buffer_;
    boost::json::monotonic_resource arena_;
    boost::json::parser parser_;
    boost::json::value document_;  // what the last Request's text points into
};

}  // namespace wirechat::app
