// Which web pages may open WebSockets here: the defence against cross-site
// WebSocket hijacking.
//
// A browser sends the page's origin with every WebSocket handshake, and
// sends the site's cookies along whichever page asks. Without a check, any
// page on the internet could open the chat in its visitors' names. So by
// default only the page's own origin is admitted: the same scheme, host and
// port as the request's Host field (what the browser connected to). A
// handshake without Origin is not from a browser page and is admitted: a
// non-browser client can write any Origin it likes anyway.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"

namespace wirechat::access {

// An origin as RFC 6454 serializes it: "https://example.com:8443"; the port
// is the scheme's default when not written. Host names are compared
// case-insensitively.
struct Origin {
    std::string scheme;  // lower case
    std::string host;    // lower case; IPv6 without brackets
    std::uint16_t port = 0;
    bool operator==(const Origin&) const = default;
};
// nullopt for anything else (a path, no scheme, "null", a bad port).
std::optional<Origin> parse_origin(std::string_view text);

class OriginPolicy {
public:
    // --allowed-origin: an origin ("https://chat.example.com"), "null" (the
    // origin of sandboxed and file:// pages), or "*" (any). Returns false,
    // adding nothing, if `entry` is none of these.
    bool allow(std::string_view entry);
    bool allows_any() const { return any_; }

    // Whether a handshake may go on. `scheme` is how the client reached us:
    // "http", or "https" (TLS, or a trusted proxy that says so).
    bool admits(const http::Request& request, std::string_view scheme) const;

private:
    bool any_ = false;
    bool null_ = false;
    std::vector<Origin> allowed_;
};

}  // namespace wirechat::access
