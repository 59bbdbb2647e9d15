#include "app/error_code.h"

namespace wirechat::app {

std::string_view error_code_name(ErrorCode code) {
    switch (code) {
    case ErrorCode::bad_json: return "bad_json";
    case ErrorCode::too_large: return "too_large";
    case ErrorCode::bad_envelope: return "bad_envelope";
    case ErrorCode::unknown_type: return "unknown_type";
    case ErrorCode::bad_nickname: return "bad_nickname";
    case ErrorCode::bad_message: return "bad_message";
    case ErrorCode::bad_room: return "bad_room";
    case ErrorCode::rate_limited: return "rate_limited";
    case ErrorCode::bad_since: return "bad_since";
    case ErrorCode::unavailable: return "unavailable";
    case ErrorCode::forbidden: return "forbidden";
    }
    return "internal";  // unreachable: every enumerator is handled above
}

}  // namespace wirechat::app
