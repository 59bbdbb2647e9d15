// Coming back: the parameters a client may give when it connects, and the
// recovery of missed messages (join with `since`, or ?since= at connect).
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <string>
#include <vector>

#include "app_chat_fixture.h"

using namespace wirechat::app;
using namespace wirechat::app::testing;
namespace json = boost::json;

namespace {

std::uint64_t id_of(const json::value& message) { return message.at("id").to_number<std::uint64_t>(); }

std::vector<std::string> texts(const json::value& history) {
    std::vector<std::string> out;
    for (const json::value& m : history.as_array()) out.emplace_back(m.at("text").as_string());
    return out;
}

json::value join_since(ChatFixture& f, ClientId id, std::string_view room, std::uint64_t since) {
    f.say(id, "join", json::object{{"room", room}, {"since", since}});
    const Delivery answer = f.transport.last_to(id);
    REQUIRE(answer.type() == "joined");
    return answer.payload();
}

// Says `count` messages m<first>.. as `id`, a second apart (under the rate limit).
std::uint64_t say_many(ChatFixture& f, ClientId id, int first, int count) {
    std::uint64_t last = 0;
    for (int i = first; i < first + count; ++i) {
        f.now += 1'000;
        last = id_of(f.echo_of(id, std::string("m").append(std::to_string(i))));
    }
    return last;
}

}  // namespace

TEST_CASE("arrival: room, nickname and since from the URL") {
    ChatFixture f;
    f.connect(1);
    f.say(1, "join", "dev");
    const std::uint64_t seen = id_of(f.echo_of(1, "one"));
    f.echo_of(1, "two");
    f.echo_of(1, "three");

    f.connect(2, {.nickname = " alice ", .room = "dev", .since = std::to_string(seen)});
    const Delivery welcome = f.transport.last_to(2);
    REQUIRE(welcome.type() == "welcome");
    const json::value p = welcome.payload();
    CHECK(p.at("nickname") == "alice");
    CHECK(p.at("room") == "dev");
    CHECK(p.at("users") == json::parse(R"(["alice","guest-1"])"));
    CHECK(p.at("recovered") == true);
    CHECK(texts(p.at("history")) == std::vector<std::string>{"two", "three"});
    // Without since, welcome says nothing about recovery.
    f.connect(3, {.room = "dev"});
    CHECK_FALSE(f.transport.last_to(3).payload().as_object().contains("recovered"));
    CHECK(texts(f.transport.last_to(3).payload().at("history")).size() == 3);
}

TEST_CASE("arrival: a taken nickname gives a guest name, bad parameters an error each after the welcome") {
    ChatFixture f;
    f.connect(1, {.nickname = "alice"});
    f.connect(2, {.nickname = "alice"});
    CHECK(f.transport.last_to(2).payload().at("nickname") == "guest-1");

    f.transport.clear();
    f.connect(3, {.nickname = "", .room = "no spaces", .since = "-5"});
    const auto heard = f.transport.received_by(3);
    REQUIRE(heard.size() == 4);
    CHECK(heard[0].type() == "welcome");
    CHECK(heard[0].payload().at("room") == "lobby");
    CHECK(heard[0].payload().at("nickname") == "guest-2");
    CHECK_FALSE(heard[0].payload().as_object().contains("recovered"));
    CHECK(heard[1].payload().at("code") == "bad_nickname");
    CHECK(heard[2].payload().at("code") == "bad_room");
    CHECK(heard[3].payload().at("code") == "bad_since");

    for (const char* since : {"", "1.0", "+1", " 1", "9007199254740992", "99999999999999999999999"}) {
        INFO(since);
        f.transport.clear();
        f.connect(10, {.since = since});
        REQUIRE(f.transport.received_by(10).size() == 2);
        CHECK(f.transport.received_by(10)[1].payload().at("code") == "bad_since");
        f.chat.disconnect(10);
    }
}

TEST_CASE("join with since: exactly the missed messages, oldest first, and nothing twice") {
    ChatFixture f;
    f.connect(1);
    f.connect(2);
    f.say(1, "join", "dev");
    f.say(2, "join", "dev");
    const std::uint64_t seen = say_many(f, 1, 1, 3);
    // Client 2 goes away and comes back, after three more messages.
    f.chat.disconnect(2);
    const std::uint64_t last = say_many(f, 1, 4, 3);
    f.connect(2);
    json::value joined = join_since(f, 2, "dev", seen);
    CHECK(joined.at("recovered") == true);
    CHECK(texts(joined.at("history")) == std::vector<std::string>{"m4", "m5", "m6"});
    // Two reconnects in a row with nothing new between: nothing comes twice.
    f.chat.disconnect(2);
    f.connect(2);
    joined = join_since(f, 2, "dev", last);
    CHECK(joined.at("recovered") == true);
    CHECK(joined.at("history").as_array().empty());
    // Asking again from the same place gives the same answer.
    joined = join_since(f, 2, "dev", seen);
    CHECK(texts(joined.at("history")) == std::vector<std::string>{"m4", "m5", "m6"});
}

TEST_CASE("join with since: recovered is false when more was said than the history holds") {
    ChatOptions options;
    options.history_per_room = 5;
    ChatFixture f(options);
    f.connect(1);
    f.connect(2);
    const std::uint64_t seen = say_many(f, 1, 1, 1);
    // Exactly as many as the history holds can still be recovered...
    say_many(f, 1, 2, 5);
    json::value joined = join_since(f, 2, "lobby", seen);
    CHECK(joined.at("recovered") == true);
    CHECK(texts(joined.at("history")) == std::vector<std::string>{"m2", "m3", "m4", "m5", "m6"});
    // ...one more cannot: the room's last messages come instead.
    say_many(f, 1, 7, 1);
    joined = join_since(f, 2, "lobby", seen);
    CHECK(joined.at("recovered") == false);
    CHECK(texts(joined.at("history")) == std::vector<std::string>{"m3", "m4", "m5", "m6", "m7"});
}

TEST_CASE("join with since: ids this engine never gave are not vouched for") {
    ChatFixture f({}, 1'000);
    f.connect(1);
    const std::uint64_t first = id_of(f.echo_of(1, "hello"));
    CHECK(first == 1'000);
    // From a future (or another server): not recovered, the last messages instead.
    json::value joined = join_since(f, 1, "lobby", first + 10);
    CHECK(joined.at("recovered") == false);
    CHECK(texts(joined.at("history")) == std::vector<std::string>{"hello"});
    // From before this engine started (a restart lost what came between).
    joined = join_since(f, 1, "lobby", first - 1);
    CHECK(joined.at("recovered") == false);
    // An empty room that was deleted with its history cannot vouch either.
    joined = join_since(f, 1, "quiet", first);
    CHECK(joined.at("recovered") == false);
    CHECK(joined.at("history").as_array().empty());
}

TEST_CASE("a restarted memory engine does not recover across the restart") {
    std::uint64_t seen;
    {
        ChatFixture before({}, 5'000);
        before.connect(1);
        seen = id_of(before.echo_of(1, "said before the restart"));
    }
    ChatFixture after({}, 9'000);  // seeded from a later clock
    after.connect(1);
    after.echo_of(1, "said after");
    after.connect(2, {.since = std::to_string(seen)});
    const json::value welcome = after.transport.last_to(2).payload();
    CHECK(welcome.at("recovered") == false);
    CHECK(texts(welcome.at("history")) == std::vector<std::string>{"said after"});
}
