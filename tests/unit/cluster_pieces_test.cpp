// The pure pieces of the Redis engine: the --redis URL, the events nodes
// publish, and the ring of recent messages that completes a snapshot.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cluster/event.h"
#include "cluster/recent_messages.h"
#include "cluster/redis_url.h"

using namespace wirechat::cluster;

TEST_CASE("redis URLs: host, port, password, user, database") {
    std::string error;
    auto url = parse_redis_url("redis://127.0.0.1:6380", error);
    REQUIRE(url);
    CHECK(url->host == "127.0.0.1");
    CHECK(url->port == 6380);
    CHECK(url->password.empty());
    CHECK(url->db == 0);

    url = parse_redis_url("redis://:s%40cr%3At+x@cache.example:7000/3", error);
    REQUIRE(url);
    CHECK(url->host == "cache.example");
    CHECK(url->port == 7000);
    CHECK(url->user.empty());
    CHECK(url->password == "s@cr:t+x");
    CHECK(url->db == 3);

    url = parse_redis_url("redis://chat:pw@[::1]:6379", error);
    REQUIRE(url);
    CHECK(url->host == "::1");
    CHECK(url->user == "chat");
    CHECK(url->password == "pw");

    url = parse_redis_url("redis://secret@localhost", error);  // redis-cli -u's form
    REQUIRE(url);
    CHECK(url->password == "secret");
    CHECK(url->user.empty());
    CHECK(url->port == 6379);
}

TEST_CASE("redis URLs that are not") {
    std::string error;
    for (const char* text : {"http://localhost:6379", "redis://", "redis://:6379", "redis://host:0",
                             "redis://host:65536", "redis://host:x", "redis://host/db", "redis://[::1",
                             "redis://[::1]x", "redis://:%zz@host"}) {
        INFO(text);
        error.clear();
        CHECK_FALSE(parse_redis_url(text, error));
        CHECK_FALSE(error.empty());
    }
}

TEST_CASE("events: a message, presence, a heartbeat") {
    auto event = parse_event(R"(m dev {"id":1806336000000042,"room":"dev"})");
    REQUIRE(event);
    CHECK(event->kind == Event::Kind::message);
    CHECK(event->id == 1806336000000042u);
    CHECK(event->room == "dev");
    CHECK(event->text == R"({"id":1806336000000042,"room":"dev"})");

    event = parse_event("p dev lobby");
    REQUIRE(event);
    CHECK(event->kind == Event::Kind::presence);
    CHECK(event->text == "dev lobby");

    event = parse_event("h 00ff");
    REQUIRE(event);
    CHECK(event->kind == Event::Kind::heartbeat);
    CHECK(event->text == "00ff");

    for (const char* bad : {"", "m", "mx", "m dev", "m  {\"id\":1}", "m dev {\"id\":}", "m dev {\"ts\":1}",
                            "x whatever"}) {
        INFO(bad);
        CHECK_FALSE(parse_event(bad));
    }
    CHECK(message_id(R"({"id":7,"room":"a"})") == 7u);
    CHECK_FALSE(message_id(R"({"room":"a","id":7})"));
}

namespace {

std::vector<std::string> after(const RecentMessages& recent, std::uint64_t id, std::string_view room) {
    std::vector<std::string> out;
    recent.visit_after(id, room, [&](std::string_view json) { out.emplace_back(json); });
    return out;
}

}  // namespace

TEST_CASE("recent messages: a room's messages after a point, while the ring reaches back to it") {
    RecentMessages recent(4);
    CHECK(recent.has_all_after(0));
    recent.push(10, "dev", "a");
    recent.push(11, "lobby", "b");
    recent.push(12, "dev", "c");
    CHECK(after(recent, 10, "dev") == std::vector<std::string>{"c"});
    CHECK(after(recent, 9, "dev") == std::vector<std::string>{"a", "c"});
    CHECK(after(recent, 12, "dev").empty());
    recent.push(13, "dev", "d");
    recent.push(14, "dev", "e");  // 10 leaves the ring
    CHECK(recent.has_all_after(10));
    CHECK_FALSE(recent.has_all_after(9));
    CHECK(after(recent, 10, "dev") == std::vector<std::string>{"c", "d", "e"});

    // After an outage, messages up to 20 went by unseen.
    recent.forget_up_to(20);
    CHECK_FALSE(recent.has_all_after(19));
    CHECK(recent.has_all_after(20));
    recent.forget_up_to(5);  // never lowers
    CHECK_FALSE(recent.has_all_after(19));
}
