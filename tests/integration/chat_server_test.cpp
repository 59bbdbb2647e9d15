// The chat endpoint of the real server, spoken to by many WebSocket clients.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <memory>
#include <set>

#include "harness.h"

using harness::ServerProcess;
using harness::WsClient;
namespace json = boost::json;

namespace {

json::object next_envelope(WsClient& client, std::string_view type, int timeout_ms = 5000) {
    for (;;) {
        auto m = client.receive(timeout_ms);
        if (!m) FAIL("no '" << type << "' envelope arrived");
        json::object envelope = json::parse(m->payload).as_object();
        if (envelope.at("type").as_string() == type) return envelope;
    }
}

}  // namespace

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
    // And nothing more arrives but presence updates.
    for (auto& c : clients) {
        while (auto m = c->receive(10))
            CHECK(json::parse(m->payload).at("type") != "new_message");
    }
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
