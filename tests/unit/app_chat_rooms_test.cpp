// The chat as a room sees it: joining, isolation, history, coalesced
// presence and rooms-list updates, and a room of 10,000.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <string>

#include "app_chat_fixture.h"

using namespace wirechat::app;
using namespace wirechat::app::testing;
namespace json = boost::json;

namespace {

std::vector<ClientId> sorted(std::vector<ClientId> ids) {
    std::sort(ids.begin(), ids.end());
    return ids;
}

}  // namespace

TEST_CASE("join answers joined with the room's users, count and history") {
    ChatFixture f;
    f.connect(1);
    f.connect(2);
    f.say(1, "nickname", "alice");
    f.say(1, "join", "dev");
    f.say(1, "new_message", "in dev");
    f.transport.clear();
    f.say(2, "join", "dev");
    REQUIRE(f.transport.log.size() == 1);
    CHECK(f.transport.log[0].recipients == std::vector<ClientId>{2});
    const json::value joined = f.transport.log[0].json();
    CHECK(joined.at("type") == "joined");
    CHECK(joined.at("payload").at("room") == "dev");
    CHECK(joined.at("payload").at("users") == json::parse(R"(["alice","guest-2"])"));
    CHECK(joined.at("payload").at("count") == 2);
    REQUIRE(joined.at("payload").at("history").as_array().size() == 1);
    CHECK(joined.at("payload").at("history").at(0).at("text") == "in dev");
    CHECK(joined.at("payload").at("history").at(0).at("room") == "dev");
}

TEST_CASE("messages stay in their room") {
    ChatFixture f;
    for (ClientId id : {1, 2, 3, 4}) f.connect(id);
    f.say(3, "join", "dev");
    f.say(4, "join", "dev");
    f.transport.clear();
    f.say(1, "new_message", "lobby talk");
    f.say(4, "new_message", "dev talk");
    REQUIRE(f.transport.log.size() == 2);
    CHECK(sorted(f.transport.log[0].recipients) == std::vector<ClientId>{1, 2});
    CHECK(f.transport.log[0].payload().at("room") == "lobby");
    CHECK(sorted(f.transport.log[1].recipients) == std::vector<ClientId>{3, 4});
    CHECK(f.transport.log[1].payload().at("room") == "dev");
}

TEST_CASE("membership survives many swaps: leavers never receive, stayers always do") {
    ChatFixture f;
    for (ClientId id = 1; id <= 8; ++id) f.connect(id);
    for (ClientId id : {2, 4, 6, 8}) f.say(id, "join", "even");
    f.chat.disconnect(1);
    f.say(3, "join", "even");
    f.say(4, "join", "lobby");
    f.chat.disconnect(6);
    f.transport.clear();
    f.say(2, "new_message", "who is here?");
    CHECK(sorted(f.transport.log.back().recipients) == std::vector<ClientId>{2, 3, 8});
    f.say(5, "new_message", "and here?");
    CHECK(sorted(f.transport.log.back().recipients) == std::vector<ClientId>{4, 5, 7});
}

TEST_CASE("joining the room one is in answers joined again and changes nothing") {
    ChatFixture f;
    f.connect(1);
    f.say(1, "join", "dev");
    f.flush();
    f.transport.clear();
    f.say(1, "join", "dev");
    REQUIRE(f.transport.log.size() == 1);
    CHECK(f.transport.log[0].type() == "joined");
    CHECK(f.transport.log[0].payload().at("count") == 1);
    f.flush();
    CHECK(f.transport.log.size() == 1);  // no presence, no rooms update
}

TEST_CASE("bad_room: names outside [A-Za-z0-9_-]{1,32}") {
    ChatFixture f;
    f.connect(1);
    for (const std::string& bad : {std::string(), std::string(33, 'r'), std::string("a b"),
                                   std::string(" dev"), std::string("d\xC3\xA9v"), std::string("../x")}) {
        f.say(1, "join", json::string(bad));
        CHECK(f.transport.last_to(1).payload().at("code") == "bad_room");
    }
    CHECK(f.echo_of(1, "x").at("room") == "lobby");
    f.say(1, "join", json::string(std::string(32, 'r')));
    CHECK(f.transport.last_to(1).type() == "joined");
}

