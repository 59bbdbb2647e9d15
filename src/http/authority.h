// HOST[:PORT] as URLs write it (RFC 3986 3.2.2), for the URLs wirechat takes
// on its command lines (ws:// in wirechat-cli, redis:// for --redis).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wirechat::http {

struct HostPort {
    std::string host;  // a name, an IPv4 address, or an IPv6 address without its brackets
    std::uint16_t port;
};

// `default_port` when the authority gives none. nullopt, with `error` saying
// why, for: no host, an IPv6 address not in brackets or with its bracket
// unclosed or followed by anything but :PORT, a port that is not 1 to 65535
// (or 0 too, where `zero_allowed`: a listener's "any free port").
std::optional<HostPort> parse_host_port(std::string_view authority, std::uint16_t default_port,
                                        std::string& error, bool zero_allowed = false);

}  // namespace wirechat::http
