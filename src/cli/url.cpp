#include "cli/url.h"

#include <utility>

#include "http/authority.h"

namespace wirechat::cli {

std::optional<WsUrl> parse_ws_url(std::string_view text, std::string& error) {
    WsUrl url;
    url.secure = text.starts_with("wss://");
    if (!url.secure && !text.starts_with("ws://")) {
        error = "the URL must start with ws:// or wss://";
        return std::nullopt;
    }
    text.remove_prefix(url.secure ? 6 : 5);
    const std::uint16_t default_port = url.secure ? 443 : 80;
    if (text.find('#') != std::string_view::npos) {
        error = "a WebSocket URL has no #fragment";
        return std::nullopt;
    }
    const std::size_t path_start = text.find_first_of("/?");
    std::string_view authority = text.substr(0, path_start);
    if (path_start != std::string_view::npos) {
        url.path = text.substr(path_start);
        if (url.path.front() == '?') url.path.insert(0, "/");
    }

    auto host_port = http::parse_host_port(authority, default_port, error);
    if (!host_port) return std::nullopt;
    url.host = std::move(host_port->host);
    url.port = host_port->port;
    url.host_field = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    if (url.port != default_port) url.host_field += ":" + std::to_string(url.port);
    return url;
}

}  // namespace wirechat::cli
