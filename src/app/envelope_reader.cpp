#include "app/envelope_reader.h"

#include <boost/json/error.hpp>
#include <boost/json/parse_options.hpp>

namespace wirechat::app {

namespace json = boost::json;

namespace {

// Room for the parse of any ordinary envelope; a pathological one (thousands
// of tiny values) overflows into heap blocks that the next read() frees.
constexpr std::size_t kArenaBytes = 16 * 1024;

json::parse_options limits(std::size_t max_depth) {
    json::parse_options options;
    options.max_depth = max_depth;
    // Strict RFC 8259: no comments, no trailing commas, no invalid UTF-8.
    return options;
}

}  // namespace

std::string_view request_type_name(RequestType type) {
    switch (type) {
    case RequestType::nickname: return "nickname";
    case RequestType::new_message: return "new_message";
    case RequestType::join: return "join";
    case RequestType::rooms: return "rooms";
    }
    return "unknown";
}

EnvelopeReader::EnvelopeReader(std::size_t max_bytes, std::size_t max_depth)
    : max_bytes_(max_bytes),
      arena_buffer_(new unsigned char[kArenaBytes]),
      arena_(arena_buffer_.get(), kArenaBytes),
      parser_(json::storage_ptr(), limits(max_depth)) {}

std::variant<Request, Refusal> EnvelopeReader::read(std::string_view text) {
    if (text.size() > max_bytes_) {
        return Refusal{ErrorCode::too_large, "the envelope is larger than the server accepts"};
    }

    // The previous document dies before the arena holding it is recycled.
    document_ = nullptr;
    arena_.release();
    parser_.reset(&arena_);
    json::error_code ec;
    parser_.write(text.data(), text.size(), ec);
    if (ec) {
        parser_.reset();  // drop the partial parse state
        if (ec == json::error::too_deep) {
            return Refusal{ErrorCode::bad_json, "the envelope is nested too deeply"};
        }
        return Refusal{ErrorCode::bad_json, "the envelope is not valid JSON"};
    }
    document_ = parser_.release();

    const json::object* envelope = document_.if_object();
    if (!envelope) return Refusal{ErrorCode::bad_envelope, "the envelope must be a JSON object"};
    const json::value* type = envelope->if_contains("type");
    if (!type || !type->is_string()) {
        return Refusal{ErrorCode::bad_envelope, "the envelope needs a string \"type\""};
    }

    const json::string& name = type->get_string();
    RequestType request;
    if (name == "nickname") request = RequestType::nickname;
    else if (name == "new_message") request = RequestType::new_message;
    else if (name == "join") request = RequestType::join;
    else if (name == "rooms") return Request{RequestType::rooms, {}};
    else return Refusal{ErrorCode::unknown_type, "unknown envelope type"};

    const json::value* payload = envelope->if_contains("payload");
    if (request == RequestType::join && payload && payload->is_object()) return read_join(payload->get_object());
    if (!payload || !payload->is_string()) {
        return Refusal{ErrorCode::bad_envelope, request == RequestType::join
                                                    ? "join's payload must be a room name or {\"room\",\"since\"}"
                                                    : "this envelope's payload must be a string"};
    }
    const json::string& value = payload->get_string();
    return Request{request, std::string_view(value.data(), value.size()), std::nullopt};
}

// {"room":"dev","since":123}: "since" may be left out.
std::variant<Request, Refusal> EnvelopeReader::read_join(const boost::json::object& payload) {
    const json::value* room = payload.if_contains("room");
    if (!room || !room->is_string())
        return Refusal{ErrorCode::bad_envelope, "join's payload needs a string \"room\""};
    const json::string& name = room->get_string();
    Request request{RequestType::join, std::string_view(name.data(), name.size()), std::nullopt};
    if (const json::value* since = payload.if_contains("since")) {
        request.since = since_from_json(*since);
        if (!request.since) return Refusal{ErrorCode::bad_since, since_rule};
    }
    return request;
}

std::optional<std::uint64_t> since_from_json(const boost::json::value& value) {
    if (value.is_uint64()) {
        if (value.get_uint64() <= max_since) return value.get_uint64();
    } else if (value.is_int64()) {
        if (value.get_int64() >= 0 && std::uint64_t(value.get_int64()) <= max_since)
            return std::uint64_t(value.get_int64());
    } else if (value.is_double()) {
        // 1e3 is the integer 1000 written another way; 1.5 and -1 are not ids.
        const double number = value.get_double();
        if (number >= 0 && number <= double(max_since) && number == double(std::uint64_t(number)))
            return std::uint64_t(number);
    }
    return std::nullopt;
}

}  // namespace wirechat::app
