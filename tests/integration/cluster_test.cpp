// One chat across several wirechat processes sharing a real redis-server
// (started here, on a free loopback port): delivery and order across nodes,
// presence, rooms and nicknames across nodes, history across restarts,
// recovery, and the faults: Redis restarted or gone, a node killed.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "harness.h"

using harness::RedisServer;
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

// A wirechat node of the chat in `redis`, ready to take chat clients.
struct Node : ServerProcess {
    explicit Node(const RedisServer& redis, std::vector<std::string> more = {})
        : ServerProcess(args(redis, std::move(more))) {
        REQUIRE(wait_until_chat_ready());
    }
    static std::vector<std::string> args(const RedisServer& redis, std::vector<std::string> more) {
        more.insert(more.begin(), {"--redis", redis.url()});
        return more;
    }
};

}  // namespace

TEST_CASE("two nodes are one chat: a message from either reaches both, in one order") {
    RedisServer redis;
    Node one(redis), two(redis);
    WsClient alice(one.port(), "/?nickname=alice"), bob(two.port(), "/?nickname=bob");
    CHECK(next_envelope(alice, "welcome").at("payload").at("nickname") == "alice");
    const json::object welcome = next_envelope(bob, "welcome");
    CHECK(welcome.at("payload").at("users") == json::parse(R"(["alice","bob"])"));
    alice.send_text(R"({"type":"new_message","payload":"from one"})");
    bob.send_text(R"({"type":"new_message","payload":"from two"})");
    std::vector<std::string> seen_by_alice, seen_by_bob;
    for (int i = 0; i < 2; ++i) {
        seen_by_alice.emplace_back(next_envelope(alice, "new_message").at("payload").at("text").as_string());
        seen_by_bob.emplace_back(next_envelope(bob, "new_message").at("payload").at("text").as_string());
    }
    CHECK(seen_by_alice == seen_by_bob);
}
