#include <catch2/catch.hpp>

#include <string>

#include "app/message_history.h"

using wirechat::app::MessageHistory;

TEST_CASE("history keeps messages oldest first until full") {
    MessageHistory history(3);
    CHECK(history.size() == 0);
    history.push(10, "a");
    history.push(20, "b");
    REQUIRE(history.size() == 2);
    CHECK(history.at(0) == "a");
    CHECK(history.id_at(0) == 10);
    CHECK(history.at(1) == "b");
    CHECK(history.id_at(1) == 20);
}

TEST_CASE("a full history drops the oldest and keeps order") {
    MessageHistory history(100);
    for (int i = 1; i <= 101; ++i) history.push(std::uint64_t(i), std::to_string(i));
    REQUIRE(history.size() == 100);
    for (std::size_t i = 0; i < 100; ++i) CHECK(history.at(i) == std::to_string(i + 2));
    for (int i = 102; i <= 250; ++i) history.push(std::uint64_t(i), std::to_string(i));
    REQUIRE(history.size() == 100);
    CHECK(history.at(0) == "151");
    CHECK(history.id_at(0) == 151);
    CHECK(history.at(99) == "250");
}

TEST_CASE("first_after finds the oldest message after an id, across the ring's wrap") {
    MessageHistory history(4);
    CHECK(history.first_after(0) == 0);
    for (std::uint64_t id : {3, 5, 9, 12, 20, 21}) history.push(id, std::to_string(id));
    // Kept: 9 12 20 21, the ring's start in the middle of its vector.
    CHECK(history.first_after(0) == 0);
    CHECK(history.first_after(9) == 1);
    CHECK(history.first_after(10) == 1);
    CHECK(history.first_after(20) == 3);
    CHECK(history.first_after(21) == 4);
    CHECK(history.first_after(1000) == 4);
}

TEST_CASE("a zero-capacity history keeps nothing") {
    MessageHistory history(0);
    history.push(1, "a");
    CHECK(history.size() == 0);
}
