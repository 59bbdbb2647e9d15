// Which pages may open WebSockets here (access/origin.h).
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "access/origin.h"

using wirechat::access::Origin;
using wirechat::access::OriginPolicy;
using wirechat::access::parse_origin;

namespace {

// A handshake request with these Host and Origin fields (none if null).
wirechat::http::Request handshake(const char* host, const char* origin) {
    wirechat::http::Request request;
    request.method = "GET";
    request.target = request.path = "/chat";
    if (host) request.headers.push_back({"Host", host});
    request.headers.push_back({"Upgrade", "websocket"});
    request.headers.push_back({"Connection", "Upgrade"});
    if (origin) request.headers.push_back({"Origin", origin});
    return request;
}

}  // namespace

TEST_CASE("parse_origin fills in the scheme's default port") {
    CHECK(parse_origin("http://example.com") == Origin{"http", "example.com", 80});
    CHECK(parse_origin("https://example.com") == Origin{"https", "example.com", 443});
    CHECK(parse_origin("http://example.com:8080") == Origin{"http", "example.com", 8080});
    CHECK(parse_origin("https://example.com:8443") == Origin{"https", "example.com", 8443});
    CHECK(parse_origin("http://example.com:443") == Origin{"http", "example.com", 443});
    CHECK(parse_origin("http://127.0.0.1:3000") == Origin{"http", "127.0.0.1", 3000});
    CHECK(parse_origin("http://[::1]:3000") == Origin{"http", "::1", 3000});
    CHECK(parse_origin("https://[2001:db8::1]") == Origin{"https", "2001:db8::1", 443});
}

TEST_CASE("parse_origin lowers the scheme and the host") {
    CHECK(parse_origin("HTTPS://Chat.Example.COM") == Origin{"https", "chat.example.com", 443});
    CHECK(parse_origin("Http://EXAMPLE.com:81") == Origin{"http", "example.com", 81});
    CHECK(parse_origin("http://[2001:DB8::A]:1") == Origin{"http", "2001:db8::a", 1});
}

TEST_CASE("parse_origin refuses paths, queries, fragments and user information") {
    for (const char* bad : {"http://example.com/", "http://example.com/chat", "http://example.com?x=1",
                            "http://example.com#top", "http://user@example.com", "http://user:pw@example.com:80",
                            "http://example.com:80/"}) {
        INFO(bad);
        CHECK_FALSE(parse_origin(bad));
    }
}

TEST_CASE("parse_origin refuses null, other schemes and malformed authorities") {
    for (const char* bad : {"null", "", "example.com", "example.com:80", "://example.com", "//example.com",
                            "ftp://example.com", "ws://example.com", "wss://example.com", "file://", "file:///etc",
                            "chrome-extension://abcdef", "http://", "https://", "http://:80", "http://example.com:",
                            "http://example.com:0", "http://example.com:65536", "http://example.com:8o",
                            "http://example.com:-1", "http://::1:3000", "http://[::1", "http://[::1]x",
                            "http:example.com"}) {
        INFO(bad);
        CHECK_FALSE(parse_origin(bad));
    }
}

TEST_CASE("a handshake without Origin is admitted") {
    const OriginPolicy policy;
    CHECK(policy.admits(handshake("chat.example.com", nullptr), "http"));
    CHECK(policy.admits(handshake(nullptr, nullptr), "https"));
}

TEST_CASE("the page's own origin is admitted by default") {
    const OriginPolicy policy;
    CHECK(policy.admits(handshake("chat.example.com:3000", "http://chat.example.com:3000"), "http"));
    CHECK(policy.admits(handshake("chat.example.com", "http://chat.example.com"), "http"));
    // The default port, written or not, on either side.
    CHECK(policy.admits(handshake("chat.example.com", "http://chat.example.com:80"), "http"));
    CHECK(policy.admits(handshake("chat.example.com:80", "http://chat.example.com"), "http"));
    // Over TLS the default is 443.
    CHECK(policy.admits(handshake("chat.example.com", "https://chat.example.com"), "https"));
    CHECK(policy.admits(handshake("chat.example.com", "https://chat.example.com:443"), "https"));
    CHECK(policy.admits(handshake("chat.example.com:8443", "https://chat.example.com:8443"), "https"));
    // Host names compare case-insensitively.
    CHECK(policy.admits(handshake("Chat.Example.COM", "http://chat.example.com"), "http"));
    CHECK(policy.admits(handshake("chat.example.com", "http://CHAT.example.com"), "http"));
    // Addresses as hosts.
    CHECK(policy.admits(handshake("127.0.0.1:3000", "http://127.0.0.1:3000"), "http"));
    CHECK(policy.admits(handshake("[::1]:3000", "http://[::1]:3000"), "http"));
}

