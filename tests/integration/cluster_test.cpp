// One chat across several wirechat processes sharing a real redis-server
// (started here, on a free loopback port): delivery and order across nodes,
// presence, rooms and nicknames across nodes, history across restarts,
// recovery, and the faults: Redis restarted or gone, a node killed.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

using harness::RedisServer;
using harness::ServerProcess;
using harness::WsClient;
using harness::next_envelope;
namespace json = boost::json;

namespace {

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

// A node that reaches Redis as a Redis user of its own, so that it alone can
// be shut out (its connections killed, its logins refused) and let back in.
struct SeparateNode : ServerProcess {
    explicit SeparateNode(const RedisServer& redis, std::vector<std::string> more = {})
        : ServerProcess(args(redis, std::move(more))), redis_(redis) {
        REQUIRE(wait_until_chat_ready());
    }
    void shut_out() const {
        redis_.cli({"ACL", "SETUSER", "separate", "off"});
        redis_.cli({"CLIENT", "KILL", "USER", "separate"});
    }
    void let_in() const { redis_.cli({"ACL", "SETUSER", "separate", "on"}); }

private:
    // The user exists before the node starts.
    static std::vector<std::string> args(const RedisServer& redis, std::vector<std::string> more) {
        redis.cli({"ACL", "SETUSER", "separate", "on", ">secret", "~*", "&*", "+@all"});
        more.insert(more.begin(), {"--redis", "redis://separate:secret@127.0.0.1:" + std::to_string(redis.port())});
        return more;
    }
    const RedisServer& redis_;
};

}  // namespace

TEST_CASE("two nodes are one chat: a message from either reaches both, in one order") {
    RedisServer redis;
    Node one(redis), two(redis);
    WsClient alice(one.port(), "/?nickname=alice");
    CHECK(next_envelope(alice, "welcome").at("payload").at("nickname") == "alice");
    WsClient bob(two.port(), "/?nickname=bob");
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

namespace {

std::int64_t id_of(const json::object& envelope) {
    return envelope.at("payload").at("id").to_number<std::int64_t>();
}

std::vector<std::string> texts(const json::value& history) {
    std::vector<std::string> out;
    for (const json::value& m : history.as_array()) out.emplace_back(m.at("text").as_string());
    return out;
}

std::string say(std::string_view text) {
    return json::serialize(json::object{{"type", "new_message"}, {"payload", text}});
}

// Reads until an envelope of `type` comes whose payload satisfies `wanted`.
template <class Wanted>
json::object wait_for(WsClient& client, std::string_view type, Wanted wanted, int timeout_ms = 10000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) FAIL("no '" << type << "' envelope as wanted arrived");
        json::object envelope = next_envelope(client, type, int(left));
        if (wanted(envelope.at("payload"))) return envelope;
    }
}

}  // namespace

TEST_CASE("three nodes: every message reaches every member on every node exactly once, in id order") {
    RedisServer redis;
    Node nodes[] = {Node(redis), Node(redis), Node(redis)};
    std::vector<std::unique_ptr<WsClient>> clients;
    for (int i = 0; i < 30; ++i) {
        clients.push_back(std::make_unique<WsClient>(nodes[i % 3].port()));
        next_envelope(*clients.back(), "welcome");
    }
    // Six senders on the three nodes, three messages each, all at once.
    for (int round = 0; round < 3; ++round)
        for (int s = 0; s < 6; ++s)
            clients[std::size_t(s * 5)]->send_text(say(std::to_string(s) + "-" + std::to_string(round)));
    std::vector<std::int64_t> reference;
    for (auto& c : clients) {
        std::vector<std::int64_t> ids;
        std::set<std::string> seen;
        for (int i = 0; i < 18; ++i) {
            const json::object m = next_envelope(*c, "new_message");
            ids.push_back(id_of(m));
            seen.emplace(m.at("payload").at("text").as_string());
        }
        CHECK(seen.size() == 18);  // each exactly once
        CHECK(std::is_sorted(ids.begin(), ids.end()));
        if (reference.empty()) reference = ids;
        CHECK(ids == reference);  // one order for everyone, on every node
    }
    // Nothing more, nothing twice: the next message everyone gets is a last one.
    clients.front()->send_text(say("the end"));
    for (auto& c : clients) CHECK(next_envelope(*c, "new_message").at("payload").at("text") == "the end");
}

