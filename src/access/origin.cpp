#include "access/origin.h"

#include <algorithm>
#include <cctype>

#include "http/authority.h"

namespace wirechat::access {

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return out;
}

std::uint16_t default_port(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

// HOST[:PORT] with the scheme's default port; nullopt if malformed.
std::optional<Origin> origin_of(std::string scheme, std::string_view authority) {
    std::string error;
    auto host_port = http::parse_host_port(authority, default_port(scheme), error);
    if (!host_port) return std::nullopt;
    return Origin{std::move(scheme), lower(host_port->host), host_port->port};
}

}  // namespace

std::optional<Origin> parse_origin(std::string_view text) {
    const std::size_t separator = text.find("://");
    if (separator == std::string_view::npos || separator == 0) return std::nullopt;
    const std::string scheme = lower(text.substr(0, separator));
    if (scheme != "http" && scheme != "https") return std::nullopt;
    const std::string_view authority = text.substr(separator + 3);
    // An origin has no path, query, fragment or user information.
    if (authority.find_first_of("/?#@") != std::string_view::npos) return std::nullopt;
    return origin_of(scheme, authority);
}

bool OriginPolicy::allow(std::string_view entry) {
    if (entry == "*") {
        any_ = true;
        return true;
    }
    if (entry == "null") {
        null_ = true;
        return true;
    }
    std::optional<Origin> origin = parse_origin(entry);
    if (!origin) return false;
    allowed_.push_back(std::move(*origin));
    return true;
}

bool OriginPolicy::admits(const http::Request& request, std::string_view scheme) const {
    const std::string* field = request.find("Origin");
    if (!field || any_) return true;
    if (*field == "null") return null_;
    const std::optional<Origin> origin = parse_origin(*field);
    if (!origin) return false;
    if (const std::string* host = request.find("Host")) {
        const std::optional<Origin> own = origin_of(std::string(scheme), *host);
        if (own && *own == *origin) return true;
    }
    return std::find(allowed_.begin(), allowed_.end(), *origin) != allowed_.end();
}

}  // namespace wirechat::access
