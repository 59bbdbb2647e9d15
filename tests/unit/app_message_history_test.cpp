#include <catch2/catch.hpp>

#include <string>

#include "app/message_history.h"

using wirechat::app::MessageHistory;

TEST_CASE("history keeps messages oldest first until full") {
    MessageHistory history(3);
    CHECK(history.size() == 0);
    history.push("a");
    history.push("b");
    REQUIRE(history.size() == 2);
    CHECK(history.at(0) == "a");
    CHECK(history.at(1) == "b");
}

TEST_CASE("a full history drops the oldest and keeps order") {
    MessageHistory history(100);
    for (int i = 1; i <= 101; ++i) history.push(std::to_string(i));
    REQUIRE(history.size() == 100);
    for (std::size_t i = 0; i < 100; ++i) CHECK(history.at(i) == std::to_string(i + 2));
    for (int i = 102; i <= 250; ++i) history.push(std::to_string(i));
    REQUIRE(history.size() == 100);
    CHECK(history.at(0) == "151");
    CHECK(history.at(99) == "250");
}

TEST_CASE("a zero-capacity history keeps nothing") {
    MessageHistory history(0);
    history.push("a");
    CHECK(history.size() == 0);
}