TEST_CASE("presence, the rooms list, nicknames and guest numbers are the cluster's") {
    RedisServer redis;
    Node one(redis), two(redis);
    WsClient alice(one.port(), "/?nickname=alice");
    next_envelope(alice, "welcome");
    WsClient bob(two.port(), "/?nickname=bob");
    next_envelope(bob, "welcome");
    // alice, on the other node, hears of bob within a flush or two.
    wait_for(alice, "presence", [](const json::value& p) { return p.at("count") == 2; });

    // A nickname held on one node is taken on the other.
    bob.send_text(R"({"type":"nickname","payload":"alice"})");
    const json::object refused = next_envelope(bob, "error");
    CHECK(refused.at("payload").at("code") == "bad_nickname");
    WsClient impostor(two.port(), "/?nickname=alice");
    CHECK(next_envelope(impostor, "welcome").at("payload").at("nickname") != "alice");

    // Guest numbers never repeat across nodes.
    std::set<std::string> guests;
    std::vector<std::unique_ptr<WsClient>> arrivals;
    for (int i = 0; i < 6; ++i) {
        arrivals.push_back(std::make_unique<WsClient>((i % 2 ? one : two).port()));
        guests.emplace(next_envelope(*arrivals.back(), "welcome").at("payload").at("nickname").as_string());
    }
    CHECK(guests.size() == 6);

    // A room opened on one node shows in the other node's rooms list.
    bob.send_text(R"({"type":"join","payload":"dev"})");
    CHECK(next_envelope(bob, "joined").at("payload").at("users") == json::parse(R"(["bob"])"));
    wait_for(alice, "rooms", [](const json::value& rooms) {
        for (const json::value& r : rooms.as_array())
            if (r.at("room") == "dev") return r.at("users") == 1;
        return false;
    });
    // A nickname freed on one node is free on the other, once the release
    // has crossed Redis: until then a claim is refused, and bob tries again
    // (5 a second, within the chat's rate limit).
    alice.close(1000);
    CHECK(alice.wait_closed());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    bool took = false;
    while (!took && std::chrono::steady_clock::now() < deadline) {
        bob.send_text(R"({"type":"nickname","payload":"alice"})");
        json::object answer;
        do {  // the answer is a nickname or an error envelope; others are skipped
            auto m = bob.receive(5000);
            REQUIRE(m);
            answer = json::parse(m->payload).as_object();
        } while (answer.at("type") != "nickname" && answer.at("type") != "error");
        took = answer.at("type") == "nickname";
        if (took) CHECK(answer.at("payload") == "alice");
        else {
            CHECK(answer.at("payload").at("code") == "bad_nickname");
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    }
    CHECK(took);
}

TEST_CASE("history survives restarting every node, and ids keep growing") {
    RedisServer redis;
    std::int64_t last = 0;
    {
        Node one(redis), two(redis);
        WsClient a(one.port(), "/?room=dev");
        next_envelope(a, "welcome");
        for (int i = 1; i <= 3; ++i) {
            a.send_text(say("before " + std::to_string(i)));
            last = id_of(next_envelope(a, "new_message"));
        }
    }
    Node one(redis), two(redis);
    WsClient b(two.port(), "/?room=dev");
    const json::object welcome = next_envelope(b, "welcome");
    CHECK(texts(welcome.at("payload").at("history")) ==
          std::vector<std::string>{"before 1", "before 2", "before 3"});
    b.send_text(say("after"));
    CHECK(id_of(next_envelope(b, "new_message")) > last);
}

TEST_CASE("recovery across nodes: exactly what was missed, nothing twice, false past the history") {
    RedisServer redis;
    Node one(redis, {"--history", "5"}), two(redis, {"--history", "5"});
    WsClient talker(two.port(), "/?room=dev");
    next_envelope(talker, "welcome");
    std::int64_t seen = 0;
    {
        WsClient reader(one.port(), "/?room=dev");
        next_envelope(reader, "welcome");
        talker.send_text(say("one"));
        seen = id_of(next_envelope(reader, "new_message"));
        CHECK(id_of(next_envelope(talker, "new_message")) == seen);
    }
    std::int64_t last = 0;
    for (const char* text : {"two", "three", "four"}) {
        talker.send_text(say(text));
        last = id_of(next_envelope(talker, "new_message"));
    }
    // Back, on the other node, with the URL.
    WsClient back(two.port(), "/?room=dev&since=" + std::to_string(seen));
    json::object welcome = next_envelope(back, "welcome");
    CHECK(welcome.at("payload").at("recovered") == true);
    CHECK(texts(welcome.at("payload").at("history")) == std::vector<std::string>{"two", "three", "four"});
    // Again with nothing new: nothing comes twice.
    back.send_text(R"({"type":"join","payload":{"room":"dev","since":)" + std::to_string(last) + "}}");
    json::object joined = next_envelope(back, "joined");
    CHECK(joined.at("payload").at("recovered") == true);
    CHECK(joined.at("payload").at("history").as_array().empty());
    // Exactly as many as the history holds can be recovered; one more cannot.
    talker.send_text(say("five"));
    talker.send_text(say("six"));
    for (int i = 0; i < 2; ++i) next_envelope(talker, "new_message");
    WsClient full(one.port(), "/?room=dev&since=" + std::to_string(seen));
    welcome = next_envelope(full, "welcome");
    CHECK(welcome.at("payload").at("recovered") == true);
    CHECK(texts(welcome.at("payload").at("history")).size() == 5);
    talker.send_text(say("seven"));
    next_envelope(talker, "new_message");
    WsClient late(one.port(), "/?room=dev&since=" + std::to_string(seen));
    welcome = next_envelope(late, "welcome");
    CHECK(welcome.at("payload").at("recovered") == false);
    CHECK(texts(welcome.at("payload").at("history")) ==
          std::vector<std::string>{"three", "four", "five", "six", "seven"});
}

TEST_CASE("bad since values get an error, and the connection stays") {
    RedisServer redis;
    Node one(redis);
    WsClient c(one.port(), "/?since=12abc");
    const json::object welcome = next_envelope(c, "welcome");
    CHECK_FALSE(welcome.at("payload").as_object().contains("recovered"));
    CHECK(next_envelope(c, "error").at("payload").at("code") == "bad_since");
    for (const char* since : {"-1", "9007199254740992", "\"5\"", "1.5"}) {
        c.send_text(std::string(R"({"type":"join","payload":{"room":"dev","since":)") + since + "}}");
        CHECK(next_envelope(c, "error").at("payload").at("code") == "bad_since");
    }
    c.send_text(say("still here"));
    CHECK(next_envelope(c, "new_message").at("payload").at("room") == "lobby");
    // A query that is not percent-encoding is refused before the upgrade.
    CHECK_THROWS(WsClient(one.port(), "/?nickname=%zz"));
}

// ---- faults -------------------------------------------------------------------

namespace {

// An `unavailable` error in answer to a message, while the store is away.
bool refused_as_unavailable(WsClient& client, std::string_view text) {
    client.send_text(say(text));
    for (;;) {
        auto m = client.receive(5000);
        if (!m) return false;
        const json::value envelope = json::parse(m->payload);
        if (envelope.at("type") == "new_message") return false;
        if (envelope.at("type") == "error") return envelope.at("payload").at("code") == "unavailable";
    }
}

// Sends `text` until it is accepted (the node may still be reconnecting);
// returns its id.
std::int64_t say_when_back(WsClient& client, std::string_view text, int timeout_ms = 15000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        client.send_text(say(text));
        for (;;) {
            auto m = client.receive(5000);
            if (!m) FAIL("no answer to a message");
            const json::object envelope = json::parse(m->payload).as_object();
            if (envelope.at("type") == "new_message" && envelope.at("payload").at("text").as_string() == text)
                return id_of(envelope);
            if (envelope.at("type") == "error") break;  // unavailable: again, a little later
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    FAIL("the chat did not come back");
    return 0;
}

}  // namespace

TEST_CASE("Redis out of reach at start: pages and echo are served, chat upgrades get 503 until it comes") {
    RedisServer redis;
    redis.stop();
    ServerProcess node({"--redis", redis.url()});
    harness::Socket page(node.port());
    page.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(harness::read_response(page)->status == 200);
    WsClient echo(node.port(), "/echo");
    echo.send_text("still echoing");
    CHECK(echo.receive()->payload == "still echoing");
    try {
        WsClient refused(node.port());
        FAIL("a chat upgrade was accepted without Redis");
    } catch (const std::exception& e) {
        CHECK(std::string(e.what()).find("503") != std::string::npos);
        CHECK(std::string(e.what()).find("Retry-After") != std::string::npos);
    }
    redis.start();
    REQUIRE(node.wait_until_chat_ready(15000));
    WsClient c(node.port());
    CHECK(next_envelope(c, "welcome").at("payload").at("room") == "lobby");
}

TEST_CASE("Redis restarted mid-run: clients keep their connections and lose nothing acknowledged") {
    RedisServer redis;
    Node one(redis), two(redis);
    WsClient alice(one.port(), "/?nickname=alice"), bob(two.port(), "/?nickname=bob");
    next_envelope(alice, "welcome");
    next_envelope(bob, "welcome");
    alice.send_text(say("acknowledged before"));
    const std::int64_t before = id_of(next_envelope(alice, "new_message"));
    CHECK(id_of(next_envelope(bob, "new_message")) == before);

    redis.stop();
    CHECK(refused_as_unavailable(alice, "while Redis is away"));
    CHECK(refused_as_unavailable(bob, "while Redis is away"));
    redis.start();

    // Both come back by themselves; nobody was disconnected.
    const std::int64_t after = say_when_back(alice, "after");
    CHECK(after > before);
    wait_for(bob, "new_message", [](const json::value& m) { return m.at("text") == "after"; });
    // Nothing acknowledged was lost, nothing refused was kept, and the
    // clients are registered again: presence and nicknames hold.
    WsClient carol(two.port(), "/?nickname=alice");
    const json::object welcome = next_envelope(carol, "welcome");
    CHECK(welcome.at("payload").at("nickname") != "alice");
    CHECK(texts(welcome.at("payload").at("history")) == std::vector<std::string>{"acknowledged before", "after"});
    const json::value& users = welcome.at("payload").at("users");
    CHECK(std::count(users.as_array().begin(), users.as_array().end(), json::value("alice")) == 1);
    CHECK(std::count(users.as_array().begin(), users.as_array().end(), json::value("bob")) == 1);
    CHECK_FALSE(alice.close_code);
    CHECK_FALSE(bob.close_code);
}

TEST_CASE("a node cut off from Redis delivers what was said meanwhile once it is back, once each, in order") {
    RedisServer redis;
    SeparateNode one(redis);
    Node two(redis);
    WsClient reader(one.port(), "/?room=dev&nickname=reader"), talker(two.port(), "/?room=dev");
    next_envelope(reader, "welcome");
    next_envelope(talker, "welcome");
    talker.send_text(say("before"));
    CHECK(next_envelope(reader, "new_message").at("payload").at("text") == "before");

    one.shut_out();
    CHECK(refused_as_unavailable(reader, "cut off"));
    std::vector<std::string> said;
    for (int i = 1; i <= 5; ++i) {
        said.push_back("meanwhile " + std::to_string(i));
        talker.send_text(say(said.back()));
        next_envelope(talker, "new_message");
    }
    one.let_in();

    // The reader was never disconnected, and gets each message once, in order.
    std::vector<std::string> got;
    std::int64_t previous = 0;
    while (got.size() < said.size()) {
        const json::object m = next_envelope(reader, "new_message", 15000);
        CHECK(id_of(m) > previous);
        previous = id_of(m);
        got.emplace_back(m.at("payload").at("text").as_string());
    }
    CHECK(got == said);
    talker.send_text(say("live again"));
    CHECK(next_envelope(reader, "new_message").at("payload").at("text") == "live again");
    CHECK_FALSE(reader.close_code);
    // And it is in presence again, under its own name.
    WsClient other(two.port(), "/?room=dev&nickname=reader");
    const json::object welcome = next_envelope(other, "welcome");
    CHECK(welcome.at("payload").at("nickname") != "reader");
}

TEST_CASE("a slow Redis: requests are refused as unavailable within the timeout, then the chat comes back") {
    RedisServer redis;
    Node one(redis, {"--redis-timeout", "300"});
    WsClient c(one.port());
    next_envelope(c, "welcome");
    // Redis stops answering (a long command, a stalled disk, a stopped VM).
    redis.pause();
    const auto asked = std::chrono::steady_clock::now();
    CHECK(refused_as_unavailable(c, "into the void"));
    // 300 ms, the watchdog's quarter second, and room for a loaded machine:
    // well before the default timeout (3 s) would have said it.
    CHECK(std::chrono::steady_clock::now() - asked < std::chrono::milliseconds(2500));
    redis.resume();
    say_when_back(c, "back");
    CHECK_FALSE(c.close_code);
}

TEST_CASE("Redis that stops reading with megabytes waiting: the node goes on serving, and says unavailable") {
    RedisServer redis;
    Node one(redis, {"--redis-timeout", "1000"});
    // 800 clients each send a message of 8 KB: 6.4 MB for Redis at once (a
    // client has one request with Redis at a time), more than the sockets
    // between us hold while Redis does not read.
    std::string text;
    for (int i = 0; i < 2000; ++i) text += "\xF0\x9F\x98\x80";
    std::vector<std::unique_ptr<WsClient>> clients;
    for (int i = 0; i < 800; ++i) {
        clients.push_back(std::make_unique<WsClient>(one.port(), "/?room=r" + std::to_string(i)));
        next_envelope(*clients.back(), "welcome");
    }
    redis.pause();
    for (auto& c : clients) c->send_text(say(text));
    // The node keeps serving everything else meanwhile...
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    harness::Socket page(one.port());
    page.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto response = harness::read_response(page, false, 5000);
    REQUIRE(response);
    CHECK(response->status == 200);
    // ...and answers what waits for Redis with unavailable once it is late.
    bool refused = false;
    while (auto m = clients[0]->receive(3000)) {
        const json::value envelope = json::parse(m->payload);
        if (envelope.at("type") == "error") {
            refused = envelope.at("payload").at("code") == "unavailable";
            break;
        }
    }
    CHECK(refused);
    redis.resume();
    say_when_back(*clients[1], "back");
}

TEST_CASE("Redis that lost its data: newcomers are welcomed and ids stay above everything seen") {
    RedisServer redis;
    Node one(redis), two(redis);
    WsClient alice(one.port(), "/?nickname=alice"), bob(two.port(), "/?nickname=bob");
    next_envelope(alice, "welcome");
    next_envelope(bob, "welcome");
    alice.send_text(say("before the loss"));
    const std::int64_t before = id_of(next_envelope(bob, "new_message"));
    redis.cli({"FLUSHALL"});
    // Each node finds out (its registration is gone), registers its clients
    // again, and serves; nobody is disconnected.
    const std::int64_t after = say_when_back(alice, "after the loss");
    CHECK(after > before);
    wait_for(bob, "new_message", [](const json::value& m) { return m.at("text") == "after the loss"; });
    // Both nodes notice by their next heartbeat (5 s) and register again.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (redis.cli({"ZCARD", "wirechat:nodes"}) != "2\n" && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    REQUIRE(two.wait_until_chat_ready());
    WsClient carol(two.port(), "/?nickname=alice&since=" + std::to_string(before));
    const json::object welcome = next_envelope(carol, "welcome", 5000);
    CHECK(welcome.at("payload").at("nickname") != "alice");  // registered again: still taken
    CHECK(welcome.at("payload").at("recovered") == false);   // the loss is not vouched for
    CHECK_FALSE(alice.close_code);
    CHECK_FALSE(bob.close_code);
}

TEST_CASE("a client that leaves while its node is registering again leaves nothing behind") {
    RedisServer redis;
    Node one(redis);
    auto xavier = std::make_unique<WsClient>(one.port(), "/?nickname=xavier");
    WsClient yvonne(one.port(), "/?nickname=yvonne");
    next_envelope(*xavier, "welcome");
    next_envelope(yvonne, "welcome");
    // Writes wait for 1.5 s; the node's subscription is cut, so it starts
    // over: subscribes, then its registration waits behind the pause.
    redis.cli({"CLIENT", "PAUSE", "1500", "WRITE"});
    redis.cli({"CLIENT", "KILL", "TYPE", "pubsub"});
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    xavier->close(1000);
    CHECK(xavier->wait_closed());
    xavier.reset();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::string members;
    do {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        members = redis.cli({"ZRANGE", "wirechat:members:lobby", "0", "-1"});
    } while (members.find("xavier") != std::string::npos && std::chrono::steady_clock::now() < deadline);
    CHECK(members.find("xavier") == std::string::npos);
    CHECK(members.find("yvonne") != std::string::npos);
}

TEST_CASE("a node away while more was said than the history keeps sends its clients back for the last messages") {
    RedisServer redis;
    SeparateNode one(redis, {"--history", "3"});
    Node two(redis, {"--history", "3"});
    WsClient reader(one.port(), "/?room=dev"), talker(two.port(), "/?room=dev");
    next_envelope(reader, "welcome");
    next_envelope(talker, "welcome");
    talker.send_text(say("seen"));
    const std::int64_t seen = id_of(next_envelope(reader, "new_message"));

    one.shut_out();
    CHECK(refused_as_unavailable(reader, "cut off"));
    for (int i = 1; i <= 6; ++i) {  // the stream keeps 4
        talker.send_text(say("missed " + std::to_string(i)));
        next_envelope(talker, "new_message");
    }
    one.let_in();

    // It cannot be caught up without a gap: it is closed, not fed a gap...
    while (auto m = reader.receive(15000)) CHECK(json::parse(m->payload).at("type") != "new_message");
    CHECK(reader.wait_closed());
    CHECK(reader.close_reason.find("missed") != std::string::npos);
    // ...and coming back it is told so, with the room's last messages.
    WsClient back(one.port(), "/?room=dev&since=" + std::to_string(seen));
    const json::object welcome = next_envelope(back, "welcome");
    CHECK(welcome.at("payload").at("recovered") == false);
    CHECK(texts(welcome.at("payload").at("history")) ==
          std::vector<std::string>{"missed 4", "missed 5", "missed 6"});
}

TEST_CASE("a node killed without a goodbye leaves no ghosts: its users leave presence, their nicknames are free") {
    RedisServer redis;
    Node doomed(redis, {"--redis-node-ttl", "1500"}), survivor(redis, {"--redis-node-ttl", "1500"});
    WsClient ghost(doomed.port(), "/?nickname=ghost");
    next_envelope(ghost, "welcome");
    WsClient watcher(survivor.port(), "/?nickname=watcher");
    CHECK(next_envelope(watcher, "welcome").at("payload").at("count") == 2);
    const auto killed = std::chrono::steady_clock::now();
    doomed.kill_hard();
    // Reaped by the survivor's beat within the TTL and a beat (2 s), with
    // room for a loaded machine: long before the default TTL (15 s).
    wait_for(watcher, "presence", [](const json::value& p) { return p.at("count") == 1; }, 8000);
    CHECK(std::chrono::steady_clock::now() - killed < std::chrono::milliseconds(5000));
    WsClient heir(survivor.port(), "/?nickname=ghost");
    CHECK(next_envelope(heir, "welcome").at("payload").at("nickname") == "ghost");
}

TEST_CASE("a node taken for dead comes back: its clients are registered again, renamed if their name was taken") {
    RedisServer redis;
    SeparateNode one(redis, {"--redis-node-ttl", "900"});
    Node two(redis, {"--redis-node-ttl", "900"});
    WsClient alice(one.port(), "/?nickname=alice"), carol(one.port(), "/?nickname=carol");
    next_envelope(alice, "welcome");
    next_envelope(carol, "welcome");

    // Node one is cut off long enough to be reaped; meanwhile someone on
    // node two takes alice's name.
    one.shut_out();
    std::unique_ptr<WsClient> usurper;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!usurper && std::chrono::steady_clock::now() < deadline) {
        auto attempt = std::make_unique<WsClient>(two.port(), "/?nickname=alice");
        if (next_envelope(*attempt, "welcome").at("payload").at("nickname") == "alice") usurper = std::move(attempt);
        else std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    REQUIRE(usurper);
    one.let_in();

    // Back: alice hears, unasked, that she is someone else now; carol keeps her name.
    const json::object renamed = next_envelope(alice, "renamed", 15000);
    CHECK(renamed.at("payload").at("from") == "alice");
    const std::string now_called(renamed.at("payload").at("to").as_string());
    CHECK(now_called.starts_with("guest-"));
    alice.send_text(say("who am I"));
    CHECK(wait_for(alice, "new_message", [](const json::value&) { return true; }).at("payload").at("from").as_string() ==
          now_called);
    WsClient check(two.port(), "/?nickname=carol");
    CHECK(next_envelope(check, "welcome").at("payload").at("nickname") != "carol");
    CHECK_FALSE(alice.close_code);
}
