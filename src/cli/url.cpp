#include "cli/url.h"

#include <utility>

#include "http/authority.h"

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

    auto host_port = http::parse_host_port(authority, 80, error);
    if (!host_port) return std::nullopt;
    url.host = std::move(host_port->host);
    url.port = host_port->port;
    url.host_field = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    if (url.port != 80) url.host_field += ":" + std::to_string(url.port);
    return url;
}

}  // namespace wirechat::cli