TEST_CASE("an emptied room is deleted with its history, the lobby never is") {
    ChatFixture f;
    f.connect(1);
    f.say(1, "new_message", "lobby memory");
    f.say(1, "join", "dev");
    f.say(1, "new_message", "dev memory");
    f.say(1, "join", "lobby");
    CHECK(f.transport.last_to(1).payload().at("history").as_array().size() == 1);
    f.say(1, "rooms", nullptr);
    CHECK(f.transport.last_to(1).payload() == json::parse(R"([{"room":"lobby","users":1}])"));
    f.say(1, "join", "dev");
    CHECK(f.transport.last_to(1).payload().at("history").as_array().empty());

    f.chat.disconnect(1);
    f.connect(2);
    const json::value welcome = f.transport.last_to(2).payload();
    REQUIRE(welcome.at("history").as_array().size() == 1);
    CHECK(welcome.at("history").at(0).at("text") == "lobby memory");
}

TEST_CASE("history keeps the last 100 messages, oldest first") {
    ChatFixture f;
    f.connect(1);
    for (int i = 1; i <= 101; ++i) {
        f.now += 1'000;  // stay under the rate limit
        f.say(1, "new_message", json::string(std::string("m").append(std::to_string(i))));
    }
    f.connect(2);
    const json::value welcome = f.transport.last_to(2).payload();
    const json::array& history = welcome.at("history").as_array();
    REQUIRE(history.size() == 100);
    CHECK(history.front().at("text") == "m2");
    CHECK(history.back().at("text") == "m101");
    for (std::size_t i = 1; i < history.size(); ++i) {
        CHECK(history[i].at("id").as_int64() > history[i - 1].at("id").as_int64());
    }
}

TEST_CASE("presence is coalesced: at most one per room per flush") {
    ChatFixture f;
    f.connect(1);
    f.connect(2);
    f.connect(3);
    f.say(3, "nickname", "carol");
    f.transport.clear();
    f.flush();
    const auto presence = f.transport.of_type("presence");
    REQUIRE(presence.size() == 1);
    CHECK(presence[0].broadcast);
    CHECK(sorted(presence[0].recipients) == std::vector<ClientId>{1, 2, 3});
    CHECK(presence[0].payload() == json::parse(
        R"({"room":"lobby","users":["carol","guest-1","guest-2"],"count":3})"));

    f.transport.clear();
    f.flush();
    CHECK(f.transport.log.empty());
}

TEST_CASE("presence follows renames, joins, leaves and disconnects") {
    ChatFixture f;
    for (ClientId id : {1, 2, 3}) f.connect(id);
    f.flush();

    f.transport.clear();
    f.say(1, "nickname", "alice");
    f.flush();
    REQUIRE(f.transport.of_type("presence").size() == 1);
    CHECK(f.transport.of_type("presence")[0].payload().at("users").at(0) == "alice");
    CHECK(f.transport.of_type("rooms").empty());  // counts did not change

    f.transport.clear();
    f.say(2, "join", "dev");
    f.flush();
    auto presence = f.transport.of_type("presence");
    REQUIRE(presence.size() == 2);  // one for the room left, one for the room entered
    CHECK(presence[0].payload().at("room") == "dev");
    CHECK(presence[0].recipients == std::vector<ClientId>{2});
    CHECK(presence[1].payload().at("room") == "lobby");
    CHECK(sorted(presence[1].recipients) == std::vector<ClientId>{1, 3});
    CHECK(presence[1].payload().at("count") == 2);

    f.transport.clear();
    f.chat.disconnect(3);
    f.flush();
    presence = f.transport.of_type("presence");
    REQUIRE(presence.size() == 1);
    CHECK(presence[0].recipients == std::vector<ClientId>{1});
    CHECK(presence[0].payload() == json::parse(R"({"room":"lobby","users":["alice"],"count":1})"));
}

