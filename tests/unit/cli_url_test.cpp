// ws:// and wss:// URLs as wirechat-cli reads them, and the Host field it derives.
#include <catch2/catch.hpp>

#include "cli/url.h"

using wirechat::cli::parse_ws_url;

TEST_CASE("a full ws:// URL gives host, port, path and Host field") {
    std::string error;
    auto url = parse_ws_url("ws://127.0.0.1:3000/echo?x=1", error);
    REQUIRE(url);
    CHECK(url->host == "127.0.0.1");
    CHECK(url->port == 3000);
    CHECK(url->path == "/echo?x=1");
    CHECK(url->host_field == "127.0.0.1:3000");
}

TEST_CASE("port 80 and path / are the defaults, and port 80 is not repeated in Host") {
    std::string error;
    auto url = parse_ws_url("ws://example.com", error);
    REQUIRE(url);
    CHECK(url->port == 80);
    CHECK(url->path == "/");
    CHECK(url->host_field == "example.com");
    auto query_only = parse_ws_url("ws://example.com?room=dev", error);
    REQUIRE(query_only);
    CHECK(query_only->path == "/?room=dev");
}

TEST_CASE("wss:// is TLS, with 443 the default port (not repeated in Host)") {
    std::string error;
    auto url = parse_ws_url("wss://example.com/chat", error);
    REQUIRE(url);
    CHECK(url->secure);
    CHECK(url->port == 443);
    CHECK(url->host_field == "example.com");
    auto other = parse_ws_url("wss://localhost:3000", error);
    REQUIRE(other);
    CHECK(other->port == 3000);
    CHECK(other->host_field == "localhost:3000");
    // And 443 on a ws:// URL is not the default: it stays in Host.
    auto plain = parse_ws_url("ws://example.com:443/", error);
    REQUIRE(plain);
    CHECK_FALSE(plain->secure);
    CHECK(plain->host_field == "example.com:443");
}

TEST_CASE("IPv6 addresses are written in brackets") {
    std::string error;
    auto url = parse_ws_url("ws://[::1]:8080/", error);
    REQUIRE(url);
    CHECK(url->host == "::1");
    CHECK(url->port == 8080);
    CHECK(url->host_field == "[::1]:8080");
    CHECK_FALSE(parse_ws_url("ws://::1:8080/", error));
    CHECK(error.find("brackets") != std::string::npos);
}

TEST_CASE("bad URLs are refused with a reason") {
    std::string error;
    for (const char* bad : {"http://x/", "wss:/x/", "ws://", "ws://:80/", "ws://x:0/", "ws://x:65536/",
                            "ws://x:12ab/", "ws://x:/", "ws://x/#frag", "ws://[::1/"}) {
        INFO(bad);
        error.clear();
        CHECK_FALSE(parse_ws_url(bad, error));
        CHECK_FALSE(error.empty());
    }
}
