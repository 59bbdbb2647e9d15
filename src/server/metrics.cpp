#include "server/metrics.h"

namespace wirechat::server {

std::string_view endpoint_name(Endpoint endpoint) {
    return endpoint == Endpoint::chat ? "chat" : "echo";
}

std::string_view refusal_name(Refusal refusal) {
    switch (refusal) {
    case Refusal::no_endpoint: return "no_endpoint";
    case Refusal::malformed: return "malformed";
    case Refusal::origin: return "origin";
    case Refusal::version: return "version";
    case Refusal::unavailable: return "unavailable";
    case Refusal::bad_query: return "bad_query";
    case Refusal::rate_limited: return "rate_limited";
    case Refusal::unauthorized: return "unauthorized";
    }
    return "other";
}

}  // namespace wirechat::server