TEST_CASE("a room that empties before the flush gets no presence") {
    ChatFixture f;
    f.connect(1);
    f.connect(2);
    f.flush();
    f.transport.clear();
    f.say(2, "join", "dev");
    f.say(2, "join", "lobby");
    f.flush();
    const auto presence = f.transport.of_type("presence");
    REQUIRE(presence.size() == 1);
    CHECK(presence[0].payload().at("room") == "lobby");
    CHECK(f.transport.of_type("rooms").empty());  // back where it started
}

TEST_CASE("the rooms list goes to everyone from flush when the list or a count changed") {
    ChatFixture f;
    for (ClientId id : {1, 2, 3}) f.connect(id);
    f.transport.clear();
    f.flush();
    auto rooms = f.transport.of_type("rooms");
    REQUIRE(rooms.size() == 1);
    CHECK(sorted(rooms[0].recipients) == std::vector<ClientId>{1, 2, 3});
    CHECK(rooms[0].payload() == json::parse(R"([{"room":"lobby","users":3}])"));

    f.transport.clear();
    f.say(2, "join", "b-room");
    f.say(3, "join", "a-room");
    f.flush();
    rooms = f.transport.of_type("rooms");
    REQUIRE(rooms.size() == 1);
    CHECK(rooms[0].payload() == json::parse(R"([{"room":"a-room","users":1},
        {"room":"b-room","users":1},{"room":"lobby","users":1}])"));
    // Presence first, then the rooms list.
    CHECK(f.transport.log.back().type() == "rooms");

    f.transport.clear();
    f.say(1, "new_message", "chatting changes no count");
    f.flush();
    CHECK(f.transport.of_type("rooms").empty());
}

TEST_CASE("user lists are capped but count is the true number") {
    ChatOptions options;
    options.users_listed = 3;
    ChatFixture f(options);
    for (ClientId id = 1; id <= 5; ++id) f.connect(id);
    const json::value welcome = f.transport.last_to(5).payload();
    CHECK(welcome.at("users") == json::parse(R"(["guest-1","guest-2","guest-3"])"));
    CHECK(welcome.at("count") == 5);
    f.transport.clear();
    f.flush();
    const json::value presence = f.transport.of_type("presence").at(0).payload();
    CHECK(presence.at("users").as_array().size() == 3);
    CHECK(presence.at("count") == 5);
}

TEST_CASE("a room of 10,000: one broadcast per message, one presence per flush") {
    ChatFixture f;
    constexpr ClientId kClients = 10'000;
    for (ClientId id = 1; id <= kClients; ++id) f.connect(id);
    CHECK(f.chat.client_count() == kClients);
    CHECK(f.transport.log.size() == kClients);  // the welcomes, nothing else yet
    const json::value last_welcome = f.transport.log.back().payload();
    CHECK(last_welcome.at("users").as_array().size() == 200);
    CHECK(last_welcome.at("count") == kClients);

    f.transport.clear();
    f.flush();
    REQUIRE(f.transport.log.size() == 2);  // one presence, one rooms list
    CHECK(f.transport.log[0].type() == "presence");
    CHECK(f.transport.log[0].recipients.size() == kClients);
    CHECK(f.transport.log[1].type() == "rooms");

    f.transport.clear();
    f.say(1234, "new_message", "hello, everyone");
    REQUIRE(f.transport.log.size() == 1);
    CHECK(f.transport.log[0].recipients.size() == kClients);

    for (ClientId id = 1; id <= kClients; id += 2) f.chat.disconnect(id);
    f.transport.clear();
    f.say(2, "new_message", "who is left?");
    REQUIRE(f.transport.log.size() == 1);
    std::vector<ClientId> expected;
    for (ClientId id = 2; id <= kClients; id += 2) expected.push_back(id);
    CHECK(sorted(f.transport.log[0].recipients) == expected);
}
