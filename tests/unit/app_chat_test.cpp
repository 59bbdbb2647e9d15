// The chat as one client sees it: welcome, nicknames, messages, every error
// code, the rate limit.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <string>

#include "app_chat_fixture.h"

using namespace wirechat::app;
using namespace wirechat::app::testing;
namespace json = boost::json;

namespace {

std::string repeat(std::string_view piece, int times) {
    std::string out;
    for (int i = 0; i < times; ++i) out += piece;
    return out;
}

}  // namespace

TEST_CASE("connect sends a welcome with nickname, room, users, history and rooms") {
    ChatFixture f;
    f.connect(10);
    REQUIRE(f.transport.log.size() == 1);
    const Delivery& welcome = f.transport.log[0];
    CHECK_FALSE(welcome.broadcast);
    CHECK(welcome.recipients == std::vector<ClientId>{10});
    CHECK(welcome.json() == json::parse(R"({"type":"welcome","payload":{"nickname":"guest-1",
        "room":"lobby","users":["guest-1"],"count":1,"history":[],
        "rooms":[{"room":"lobby","users":1}]}})"));
    CHECK(f.chat.client_count() == 1);
}

TEST_CASE("a later welcome lists everyone and carries the lobby's history") {
    ChatFixture f;
    f.connect(1);
    f.say(1, "new_message", "first");
    f.connect(2);
    const json::value payload = f.transport.last_to(2).payload();
    CHECK(payload.at("nickname") == "guest-2");
    CHECK(payload.at("users") == json::parse(R"(["guest-1","guest-2"])"));
    CHECK(payload.at("count") == 2);
    REQUIRE(payload.at("history").as_array().size() == 1);
    CHECK(payload.at("history").at(0).at("text") == "first");
    CHECK(payload.at("rooms") == json::parse(R"([{"room":"lobby","users":2}])"));
}

TEST_CASE("connecting an id twice and unknown ids are ignored") {
    ChatFixture f;
    f.connect(1);
    f.connect(1);
    CHECK(f.chat.client_count() == 1);
    CHECK(f.transport.log.size() == 1);
    f.raw(99, R"({"type":"rooms"})");
    f.chat.disconnect(99);
    CHECK(f.transport.log.size() == 1);
    CHECK(f.chat.client_count() == 1);
}

TEST_CASE("nickname: the trimmed name is confirmed to the sender") {
    ChatFixture f;
    f.connect(1);
    f.connect(2);
    f.transport.clear();
    f.say(1, "nickname", "  alice\t");
    REQUIRE(f.transport.log.size() == 1);
    CHECK(f.transport.log[0].recipients == std::vector<ClientId>{1});
    CHECK(f.transport.log[0].json() == json::parse(R"({"type":"nickname","payload":"alice"})"));
    CHECK(nickname_in(f.echo_of(1, "hi")) == "alice");
}

TEST_CASE("nickname: length is counted in code points after trimming") {
    ChatFixture f;
    f.connect(1);
    const std::string thirty_two = repeat("\xC3\xA9", 32);  // 64 bytes, 32 code points
    f.say(1, "nickname", json::string(" " + thirty_two + " "));
    CHECK(f.transport.last_to(1).payload() == json::string(thirty_two));

    f.say(1, "nickname", json::string(repeat("\xC3\xA9", 33)));
    CHECK(f.transport.last_to(1).payload().at("code") == "bad_nickname");
    f.say(1, "nickname", "");
    CHECK(f.transport.last_to(1).payload().at("code") == "bad_nickname");
    f.say(1, "nickname", " \t\xE3\x80\x80 ");
    CHECK(f.transport.last_to(1).payload().at("code") == "bad_nickname");
    CHECK(nickname_in(f.echo_of(1, "x")) == thirty_two);
}

TEST_CASE("nickname: control characters are refused") {
    ChatFixture f;
    f.connect(1);
    for (const char* bad : {"a\tb", "a\nb", "bell\x07", "del\x7F", "c1\xC2\x85x", "\xC2\x9F" "x"}) {
        f.say(1, "nickname", json::string(bad));
        CHECK(f.transport.last_to(1).payload().at("code") == "bad_nickname");
    }
    CHECK(nickname_in(f.echo_of(1, "x")) == "guest-1");
}

