// The opening handshake: the RFC 6455 accept vector, the server's decision on
// each required field, Origin checks, subprotocol choice, and the client
// helpers.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "http/request.h"
#include "ws/handshake.h"

using namespace wirechat;
using ws::decide_handshake;
using ws::HandshakeOptions;

namespace {

http::Request good_request() {
    http::Request r;
    r.method = "GET";
    r.target = "/";
    r.path = "/";
    r.version_minor = 1;
    r.headers = {
        {"Host", "server.example.com"},
        {"Upgrade", "websocket"},
        {"Connection", "Upgrade"},
        {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
        {"Origin", "http://example.com"},
        {"Sec-WebSocket-Version", "13"},
    };
    return r;
}

void set_field(http::Request& r, std::string_view name, std::string value) {
    for (http::Header& h : r.headers)
        if (http::iequals(h.name, name)) { h.value = std::move(value); return; }
    r.headers.push_back({std::string(name), std::move(value)});
}

void remove_field(http::Request& r, std::string_view name) {
    std::erase_if(r.headers, [&](const http::Header& h) { return http::iequals(h.name, name); });
}

const std::string* header_of(const ws::HandshakeDecision& d, std::string_view name) {
    for (const http::Header& h : d.headers)
        if (http::iequals(h.name, name)) return &h.value;
    return nullptr;
}

}  // namespace

TEST_CASE("compute_accept reproduces the RFC 6455 vector") {
    // RFC 6455 section 1.3.
    CHECK(ws::compute_accept("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    // Checked independently with `openssl sha1 -binary | base64`.
    CHECK(ws::compute_accept("wDqumtseNBJdhkihL6PW7w==") == "0FFP+2nmNIf/h+4BP36k9uzrYGk=");
    // The start-up check a server runs: the same vector.
    CHECK_NOTHROW(ws::verify_accept_computation());
}

TEST_CASE("a good request is accepted with 101 and the accept header") {
    const ws::HandshakeDecision d = decide_handshake(good_request(), {});
    CHECK(d.status == 101);
    CHECK(d.subprotocol.empty());
    REQUIRE(d.headers.size() == 3);
    CHECK(*header_of(d, "Upgrade") == "websocket");
    CHECK(*header_of(d, "Connection") == "Upgrade");
    CHECK(*header_of(d, "Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    CHECK(header_of(d, "Sec-WebSocket-Protocol") == nullptr);
}

TEST_CASE("tokens are matched in comma lists, in any case") {
    http::Request r = good_request();
    set_field(r, "Connection", "keep-alive, UPGRADE");
    set_field(r, "Upgrade", "h2c, WebSocket");
    CHECK(ws::wants_upgrade(r));
    CHECK(decide_handshake(r, {}).status == 101);
    // Firefox sends "Connection: keep-alive, Upgrade"; a split list counts too.
    remove_field(r, "Connection");
    r.headers.push_back({"Connection", "keep-alive"});
    r.headers.push_back({"connection", "upgrade"});
    CHECK(decide_handshake(r, {}).status == 101);
}

TEST_CASE("wants_upgrade looks only at the Upgrade field") {
    http::Request r = good_request();
    CHECK(ws::wants_upgrade(r));
    set_field(r, "Upgrade", "websocketx");
    CHECK_FALSE(ws::wants_upgrade(r));
    remove_field(r, "Upgrade");
    CHECK_FALSE(ws::wants_upgrade(r));
}

TEST_CASE("each missing or bad field gets its status") {
    struct Case {
        const char* name;
        void (*change)(http::Request&);
        int status;
    };
    const std::vector<Case> cases = {
        {"POST", [](http::Request& r) { r.method = "POST"; }, 400},
        {"lowercase get", [](http::Request& r) { r.method = "get"; }, 400},
        {"HTTP/1.0", [](http::Request& r) { r.version_minor = 0; }, 400},
        {"no Connection", [](http::Request& r) { remove_field(r, "Connection"); }, 400},
        {"Connection without upgrade", [](http::Request& r) { set_field(r, "Connection", "keep-alive"); }, 400},
        {"no Upgrade", [](http::Request& r) { remove_field(r, "Upgrade"); }, 400},
        {"Upgrade: h2c", [](http::Request& r) { set_field(r, "Upgrade", "h2c"); }, 400},
        {"no version", [](http::Request& r) { remove_field(r, "Sec-WebSocket-Version"); }, 426},
        {"version 8", [](http::Request& r) { set_field(r, "Sec-WebSocket-Version", "8"); }, 426},
        {"version 13, 8", [](http::Request& r) { set_field(r, "Sec-WebSocket-Version", "13, 8"); }, 426},
        {"two version fields", [](http::Request& r) { r.headers.push_back({"Sec-WebSocket-Version", "8"}); }, 426},
        {"no key", [](http::Request& r) { remove_field(r, "Sec-WebSocket-Key"); }, 400},
        {"empty key", [](http::Request& r) { set_field(r, "Sec-WebSocket-Key", ""); }, 400},
        {"key of 15 bytes", [](http::Request& r) { set_field(r, "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ="); }, 400},
        {"key of 17 bytes", [](http::Request& r) { set_field(r, "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQEB"); }, 400},
        {"key not base64", [](http::Request& r) { set_field(r, "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25j*Q=="); }, 400},
        {"key with stray bits", [](http::Request& r) { set_field(r, "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZR=="); }, 400},
        {"two keys", [](http::Request& r) { r.headers.push_back({"Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAA=="}); }, 400},
    };
    for (const Case& c : cases) {
        INFO(c.name);
        http::Request r = good_request();
        c.change(r);
        const ws::HandshakeDecision d = decide_handshake(r, {});
        CHECK(d.status == c.status);
        CHECK_FALSE(d.reason.empty());
        if (c.status == 426) {
            REQUIRE(header_of(d, "Sec-WebSocket-Version") != nullptr);
            CHECK(*header_of(d, "Sec-WebSocket-Version") == "13");
        } else {
            CHECK(d.headers.empty());
        }
    }
}

TEST_CASE("the subprotocol is chosen by our preference among those offered") {
    struct Case {
        std::vector<std::string> offered_fields;
        std::vector<std::string> ours;
        std::string chosen;
    };
    const std::vector<Case> cases = {
        {{"chat, superchat"}, {"superchat", "chat"}, "superchat"},
        {{"chat, superchat"}, {"chat", "superchat"}, "chat"},
        {{"superchat", "chat"}, {"chat"}, "chat"},  // a list split over two fields
        {{"v2.wirechat ,  v1.wirechat"}, {"v1.wirechat"}, "v1.wirechat"},
        {{"chat"}, {"mqtt"}, ""},
        {{"Chat"}, {"chat"}, ""},  // subprotocol names are case-sensitive
        {{}, {"chat"}, ""},
        {{"chat"}, {}, ""},
    };
    for (const Case& c : cases) {
        http::Request r = good_request();
        for (const std::string& field : c.offered_fields) r.headers.push_back({"Sec-WebSocket-Protocol", field});
        HandshakeOptions options;
        options.subprotocols = c.ours;
        const ws::HandshakeDecision d = decide_handshake(r, options);
        INFO("expected \"" << c.chosen << "\"");
        REQUIRE(d.status == 101);
        CHECK(d.subprotocol == c.chosen);
        const std::string* header = header_of(d, "Sec-WebSocket-Protocol");
        if (c.chosen.empty()) CHECK(header == nullptr);
        else CHECK((header && *header == c.chosen));
    }
}

TEST_CASE("client keys are fresh base64 of 16 bytes that the server accepts") {
    const std::string a = ws::make_client_key();
    const std::string b = ws::make_client_key();
    CHECK(a != b);
    for (const std::string& key : {a, b}) {
        http::Request r = good_request();
        set_field(r, "Sec-WebSocket-Key", key);
        const ws::HandshakeDecision d = decide_handshake(r, {});
        REQUIRE(d.status == 101);
        CHECK(*header_of(d, "Sec-WebSocket-Accept") == ws::compute_accept(key));
    }
}

TEST_CASE("client_handshake_request writes a complete upgrade request") {
    CHECK(ws::client_handshake_request("localhost:3000", "/", "dGhlIHNhbXBsZSBub25jZQ==") ==
          "GET / HTTP/1.1\r\n"
          "Host: localhost:3000\r\n"
          "Upgrade: websocket\r\n"
          "Connection: Upgrade\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          "Sec-WebSocket-Version: 13\r\n"
          "\r\n");
    const std::vector<std::string> protocols = {"chat", "superchat"};
    const std::string with_protocols = ws::client_handshake_request("h:1", "/chat", "k", protocols);
    CHECK(with_protocols.starts_with("GET /chat HTTP/1.1\r\nHost: h:1\r\n"));
    CHECK(with_protocols.find("\r\nSec-WebSocket-Protocol: chat, superchat\r\n") != std::string::npos);
    CHECK(with_protocols.ends_with("\r\n\r\n"));
}

TEST_CASE("permessage-deflate is negotiated only when enabled, across several fields") {
    http::Request r = good_request();
    r.headers.push_back({"Sec-WebSocket-Extensions", "x-webkit-deflate-frame"});
    r.headers.push_back({"sec-websocket-extensions", "permessage-deflate; client_max_window_bits"});

    const ws::HandshakeDecision off = decide_handshake(r, {});
    REQUIRE(off.status == 101);
    CHECK_FALSE(off.deflate);
    CHECK(header_of(off, "Sec-WebSocket-Extensions") == nullptr);

    HandshakeOptions options;
    options.deflate = ws::DeflateOptions{.client_max_window_bits = 11};
    const ws::HandshakeDecision on = decide_handshake(r, options);
    REQUIRE(on.status == 101);
    REQUIRE(on.deflate);
    CHECK(on.deflate->server_no_context_takeover);
    CHECK(on.deflate->client_max_window_bits == 11);
    REQUIRE(header_of(on, "Sec-WebSocket-Extensions"));
    CHECK(*header_of(on, "Sec-WebSocket-Extensions") ==
          "permessage-deflate; server_no_context_takeover; client_max_window_bits=11");

    // Nothing acceptable offered: the handshake still succeeds, uncompressed.
    remove_field(r, "Sec-WebSocket-Extensions");
    r.headers.push_back({"Sec-WebSocket-Extensions", "permessage-deflate; server_max_window_bits=99"});
    const ws::HandshakeDecision declined = decide_handshake(r, options);
    REQUIRE(declined.status == 101);
    CHECK_FALSE(declined.deflate);
    CHECK(header_of(declined, "Sec-WebSocket-Extensions") == nullptr);
}
