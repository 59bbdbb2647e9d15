// The inspector (/inspect): a chat connection that asks to be inspectable
// (?inspect=1) gets a token in its welcome, and an inspector that brings it
// from the same address is streamed the connection's wire as JSON events.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "harness.h"

using harness::next_envelope;
using harness::ServerProcess;
using harness::WsClient;
namespace json = boost::json;

namespace {

// Every event that arrives within `timeout_ms` of the previous one.
std::vector<json::object> events_of(WsClient& inspector, int timeout_ms = 500) {
    std::vector<json::object> events;
    while (auto m = inspector.receive(timeout_ms)) events.push_back(json::parse(m->payload).as_object());
    return events;
}

std::string inspect_token(WsClient& chat) {
    const json::object welcome = next_envelope(chat, "welcome");
    const json::object& payload = welcome.at("payload").as_object();
    return payload.contains("inspect") ? std::string(payload.at("inspect").as_string()) : "";
}

}  // namespace

TEST_CASE("an inspectable chat connection, streamed to its inspector") {
    ServerProcess server;
    WsClient chat(server.port(), "/?inspect=1&nickname=student");
    const std::string token = inspect_token(chat);
    REQUIRE(token.size() == 32);  // 128 bits, in hex
    CHECK(token.find_first_not_of("0123456789abcdef") == std::string::npos);

    WsClient inspector(server.port(), "/inspect?token=" + token);
    chat.send_text(R"({"type":"new_message","payload":"Hello"})");
    CHECK(next_envelope(chat, "new_message").at("payload").at("text") == "Hello");
    const std::vector<json::object> events = events_of(inspector);
    REQUIRE(events.size() >= 5);

    // From the very first byte: the upgrade request, the accept computation, the 101.
    CHECK(events[0].at("event") == "head");
    CHECK(events[0].at("dir") == "in");
    CHECK(std::string(events[0].at("text").as_string()).starts_with("GET /?inspect=1&nickname=student HTTP/1.1\r\n"));
    CHECK(events[1].at("event") == "accept");
    CHECK(events[1].at("guid") == "258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    CHECK(events[2].at("event") == "head");
    CHECK(events[2].at("dir") == "out");
    const std::string accept(events[1].at("accept").as_string());
    CHECK(std::string(events[2].at("text").as_string()).find("Sec-WebSocket-Accept: " + accept + "\r\n") !=
          std::string::npos);
    CHECK(chat.handshake_response.find(accept) != std::string::npos);  // what the client got
    // The welcome, unmasked, from the server...
    CHECK(events[3].at("event") == "frame");
    CHECK(events[3].at("dir") == "out");
    CHECK(events[3].at("masked") == false);
    // ...and the message, masked, from the client, with its bytes both ways.
    const std::string sent = R"({"type":"new_message","payload":"Hello"})";
    bool found = false;
    for (const json::object& e : events) {
        if (e.at("event") != "frame" || e.at("dir") != "in") continue;
        found = true;
        CHECK(e.at("opcode_name") == "text");
        CHECK(e.at("fin") == true);
        CHECK(e.at("masked") == true);
        CHECK(e.at("length") == sent.size());
        CHECK(e.at("length_form") == "7-bit");
        CHECK(e.at("text").as_string() == sent);
        const std::string header(e.at("header").as_string());
        CHECK(header.substr(0, 4) == "81" + std::string(1, "0123456789abcdef"[(0x80 | sent.size()) >> 4]) +
                                         std::string(1, "0123456789abcdef"[(0x80 | sent.size()) & 15]));
        CHECK(header.substr(4) == std::string(e.at("key").as_string()));
        CHECK(e.at("wire").as_string() != e.at("payload").as_string());
        CHECK(e.at("t").as_int64() > 1'700'000'000'000);
    }
    CHECK(found);

    // The chat connection closes: so do the events, then the inspector.
    // (The server waits up to 2 s for the client's end of TCP, which this
    // client keeps open.)
    chat.close(1000);
    CHECK(chat.wait_closed());
    const std::vector<json::object> last = events_of(inspector, 6000);
    REQUIRE_FALSE(last.empty());
    CHECK(last.back().at("event") == "end");
    CHECK(inspector.wait_closed());
    CHECK(inspector.close_code == 1000);
}

TEST_CASE("no inspectable connection without asking, and none at all with --no-inspect") {
    SECTION("not asked") {
        ServerProcess server;
        WsClient chat(server.port(), "/");
        CHECK(inspect_token(chat).empty());
    }
    SECTION("--no-inspect") {
        ServerProcess server({"--no-inspect"});
        WsClient chat(server.port(), "/?inspect=1");
        CHECK(inspect_token(chat).empty());
        CHECK_THROWS(WsClient(server.port(), "/inspect?token=00000000000000000000000000000000"));  // 404
    }
}

TEST_CASE("a made-up, someone else's or a dead token gets nothing, and a clear close code") {
    ServerProcess server;
    auto refused = [&](const std::string& token, const char* from = nullptr) {
        WsClient inspector(server.port(), "/inspect?token=" + token, from);
        const bool nothing = !inspector.receive(1000).has_value();
        return nothing && inspector.close_code == 4404;
    };
    CHECK(refused("00000000000000000000000000000000"));
    CHECK(refused(""));
    std::string dead;
    {
        WsClient chat(server.port(), "/?inspect=1");
        const std::string token = inspect_token(chat);
        CHECK(refused(token, "127.0.0.2"));  // the right token, from another address
        dead = token;
        chat.close(1000);
        CHECK(chat.wait_closed());
    }
    CHECK(refused(dead));
}

TEST_CASE("an inspector never sees another connection's frames") {
    ServerProcess server;
    WsClient a(server.port(), "/?inspect=1&nickname=a"), b(server.port(), "/?inspect=1&nickname=b");
    const std::string token_a = inspect_token(a), token_b = inspect_token(b);
    CHECK(token_a != token_b);
    WsClient inspect_a(server.port(), "/inspect?token=" + token_a);
    b.send_text(R"({"type":"new_message","payload":"only b sent this"})");
    CHECK(next_envelope(a, "new_message").at("payload").at("text") == "only b sent this");
    a.send_text(R"({"type":"new_message","payload":"a here"})");
    CHECK(next_envelope(a, "new_message").at("payload").at("text") == "a here");
    int from_a = 0;
    for (const json::object& e : events_of(inspect_a)) {
        if (e.at("event") == "head") CHECK(std::string(e.at("text").as_string()).find("nickname=b") == std::string::npos);
        if (e.at("event") != "frame" || e.at("dir") != "in") continue;
        CHECK(std::string(e.at("text").as_string()).find("only b sent this") == std::string::npos);
        ++from_a;
    }
    CHECK(from_a == 1);
}

TEST_CASE("a flooded connection whose inspector does not read: bounded memory, then skipped events") {
    ServerProcess server;
    WsClient chat(server.port(), "/?inspect=1");
    const std::string token = inspect_token(chat);
    WsClient inspector(server.port(), "/inspect?token=" + token);  // and now it does not read
    const long rss_before = server.rss_kib();
    // 20,000 pings of 100 bytes in one write (the chat's rate limit is for
    // envelopes; frames are the endpoint's): 40,000 events with their
    // pongs, some 20 MB of JSON, far more than the kernel's buffers take.
    const int pings = 20'000;
    std::string flood;
    for (int i = 0; i < pings; ++i) flood += harness::client_frame(0x89, std::string(100, char('a' + i % 26)));
    chat.socket().send(flood);
    for (int i = 0; i < pings; ++i) REQUIRE(chat.receive_pong(5000));
    const long grown_kib = server.rss_kib() - rss_before;
    INFO("the server grew by " << grown_kib << " KiB");
#ifndef WIRECHAT_SANITIZED
    // (ASan keeps freed memory in quarantine, hundreds of MB: its RSS says
    // nothing about what the server holds. The Release run checks it.)
    CHECK(grown_kib < 16 * 1024);
#endif
    // Reading at last: what it was sent, and word of what it missed.
    std::uint64_t skipped = 0;
    std::uint64_t events = 0;
    while (events + skipped < 2 * pings) {
        const auto m = inspector.receive(5000);
        if (!m) break;
        ++events;
        const json::object e = json::parse(m->payload).as_object();
        if (e.at("event") == "skipped") skipped += e.at("count").to_number<std::uint64_t>();
    }
    INFO(events << " events, " << skipped << " skipped");
    CHECK(skipped > 0);
    CHECK(events + skipped >= 2 * pings);
}

TEST_CASE("a server stopping with an inspected connection and its inspector still open exits cleanly") {
    ServerProcess server;
    WsClient chat(server.port(), "/?inspect=1");
    const std::string token = inspect_token(chat);
    WsClient inspector(server.port(), "/inspect?token=" + token);
    // Neither client answers the server's 1001: the grace period (5 s) runs
    // out and the server deletes both connections as they are.
    CHECK(server.terminate(10'000) == 0);
}