TEST_CASE("nickname: a name in use by another client is taken, one's own is not") {
    ChatFixture f;
    f.connect(1);
    f.connect(2);
    f.say(1, "nickname", "alice");
    f.say(2, "nickname", "alice");
    const json::value error = f.transport.last_to(2).payload();
    CHECK(error.at("code") == "bad_nickname");
    CHECK(std::string(error.at("message").as_string()).find("taken") != std::string::npos);
    CHECK(nickname_in(f.echo_of(2, "x")) == "guest-2");

    f.say(1, "nickname", "alice");  // already hers: confirmed again
    CHECK(f.transport.last_to(1).json() == json::parse(R"({"type":"nickname","payload":"alice"})"));

    // Another client's guest name is taken too.
    f.say(1, "nickname", "guest-2");
    CHECK(f.transport.last_to(1).payload().at("code") == "bad_nickname");
}

TEST_CASE("nickname: a name is free again after a rename or a disconnect") {
    ChatFixture f;
    f.connect(1);
    f.connect(2);
    f.say(1, "nickname", "alice");
    f.say(1, "nickname", "alicia");
    f.say(2, "nickname", "alice");
    CHECK(f.transport.last_to(2).payload() == "alice");
    f.chat.disconnect(1);
    f.say(2, "nickname", "alicia");
    CHECK(f.transport.last_to(2).payload() == "alicia");
}

TEST_CASE("guest names skip numbers someone picked by hand") {
    ChatFixture f;
    f.connect(1);
    f.say(1, "nickname", "guest-2");
    f.connect(2);
    CHECK(f.transport.last_to(2).payload().at("nickname") == "guest-3");
    f.connect(3);
    CHECK(f.transport.last_to(3).payload().at("nickname") == "guest-4");
}

TEST_CASE("new_message is broadcast once to every room member, sender included") {
    ChatFixture f;
    for (ClientId id : {4, 5, 6}) f.connect(id);
    f.say(5, "nickname", "bob");
    f.transport.clear();
    f.now = 1'764'000'123'456;
    f.say(5, "new_message", "  <b>hello</b> & bye \n");
    REQUIRE(f.transport.log.size() == 1);
    const Delivery& d = f.transport.log[0];
    CHECK(d.broadcast);
    std::vector<ClientId> recipients = d.recipients;
    std::sort(recipients.begin(), recipients.end());
    CHECK(recipients == std::vector<ClientId>{4, 5, 6});
    CHECK(d.json() == json::parse(R"({"type":"new_message","payload":{"id":1,"room":"lobby",
        "from":"bob","text":"<b>hello</b> & bye","ts":1764000123456}})"));
}

TEST_CASE("message ids increase from first_message_id across rooms") {
    ChatFixture f({}, 5'000'000);
    f.connect(1);
    f.connect(2);
    f.say(2, "join", "dev");
    CHECK(f.echo_of(1, "a").at("id") == 5'000'000);
    CHECK(f.echo_of(2, "b").at("id") == 5'000'001);
    CHECK(f.echo_of(1, "c").at("id") == 5'000'002);
    // A refused message consumes no id.
    f.say(1, "new_message", " ");
    CHECK(f.echo_of(1, "d").at("id") == 5'000'003);
}

TEST_CASE("new_message: 1 to 2000 code points after trimming") {
    ChatFixture f;
    f.connect(1);
    const std::string longest = repeat("\xE2\x82\xAC", 2000);  // 6000 bytes
    CHECK(f.echo_of(1, longest).at("text") == json::string(longest));
    f.transport.clear();
    for (const std::string& bad : {repeat("\xE2\x82\xAC", 2001), std::string(), std::string(" \n\t ")}) {
        f.say(1, "new_message", json::string(bad));
        REQUIRE(f.transport.log.size() == 1);
        CHECK_FALSE(f.transport.log[0].broadcast);
        CHECK(f.transport.log[0].payload().at("code") == "bad_message");
        f.transport.clear();
    }
    // Controls inside a message are text like any other.
    CHECK(f.echo_of(1, "line 1\nline 2").at("text") == "line 1\nline 2");
}

