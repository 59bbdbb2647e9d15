// --redis redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]: where the shared
// chat lives. Pure parsing; the host is resolved by the caller, once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wirechat::cluster {

struct RedisUrl {
    std::string host;          // a name or an address; IPv6 as [::1] in the URL
    std::uint16_t port = 6379;
    std::string user;          // Redis 6 ACL user; empty: AUTH with the password alone
    std::string password;      // empty: no AUTH
    unsigned db = 0;           // SELECT, when not 0
};

// nullopt, with `error` saying why, when the text is not such a URL.
// Percent-escapes are decoded in the user and password.
std::optional<RedisUrl> parse_redis_url(std::string_view text, std::string& error);

}  // namespace wirechat::cluster
