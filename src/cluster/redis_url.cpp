#include "cluster/redis_url.h"

#include <charconv>

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
    std::string_view port;
    if (text.starts_with('[')) {  // [IPv6]:port
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos) {
            error = "an IPv6 address needs its closing ']'";
            return std::nullopt;
        }
        url.host = text.substr(1, close - 1);
        const std::string_view rest = text.substr(close + 1);
        if (!rest.empty() && !rest.starts_with(':')) {
            error = "expected ':PORT' after the IPv6 address";
            return std::nullopt;
        }
        if (!rest.empty()) port = rest.substr(1);
        else port = "6379";
    } else {
        const std::size_t colon = text.rfind(':');
        url.host = text.substr(0, colon);
        port = colon == std::string_view::npos ? std::string_view("6379") : text.substr(colon + 1);
    }
    unsigned number = 0;
    if (url.host.empty()) {
        error = "the URL names no host";
        return std::nullopt;
    }
    if (!parse_number(port, 65535, number) || number == 0) {
        error = "the port must be a number from 1 to 65535";
        return std::nullopt;
    }
    url.port = std::uint16_t(number);
    return url;
}

}  // namespace wirechat::cluster
