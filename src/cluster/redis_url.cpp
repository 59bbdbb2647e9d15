#include "cluster/redis_url.h"

#include <charconv>

#include "http/authority.h"
#include "http/query.h"

namespace wirechat::cluster {

namespace {

constexpr std::string_view scheme = "redis://";

bool parse_number(std::string_view text, unsigned max, unsigned& out) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value > max) return false;
    out = value;
    return true;
}

bool decode(std::string_view text, std::string& out) {
    auto decoded = http::percent_decode(text, false);
    if (!decoded) return false;
    out = std::move(*decoded);
    return true;
}

}  // namespace

std::optional<RedisUrl> parse_redis_url(std::string_view text, std::string& error) {
    if (!text.starts_with(scheme)) {
        error = "expected redis://[:PASSWORD@]HOST:PORT[/DB]";
        return std::nullopt;
    }
    text.remove_prefix(scheme.size());
    RedisUrl url;
    if (const std::size_t slash = text.find('/'); slash != std::string_view::npos) {
        if (!parse_number(text.substr(slash + 1), 1'000'000, url.db)) {
            error = "the database after '/' must be a number";
            return std::nullopt;
        }
        text = text.substr(0, slash);
    }
    if (const std::size_t at = text.rfind('@'); at != std::string_view::npos) {
        const std::string_view userinfo = text.substr(0, at);
        const std::size_t colon = userinfo.find(':');
        if (!decode(userinfo.substr(0, colon), url.user) ||
            (colon != std::string_view::npos && !decode(userinfo.substr(colon + 1), url.password))) {
            error = "bad percent-escape in the user or password";
            return std::nullopt;
        }
        if (colon == std::string_view::npos) {  // redis://PASSWORD@host, as redis-cli -u takes it
            url.password = std::move(url.user);
            url.user.clear();
        }
        text = text.substr(at + 1);
    }
    auto host_port = http::parse_host_port(text, 6379, error);
    if (!host_port) return std::nullopt;
    url.host = std::move(host_port->host);
    url.port = host_port->port;
    return url;
}

}  // namespace wirechat::cluster
