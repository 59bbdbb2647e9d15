#include "cli/url.h"

#include <charconv>

namespace wirechat::cli {

std::optional<WsUrl> parse_ws_url(std::string_view text, std::string& error) {
    constexpr std::string_view scheme = "ws://";
    if (text.starts_with("wss://")) {
        error = "wss:// needs TLS, which wirechat-cli does not speak; use ws://";
        return std::nullopt;
    }
    if (!text.starts_with(scheme)) {
        error = "the URL must start with ws://";
        return std::nullopt;
    }
    text.remove_prefix(scheme.size());
    if (text.find('#') != std::string_view::npos) {
        error = "a WebSocket URL has no #fragment";
        return std::nullopt;
    }
    const std::size_t path_start = text.find_first_of("/?");
    std::string_view authority = text.substr(0, path_start);
    WsUrl url;
    if (path_start != std::string_view::npos) {
        url.path = text.substr(path_start);
        if (url.path.front() == '?') url.path.insert(0, "/");
    }

    std::string_view port_text;
    if (authority.starts_with("[")) {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) {
            error = "an IPv6 address needs its closing ]";
            return std::nullopt;
        }
        url.host = authority.substr(1, close - 1);
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty() && !after.starts_with(":")) {
            error = "unexpected text after the IPv6 address";
            return std::nullopt;
        }
        if (!after.empty()) port_text = after.substr(1);
    } else {
        const std::size_t colon = authority.find(':');
        if (colon != authority.rfind(':')) {
            error = "an IPv6 address must be written in brackets, e.g. ws://[::1]:3000/";
            return std::nullopt;
        }
        url.host = authority.substr(0, colon);
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    if (url.host.empty()) {
        error = "the URL has no host";
        return std::nullopt;
    }
    if (!port_text.empty() || authority.ends_with(":")) {
        unsigned port = 0;
        auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
            error = "the port must be a number from 1 to 65535";
            return std::nullopt;
        }
        url.port = static_cast<std::uint16_t>(port);
    }
    url.host_field = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    if (url.port != 80) url.host_field += ":" + std::to_string(url.port);
    return url;
}

}  // namespace wirechat::cli
