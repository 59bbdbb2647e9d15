#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "app/room.h"

using namespace wirechat::app;

namespace {

std::vector<std::string> names(const Room& room) {
    return {room.nicknames().begin(), room.nicknames().end()};
}

}  // namespace

TEST_CASE("members are added at the end and listed as a span") {
    Room room("dev", 10);
    CHECK(room.empty());
    CHECK(room.add(7, "carol") == 0);
    CHECK(room.add(3, "alice") == 1);
    CHECK(room.add(9, "bob") == 2);
    CHECK(room.size() == 3);
    CHECK(std::vector<ClientId>(room.members().begin(), room.members().end()) ==
          std::vector<ClientId>{7, 3, 9});
    CHECK(names(room) == std::vector<std::string>{"alice", "bob", "carol"});
}

TEST_CASE("removing swaps the last member into the hole and reports it") {
    Room room("dev", 10);
    room.add(1, "a");
    room.add(2, "b");
    room.add(3, "c");
    const auto moved = room.remove(0, "a");
    REQUIRE(moved.has_value());
    CHECK(*moved == 3);
    CHECK(std::vector<ClientId>(room.members().begin(), room.members().end()) ==
          std::vector<ClientId>{3, 2});
    CHECK(names(room) == std::vector<std::string>{"b", "c"});
}

TEST_CASE("removing the last slot moves nobody") {
    Room room("dev", 10);
    room.add(1, "a");
    room.add(2, "b");
    CHECK_FALSE(room.remove(1, "b").has_value());
    CHECK_FALSE(room.remove(0, "a").has_value());
    CHECK(room.empty());
    CHECK(room.nicknames().empty());
}

TEST_CASE("rename keeps the nickname list sorted") {
    Room room("dev", 10);
    room.add(1, "alice");
    room.add(2, "bob");
    room.rename("alice", "zed");
    CHECK(names(room) == std::vector<std::string>{"bob", "zed"});
}

TEST_CASE("each room has its own bounded history") {
    Room room("dev", 2);
    room.history().push("1");
    room.history().push("2");
    room.history().push("3");
    CHECK(room.history().size() == 2);
    CHECK(room.history().at(0) == "2");
}
