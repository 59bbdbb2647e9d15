// Clients with a signed identity (--auth-secret-file): the token's name and
// rooms bind them; clients without one are unaffected.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <string>

#include "app_chat_fixture.h"

using namespace wirechat::app;
using namespace wirechat::app::testing;
namespace json = boost::json;

namespace {

Identity alice(std::optional<std::vector<std::string>> rooms = std::nullopt) { return {"alice", std::move(rooms)}; }

void connect_signed(ChatFixture& f, ClientId id, Identity identity, const Arrival& arrival = {}) {
    f.chat.connect(id, f.now, arrival, std::move(identity));
}

std::string error_code(const Delivery& d) {
    REQUIRE(d.type() == "error");
    return std::string(d.payload().at("code").as_string());
}

}  // namespace

TEST_CASE("a signed client enters under its token's name, and cannot change it") {
    ChatFixture f;
    connect_signed(f, 1, alice());
    const Delivery welcome = f.transport.last_to(1);
    REQUIRE(welcome.type() == "welcome");
    CHECK(welcome.payload().at("nickname") == "alice");
    CHECK(welcome.payload().at("room") == "lobby");
    f.say(1, "nickname", "mallory");
    CHECK(error_code(f.transport.last_to(1)) == "forbidden");
    CHECK(nickname_in(f.echo_of(1, "still me")) == "alice");
}

TEST_CASE("a signed name cannot be taken by an unsigned client's nickname request") {
    // (Auth on means every client is signed; this checks the engine's
    // registry holds the name whoever asks.)
    ChatFixture f;
    connect_signed(f, 1, alice());
    f.connect(2);
    f.say(2, "nickname", "alice");
    CHECK(error_code(f.transport.last_to(2)) == "bad_nickname");
}

TEST_CASE("a nickname in the URL that is not the token's is refused after the welcome") {
    ChatFixture f;
    connect_signed(f, 1, alice(), {.nickname = "bob"});
    const auto got = f.transport.received_by(1);
    REQUIRE(got.size() >= 2);
    CHECK(got[0].type() == "welcome");
    CHECK(got[0].payload().at("nickname") == "alice");
    CHECK(error_code(got.back()) == "forbidden");
    // The same name is no problem.
    f.transport.clear();
    connect_signed(f, 2, {"carol", std::nullopt}, {.nickname = " carol "});
    CHECK(f.transport.received_by(2).back().type() != "error");
}

TEST_CASE("the rooms claim bounds where a signed client may be") {
    ChatFixture f;
    SECTION("the lobby when allowed, joins outside the list refused") {
        connect_signed(f, 1, alice(std::vector<std::string>{"dev", "lobby"}));
        CHECK(f.transport.last_to(1).payload().at("room") == "lobby");
        f.say(1, "join", "secret");
        CHECK(error_code(f.transport.last_to(1)) == "forbidden");
        CHECK(f.echo_of(1, "where am I").at("room") == "lobby");
        f.say(1, "join", "dev");
        CHECK(f.transport.last_to(1).type() == "joined");
        CHECK(f.transport.last_to(1).payload().at("room") == "dev");
    }
    SECTION("the first allowed room when the lobby is not") {
        connect_signed(f, 1, alice(std::vector<std::string>{"dev", "ops"}));
        CHECK(f.transport.last_to(1).payload().at("room") == "dev");
    }
    SECTION("a room asked for in the URL: taken if allowed, else refused after the welcome") {
        connect_signed(f, 1, alice(std::vector<std::string>{"dev", "ops"}), {.room = "ops"});
        CHECK(f.transport.last_to(1).payload().at("room") == "ops");
        connect_signed(f, 2, {"bob", std::vector<std::string>{"dev"}}, {.room = "ops"});
        const auto got = f.transport.received_by(2);
        CHECK(got.front().payload().at("room") == "dev");
        CHECK(error_code(got.back()) == "forbidden");
    }
    SECTION("without a rooms claim, any room") {
        connect_signed(f, 1, alice());
        f.say(1, "join", "anywhere");
        CHECK(f.transport.last_to(1).payload().at("room") == "anywhere");
    }
}

TEST_CASE("a second connection of the same identity is refused and sent away") {
    ChatFixture f;
    connect_signed(f, 1, alice());
    f.transport.clear();
    connect_signed(f, 2, alice());
    const auto got = f.transport.received_by(2);
    REQUIRE(got.size() == 1);  // no welcome
    CHECK(error_code(got[0]) == "bad_nickname");
    CHECK(got[0].payload().at("message") == "alice is already connected");
    REQUIRE(f.transport.ended.size() == 1);
    CHECK(f.transport.ended[0].first == 2);
    CHECK(f.transport.endings[0] == Transport::Ending::refused);
    // It left nothing behind: the lobby holds the first one only, and once
    // that is gone the name is free for the next connection.
    f.chat.disconnect(2);
    f.connect(4);
    CHECK(f.transport.last_to(4).payload().at("count") == 2);  // alice and guest-4's self
    CHECK(f.transport.last_to(4).payload().at("users").as_array().size() == 2);
    f.chat.disconnect(1);
    connect_signed(f, 3, alice());
    CHECK(f.transport.last_to(3).type() == "welcome");
    CHECK(f.transport.last_to(3).payload().at("nickname") == "alice");
}
