// ws:// URLs as wirechat-cli takes them on its command line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wirechat::cli {

struct WsUrl {
    std::string host;         // a name, an IPv4 address, or an IPv6 address without brackets
    std::uint16_t port = 80;  // 80 when the URL gives none (RFC 6455 3)
    std::string path = "/";   // path and query, as given
    std::string host_field;   // what the Host field says: the host (bracketed if IPv6), and the port if not 80
};

// ws://HOST[:PORT][/PATH][?QUERY]. wss:// is refused (no TLS here), and so is
// a fragment (RFC 6455 3 forbids one). On failure `error` says why.
std::optional<WsUrl> parse_ws_url(std::string_view text, std::string& error);

}  // namespace wirechat::cli
