// The WebSocket side of the real server: handshake answers, the echo
// endpoint, protocol errors and their close codes, keepalive.
#include <catch2/catch.hpp>

#include "harness.h"
#include "ws/frame_writer.h"

using harness::ServerProcess;
using harness::Socket;
using harness::WsClient;
using harness::client_frame;
using harness::upgrade_request;
using wirechat::ws::Opcode;

namespace {

// The close frame the server sends (unmasked): its code.
std::optional<int> close_code_from(Socket& s) {
    auto head = s.receive_exactly(2);
    if (!head || (std::uint8_t((*head)[0]) & 0x0f) != 0x8) return std::nullopt;
    std::size_t len = std::uint8_t((*head)[1]) & 0x7f;
    auto body = s.receive_exactly(len);
    if (!body || len < 2) return std::nullopt;
    return (std::uint8_t((*body)[0]) << 8) | std::uint8_t((*body)[1]);
}

}  // namespace

TEST_CASE("a valid upgrade gets 101 with the RFC 6455 accept key") {
    ServerProcess server;
    Socket s(server.port());
    s.send(upgrade_request("/echo", harness::good_upgrade_fields));
    auto r = harness::read_response(s, true);
    REQUIRE(r);
    CHECK(r->status == 101);
    CHECK(*r->find("Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    CHECK(r->find("Upgrade"));
    CHECK(r->find("Connection"));
}

TEST_CASE("frames sent in the same write as the handshake are not lost") {
    ServerProcess server;
    Socket s(server.port());
    s.send(upgrade_request("/echo", harness::good_upgrade_fields) + client_frame(0x81, "early"));
    REQUIRE(harness::read_response(s, true)->status == 101);
    auto echo = s.receive_exactly(7);
    REQUIRE(echo);
    CHECK(*echo == std::string("\x81\x05") + "early");
}

TEST_CASE("broken upgrades are refused with the right status") {
    ServerProcess server({"--allowed-origin", "http://good.example"});
    struct Case {
        const char* what;
        std::string request;
        int status;
    };
    const std::vector<Case> cases = {
        {"version 8", upgrade_request("/echo", "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                               "Sec-WebSocket-Version: 8\r\n"), 426},
        {"no key", upgrade_request("/echo", "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                            "Sec-WebSocket-Version: 13\r\n"), 400},
        {"key not 16 bytes", upgrade_request("/echo", "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                                      "Sec-WebSocket-Key: c2hvcnQ=\r\n"
                                                      "Sec-WebSocket-Version: 13\r\n"), 400},
        {"POST", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n" + harness::good_upgrade_fields + "\r\n", 400},
        {"unknown path", upgrade_request("/nowhere", harness::good_upgrade_fields), 404},
        {"foreign origin", upgrade_request("/echo", harness::good_upgrade_fields + "Origin: http://evil.example\r\n"), 403},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        Socket s(server.port());
        s.send(c.request);
        auto r = harness::read_response(s);
        REQUIRE(r);
        CHECK(r->status == c.status);
        if (c.status == 426) CHECK(*r->find("Sec-WebSocket-Version") == "13");
    }
    Socket allowed(server.port());
    allowed.send(upgrade_request("/echo", harness::good_upgrade_fields + "Origin: http://good.example\r\n"));
    CHECK(harness::read_response(allowed, true)->status == 101);
}

TEST_CASE("/echo returns every message unchanged") {
    ServerProcess server({"--max-message", "2000000"});
    WsClient ws(server.port(), "/echo");
    for (std::size_t size : {0u, 1u, 125u, 126u, 127u, 65535u, 65536u, 1u << 20}) {
        INFO(size);
        std::string text(size, 'x');
        for (std::size_t i = 0; i < size; ++i) text[i] = char('a' + i % 26);
        ws.send_text(text);
        auto m = ws.receive();
        REQUIRE(m);
        CHECK(m->op == Opcode::text);
        CHECK(m->payload == text);
        std::string binary(size, '\0');
        for (std::size_t i = 0; i < size; ++i) binary[i] = char(i * 7);
        ws.send(Opcode::binary, binary);
        auto b = ws.receive();
        REQUIRE(b);
        CHECK(b->op == Opcode::binary);
        CHECK(b->payload == binary);
    }
    ws.ping("are you there");
    CHECK(ws.receive_pong() == "are you there");
    ws.close(1000, "bye");
    CHECK(ws.wait_closed());
    CHECK(ws.close_code == 1000);
}

TEST_CASE("/echo keeps the order of small and large messages sent back to back") {
    // Large messages move a connection from the server's io_uring receives
    // to reads of its own, small ones move it back (net/connection.cpp,
    // switch_reads): bytes in flight across every switch must keep their
    // order. Each message says which one it is.
    ServerProcess server;
    WsClient ws(server.port(), "/echo");
    for (int burst = 0; burst < 5; ++burst) {
        std::vector<std::string> sent;
        for (int i = 0; i < 40; ++i) {
            const std::size_t size = i % 3 == 2 ? 9000 : 5;  // two small, one large
            std::string payload = std::to_string(burst) + ":" + std::to_string(i) + ":";
            while (payload.size() < size) payload += char('a' + (payload.size() * 7 + std::size_t(i)) % 26);
            ws.send(Opcode::binary, payload);
            sent.push_back(std::move(payload));
        }
        for (std::size_t i = 0; i < sent.size(); ++i) {
            INFO("burst " << burst << ", message " << i);
            auto m = ws.receive();
            REQUIRE(m);
            CHECK(m->payload == sent[i]);
        }
    }
}

TEST_CASE("protocol violations close with the right code") {
    ServerProcess server({"--max-message", "1000"});
    struct Case {
        const char* what;
        std::string frames;
        int code;
    };
    const std::vector<Case> cases = {
        {"unmasked client frame", client_frame(0x81, "hi", false), 1002},
        {"RSV1 without an extension", client_frame(0xC1, "hi"), 1002},
        {"reserved opcode", client_frame(0x83, "hi"), 1002},
        {"fragmented ping", client_frame(0x09, "hi"), 1002},
        {"continuation without a start", client_frame(0x80, "hi"), 1002},
        {"invalid UTF-8", client_frame(0x81, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"), 1007},
        {"message over --max-message", client_frame(0x82, std::string(1001, 'x')), 1009},
        {"close with a 1-byte payload", client_frame(0x88, "x"), 1002},
        {"close with a reserved code", client_frame(0x88, std::string("\x03\xed", 2)), 1002},
        {"close with a reason that is not UTF-8", client_frame(0x88, std::string("\x03\xe8\xff", 3)), 1007},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        Socket s(server.port());
        s.send(upgrade_request("/echo", harness::good_upgrade_fields));
        REQUIRE(harness::read_response(s, true)->status == 101);
        s.send(c.frames);
        CHECK(close_code_from(s) == c.code);
        CHECK(s.receive_until_close().has_value());  // and TCP is closed after it
    }
}

TEST_CASE("a silent peer is pinged, then dropped") {
    ServerProcess server({"--ping-interval", "200", "--pong-timeout", "200"});
    Socket s(server.port());
    s.send(upgrade_request("/echo", harness::good_upgrade_fields));
    REQUIRE(harness::read_response(s, true)->status == 101);
    auto ping = s.receive_exactly(2, 2000);
    REQUIRE(ping);
    CHECK(std::uint8_t((*ping)[0]) == 0x89);
    CHECK(s.receive_until_close(2000).has_value());  // never answered: dropped
}

TEST_CASE("the chat endpoint negotiates its subprotocol, the echo none") {
    ServerProcess server;
    auto offer = [&](std::string_view path, std::string_view protocols) {
        Socket s(server.port());
        s.send(upgrade_request(path, harness::good_upgrade_fields + "Sec-WebSocket-Protocol: " + std::string(protocols) + "\r\n"));
        auto r = harness::read_response(s, true);
        REQUIRE(r);
        REQUIRE(r->status == 101);
        const std::string* chosen = r->find("Sec-WebSocket-Protocol");
        return chosen ? *chosen : std::string("(none)");
    };
    CHECK(offer("/", "mqtt, wirechat.v1") == "wirechat.v1");
    CHECK(offer("/", "mqtt") == "(none)");
    CHECK(offer("/echo", "wirechat.v1") == "(none)");
}
