// The chat endpoint of the real server, spoken to by many WebSocket clients.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <memory>
#include <set>

#include "harness.h"

using harness::ServerProcess;
using harness::WsClient;
using harness::next_envelope;
namespace json = boost::json;

TEST_CASE("two clients chat: welcome, nickname, broadcast to the room") {
    ServerProcess server;
    WsClient alice(server.port()), bob(server.port());
    auto welcome = next_envelope(alice, "welcome");
    CHECK(welcome.at("payload").at("room") == "lobby");
    next_envelope(bob, "welcome");

    alice.send_text(R"({"type":"nickname","payload":"alice"})");
    CHECK(next_envelope(alice, "nickname").at("payload") == "alice");
    alice.send_text(R"({"type":"new_message","payload":"  hi bob  "})");
    for (WsClient* c : {&alice, &bob}) {
        auto m = next_envelope(*c, "new_message").at("payload").as_object();
        CHECK(m.at("from") == "alice");
        CHECK(m.at("text") == "hi bob");
        CHECK(m.at("room") == "lobby");
    }
}

TEST_CASE("a bad envelope gets an error and the connection stays") {
    ServerProcess server;
    WsClient c(server.port());
    next_envelope(c, "welcome");
    c.send_text("not json");
    CHECK(next_envelope(c, "error").at("payload").at("code") == "bad_json");
    c.send_text(R"({"type":"dance"})");
    CHECK(next_envelope(c, "error").at("payload").at("code") == "unknown_type");
    c.send_text(R"({"type":"new_message","payload":"still here"})");
    CHECK(next_envelope(c, "new_message").at("payload").at("text") == "still here");
}

// One client sends `count` messages in one write: how many of them the
// room heard (its own copies) and how many were refused as rate_limited.
std::pair<int, int> heard_and_refused(const ServerProcess& server, int count) {
    WsClient c(server.port());
    next_envelope(c, "welcome");
    c.send_texts(R"({"type":"new_message","payload":"hi"})", count);
    std::pair<int, int> result{0, 0};
    while (result.first + result.second < count) {
        auto m = c.receive();
        REQUIRE(m);
        const json::object envelope = json::parse(m->payload).as_object();
        if (envelope.at("type") == "new_message") ++result.first;
        else if (envelope.at("type") == "error") {
            CHECK(envelope.at("payload").at("code") == "rate_limited");
            ++result.second;
        }
    }
    return result;
}

TEST_CASE("the chat's rate limit: a burst of 20 by default, --chat-burst sets it, --chat-rate 0 lifts it") {
    ServerProcess defaults;
    CHECK(heard_and_refused(defaults, 30) == std::pair{20, 10});
    ServerProcess smaller({"--chat-burst", "5", "--chat-rate", "1"});
    CHECK(heard_and_refused(smaller, 30) == std::pair{5, 25});
    ServerProcess unlimited({"--chat-rate", "0"});
    CHECK(heard_and_refused(unlimited, 500) == std::pair{500, 0});
    CHECK(harness::run_to_exit({"--chat-burst", "0"}).status != 0);
}

TEST_CASE("binary frames on the chat endpoint are closed with 1003") {
    ServerProcess server;
    WsClient c(server.port());
    next_envelope(c, "welcome");
    c.send(wirechat::ws::Opcode::binary, "\x01\x02");
    CHECK(c.wait_closed());
    CHECK(c.close_code == 1003);
}

TEST_CASE("200 clients in one room each get every message once, in one order") {
    ServerProcess server;
    std::vector<std::unique_ptr<WsClient>> clients;
    for (int i = 0; i < 200; ++i) {
        clients.push_back(std::make_unique<WsClient>(server.port()));
        next_envelope(*clients.back(), "welcome");
    }
    const int senders = 10, per_sender = 3;
    for (int round = 0; round < per_sender; ++round)
        for (int s = 0; s < senders; ++s)
            clients[std::size_t(s * 20)]->send_text(
                R"({"type":"new_message","payload":"m)" + std::to_string(s) + "-" +
                std::to_string(round) + "\"}");

    std::vector<std::int64_t> reference;
    for (auto& c : clients) {
        std::vector<std::int64_t> ids;
        std::set<std::string> texts;
        for (int i = 0; i < senders * per_sender; ++i) {
            auto m = next_envelope(*c, "new_message").at("payload").as_object();
            ids.push_back(m.at("id").to_number<std::int64_t>());
            texts.insert(std::string(m.at("text").as_string()));
        }
        CHECK(texts.size() == std::size_t(senders * per_sender));  // each exactly once
        CHECK(std::is_sorted(ids.begin(), ids.end()));
        if (reference.empty()) reference = ids;
        CHECK(ids == reference);  // the same order for everyone
    }
    // Nothing more, nothing twice: the next message everyone gets is a last one.
    clients.front()->send_text(R"({"type":"new_message","payload":"the end"})");
    for (auto& c : clients) CHECK(next_envelope(*c, "new_message").at("payload").at("text") == "the end");
}