TEST_CASE("every error code goes to the sender only and changes nothing") {
    ChatOptions options;
    options.max_envelope_bytes = 256;
    ChatFixture f(options);
    f.connect(1);
    f.connect(2);
    f.say(1, "nickname", "alice");
    f.say(2, "nickname", "bob");
    f.flush();

    const std::string oversized = envelope("new_message", json::string(std::string(300, 'x')));
    const std::string deep = R"({"type":"rooms","payload":)" + std::string(16, '[') +
                             std::string(16, ']') + "}";
    const std::pair<std::string, std::string_view> cases[] = {
        {"not json", "bad_json"},
        {deep, "bad_json"},
        {oversized, "too_large"},
        {R"([1,2])", "bad_envelope"},
        {R"({"payload":"x"})", "bad_envelope"},
        {R"({"type":"join","payload":3})", "bad_envelope"},
        {R"({"type":"dance","payload":"x"})", "unknown_type"},
        {envelope("nickname", "bob"), "bad_nickname"},
        {envelope("new_message", ""), "bad_message"},
        {envelope("join", "no spaces"), "bad_room"},
    };
    for (const auto& [text, code] : cases) {
        INFO(text);
        f.transport.clear();
        f.raw(1, text);
        REQUIRE(f.transport.log.size() == 1);
        const Delivery& d = f.transport.log[0];
        CHECK_FALSE(d.broadcast);
        CHECK(d.recipients == std::vector<ClientId>{1});
        CHECK(d.type() == "error");
        CHECK(d.payload().at("code") == json::string(code));
        CHECK(d.payload().at("message").as_string().size() > 0);
        // Nothing was queued for others either.
        f.flush();
        CHECK(f.transport.log.size() == 1);
    }
    const json::value probe = f.echo_of(1, "still here");
    CHECK(probe.at("from") == "alice");
    CHECK(probe.at("room") == "lobby");
    CHECK(f.chat.client_count() == 2);
}

TEST_CASE("rate_limited: a burst of 20, then 10 per second, every envelope counts") {
    ChatFixture f;
    f.connect(1);
    f.connect(2);
    f.transport.clear();
    for (int i = 0; i < 10; ++i) f.raw(1, "garbage");
    for (int i = 0; i < 10; ++i) f.say(1, "new_message", json::string(std::to_string(i)));
    CHECK(f.transport.of_type("error").size() == 10);
    CHECK(f.transport.of_type("new_message").size() == 10);
    f.transport.clear();

    f.say(1, "new_message", "one too many");
    REQUIRE(f.transport.log.size() == 1);
    CHECK(f.transport.log[0].recipients == std::vector<ClientId>{1});
    CHECK(f.transport.log[0].payload().at("code") == "rate_limited");
    f.raw(1, R"({"type":"rooms"})");
    CHECK(f.transport.last_to(1).payload().at("code") == "rate_limited");

    // The other client has its own bucket.
    CHECK(f.echo_of(2, "me?").at("from") == "guest-2");

    f.now += 100;  // one token back
    CHECK(f.echo_of(1, "again").at("text") == "again");
    f.say(1, "new_message", "no");
    CHECK(f.transport.last_to(1).payload().at("code") == "rate_limited");

    f.now += 2'000;  // refilled to the burst, not beyond
    f.transport.clear();
    for (int i = 0; i < 21; ++i) f.say(1, "new_message", "x");
    CHECK(f.transport.of_type("new_message").size() == 20);
    CHECK(f.transport.of_type("error").size() == 1);
}

TEST_CASE("rate limiting tolerates the clock going backwards") {
    ChatFixture f;
    f.connect(1);
    for (int i = 0; i < 20; ++i) f.say(1, "rooms", nullptr);
    f.now -= 60'000;
    f.say(1, "rooms", nullptr);
    CHECK(f.transport.last_to(1).payload().at("code") == "rate_limited");
    f.now += 100;
    f.say(1, "rooms", nullptr);
    CHECK(f.transport.last_to(1).type() == "rooms");
}

TEST_CASE("rooms answers the sender with the sorted room list") {
    ChatFixture f;
    f.connect(1);
    f.connect(2);
    f.connect(3);
    f.say(2, "join", "zeta");
    f.say(3, "join", "alpha");
    f.transport.clear();
    f.say(1, "rooms", "ignored payload");
    REQUIRE(f.transport.log.size() == 1);
    CHECK(f.transport.log[0].recipients == std::vector<ClientId>{1});
    CHECK(f.transport.log[0].json() == json::parse(R"({"type":"rooms","payload":[
        {"room":"alpha","users":1},{"room":"lobby","users":1},{"room":"zeta","users":1}]})"));
}
