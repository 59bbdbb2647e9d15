// ws:// and wss:// URLs as wirechat-cli takes them on its command line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wirechat::cli {

struct WsUrl {
    bool secure = false;      // wss://: TLS
    std::string host;         // a name, an IPv4 address, or an IPv6 address without brackets
    std::uint16_t port = 80;  // when the URL gives none, 80 (ws) or 443 (wss) (RFC 6455 3)
    std::string path = "/";   // path and query, as given
    std::string host_field;   // what the Host field says: the host (bracketed if IPv6), and the port if not the default
};

// ws://HOST[:PORT][/PATH][?QUERY] or wss://...; a fragment is refused (RFC
// 6455 3 forbids one). On failure `error` says why.
std::optional<WsUrl> parse_ws_url(std::string_view text, std::string& error);

}  // namespace wirechat::cli