TEST_CASE("a chat client that stops reading is closed with 1008, and the others go on") {
    const std::size_t max_pending = 128 * 1024;
    ServerProcess server({"--max-pending", std::to_string(max_pending)});
    WsClient slow(server.port());
    next_envelope(slow, "welcome");

    // Five talkers fill the lobby's history: each sends the rate limiter's
    // burst of 20 messages in one write, the longest text each (2000 code
    // points of 4 bytes: about 8 KB). A burst is 160 KB for every reader,
    // past max_pending before the server's one write of the tick: that must
    // not count as reading slowly.
    std::string text;
    for (int i = 0; i < 2000; ++i) text += "\xF0\x9F\x98\x80";  // U+1F600
    const std::string envelope = json::serialize(json::object{{"type", "new_message"}, {"payload", text}});
    std::vector<std::unique_ptr<WsClient>> talkers;
    for (int i = 0; i < 5; ++i) {
        talkers.push_back(std::make_unique<WsClient>(server.port()));
        next_envelope(*talkers.back(), "welcome");
    }
    for (auto& talker : talkers) talker->send_texts(envelope, 20);
    for (WsClient* reader : {&slow, talkers[0].get(), talkers[1].get(), talkers[2].get(), talkers[3].get(),
                             talkers[4].get()})
        for (int i = 0; i < 100; ++i) next_envelope(*reader, "new_message");

    // Now the slow client, reading nothing, asks for the lobby again and
    // again: each `joined` brings the history, about 800 KB. Nothing waits in
    // the server until the kernel stops taking: the server's send buffer
    // grows up to tcp_wmem's maximum, the client's receive buffer stays at
    // tcp_rmem's default. The 20 answers must be well over that.
    auto min_default_max = [](const char* sysctl) {
        std::array<std::size_t, 3> sizes{};
        std::ifstream(sysctl) >> sizes[0] >> sizes[1] >> sizes[2];
        return sizes;
    };
    const std::size_t kernel_buffers =
        min_default_max("/proc/sys/net/ipv4/tcp_wmem")[2] + min_default_max("/proc/sys/net/ipv4/tcp_rmem")[1];
    const int joins = 20;
    if (2 * (kernel_buffers + max_pending) > joins * 100 * text.size()) {
        WARN("not run: this machine's TCP buffers (" << kernel_buffers << " bytes) take all 20 answers");
        return;
    }
    for (int i = 0; i < joins; ++i) slow.send_text(R"({"type":"join","payload":"lobby"})");

    // Meanwhile a newcomer talks, and everyone else hears it.
    WsClient bob(server.port());
    next_envelope(bob, "welcome");
    bob.send_text(R"({"type":"new_message","payload":"still here"})");
    for (auto& talker : talkers) CHECK(next_envelope(*talker, "new_message").at("payload").at("text") == "still here");
    CHECK(next_envelope(bob, "new_message").at("payload").at("text") == "still here");

    // Reading at last, the slow client gets the answers the kernel took
    // before the server gave up on it, then the close.
    // (Presence updates, coalesced on a timer, may come before the end:
    // under a sanitizer the joins take long enough for one to.)
    int answers = 0, messages = 0;
    while (auto m = slow.receive(3000)) {
        const json::value type = json::parse(m->payload).at("type");
        if (type == "joined") ++answers;
        if (type == "new_message") ++messages;
    }
    INFO("the slow client got " << answers << " of " << joins << " answers");
    CHECK(slow.wait_closed());
    CHECK(slow.close_code == 1008);
    CHECK(slow.close_reason.find("too slow") != std::string::npos);
    CHECK(messages == 0);  // bob's message came after the server gave up
    // At least two: the first answer alone is past max_pending, and judged
    // before the kernel had taken any, it would have been the last.
    CHECK(answers >= 2);
    CHECK(answers < joins);
}

TEST_CASE("message ids keep increasing across a server restart") {
    std::int64_t first_run_id = 0;
    {
        ServerProcess server;
        WsClient c(server.port());
        next_envelope(c, "welcome");
        c.send_text(R"({"type":"new_message","payload":"before"})");
        first_run_id = next_envelope(c, "new_message").at("payload").at("id").to_number<std::int64_t>();
    }
    ServerProcess server;
    WsClient c(server.port());
    next_envelope(c, "welcome");
    c.send_text(R"({"type":"new_message","payload":"after"})");
    auto second_run_id = next_envelope(c, "new_message").at("payload").at("id").to_number<std::int64_t>();
    CHECK(second_run_id > first_run_id);
}