TEST_CASE("another origin is refused by default") {
    const OriginPolicy policy;
    CHECK_FALSE(policy.admits(handshake("chat.example.com", "http://evil.example"), "http"));
    CHECK_FALSE(policy.admits(handshake("chat.example.com", "http://chat.example.com.evil.example"), "http"));
    CHECK_FALSE(policy.admits(handshake("chat.example.com", "http://example.com"), "http"));
    CHECK_FALSE(policy.admits(handshake("[::1]:3000", "http://[::2]:3000"), "http"));
    // No Host to compare with.
    CHECK_FALSE(policy.admits(handshake(nullptr, "http://chat.example.com"), "http"));
    // An Origin that is not one.
    CHECK_FALSE(policy.admits(handshake("chat.example.com", "http://chat.example.com/"), "http"));
    CHECK_FALSE(policy.admits(handshake("chat.example.com", "chat.example.com"), "http"));
    CHECK_FALSE(policy.admits(handshake("chat.example.com", ""), "http"));
}

TEST_CASE("the same host on another port or scheme is another origin") {
    const OriginPolicy policy;
    CHECK_FALSE(policy.admits(handshake("chat.example.com:3000", "http://chat.example.com:3001"), "http"));
    CHECK_FALSE(policy.admits(handshake("chat.example.com:3000", "http://chat.example.com"), "http"));
    CHECK_FALSE(policy.admits(handshake("chat.example.com", "http://chat.example.com:8080"), "http"));
    // Scheme: the page is https, we were reached over plain http, or the other way round.
    CHECK_FALSE(policy.admits(handshake("chat.example.com", "https://chat.example.com"), "http"));
    CHECK_FALSE(policy.admits(handshake("chat.example.com", "http://chat.example.com"), "https"));
    CHECK_FALSE(policy.admits(handshake("chat.example.com:443", "http://chat.example.com:443"), "https"));
}

TEST_CASE("listed origins are admitted besides the page's own") {
    OriginPolicy policy;
    REQUIRE(policy.allow("https://app.example.com"));
    REQUIRE(policy.allow("http://localhost:5173"));
    CHECK_FALSE(policy.allows_any());
    CHECK(policy.admits(handshake("chat.example.com", "https://app.example.com"), "http"));
    CHECK(policy.admits(handshake("chat.example.com", "https://app.example.com:443"), "https"));
    CHECK(policy.admits(handshake("chat.example.com", "http://LOCALHOST:5173"), "http"));
    CHECK(policy.admits(handshake("chat.example.com", "http://chat.example.com"), "http"));
    CHECK_FALSE(policy.admits(handshake("chat.example.com", "http://app.example.com"), "http"));
    CHECK_FALSE(policy.admits(handshake("chat.example.com", "http://localhost:5174"), "http"));
    CHECK_FALSE(policy.admits(handshake("chat.example.com", "https://evil.example"), "http"));
    CHECK_FALSE(policy.admits(handshake("chat.example.com", "null"), "http"));
    // An allowed entry is normalised like an Origin field.
    OriginPolicy upper;
    REQUIRE(upper.allow("HTTPS://APP.Example.com:443"));
    CHECK(upper.admits(handshake("chat.example.com", "https://app.example.com"), "http"));
}

TEST_CASE("the star entry admits every origin") {
    OriginPolicy policy;
    REQUIRE(policy.allow("*"));
    CHECK(policy.allows_any());
    CHECK(policy.admits(handshake("chat.example.com", "https://evil.example"), "http"));
    CHECK(policy.admits(handshake("chat.example.com", "null"), "http"));
    CHECK(policy.admits(handshake(nullptr, "http://anything:1"), "http"));
}

TEST_CASE("the null origin is admitted only when allowed") {
    const OriginPolicy strict;
    CHECK_FALSE(strict.admits(handshake("chat.example.com", "null"), "http"));
    OriginPolicy policy;
    REQUIRE(policy.allow("null"));
    CHECK_FALSE(policy.allows_any());
    CHECK(policy.admits(handshake("chat.example.com", "null"), "http"));
    CHECK_FALSE(policy.admits(handshake("chat.example.com", "http://evil.example"), "http"));
}

TEST_CASE("allow() refuses entries that are not origins and adds nothing") {
    OriginPolicy policy;
    for (const char* bad : {"", "example.com", "http://example.com/", "http://example.com/chat",
                            "ftp://example.com", "ws://example.com", "NULL", "**", "* ", "http://", "https://x:0",
                            "http://user@example.com"}) {
        INFO(bad);
        CHECK_FALSE(policy.allow(bad));
    }
    CHECK_FALSE(policy.allows_any());
    CHECK_FALSE(policy.admits(handshake("chat.example.com", "null"), "http"));
    CHECK_FALSE(policy.admits(handshake("chat.example.com", "http://example.com"), "http"));
    CHECK_FALSE(policy.admits(handshake("chat.example.com", "ftp://example.com"), "http"));
}
