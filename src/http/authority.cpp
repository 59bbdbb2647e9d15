#include "http/authority.h"

#include <charconv>

namespace wirechat::http {

std::optional<HostPort> parse_host_port(std::string_view authority, std::uint16_t default_port,
                                        std::string& error, bool zero_allowed) {
    HostPort out{{}, default_port};
    std::optional<std::string_view> port_text;
    if (authority.starts_with('[')) {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) {
            error = "an IPv6 address needs its closing ]";
            return std::nullopt;
        }
        out.host = authority.substr(1, close - 1);
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty() && !after.starts_with(':')) {
            error = "unexpected text after the IPv6 address";
            return std::nullopt;
        }
        if (!after.empty()) port_text = after.substr(1);
    } else {
        const std::size_t colon = authority.find(':');
        if (colon != authority.rfind(':')) {
            error = "an IPv6 address must be written in brackets, e.g. [::1]:3000";
            return std::nullopt;
        }
        out.host = authority.substr(0, colon);
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    if (out.host.empty()) {
        error = "the URL has no host";
        return std::nullopt;
    }
    if (port_text) {
        unsigned port = 0;
        const auto [end, ec] = std::from_chars(port_text->data(), port_text->data() + port_text->size(), port);
        if (ec != std::errc{} || end != port_text->data() + port_text->size() || (port == 0 && !zero_allowed) ||
            port > 65535) {
            error = zero_allowed ? "the port must be a number from 0 to 65535"
                                 : "the port must be a number from 1 to 65535";
            return std::nullopt;
        }
        out.port = std::uint16_t(port);
    }
    return out;
}

}  // namespace wirechat::http
