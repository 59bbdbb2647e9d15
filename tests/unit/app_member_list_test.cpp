#include <catch2/catch.hpp>

#include <vector>

#include "app/member_list.h"

using namespace wirechat::app;

namespace {

std::vector<ClientId> ids(const MemberList& list) { return {list.ids().begin(), list.ids().end()}; }

}  // namespace

TEST_CASE("members are added at the end and listed as a span") {
    MemberList list;
    CHECK(list.empty());
    CHECK(list.add(7) == 0);
    CHECK(list.add(3) == 1);
    CHECK(list.add(9) == 2);
    CHECK(list.size() == 3);
    CHECK(ids(list) == std::vector<ClientId>{7, 3, 9});
}

TEST_CASE("removing swaps the last member into the hole and reports it") {
    MemberList list;
    list.add(1);
    list.add(2);
    list.add(3);
    const auto moved = list.remove(0);
    REQUIRE(moved.has_value());
    CHECK(*moved == 3);
    CHECK(ids(list) == std::vector<ClientId>{3, 2});
}

TEST_CASE("removing the last slot moves nobody") {
    MemberList list;
    list.add(1);
    list.add(2);
    CHECK_FALSE(list.remove(1).has_value());
    CHECK_FALSE(list.remove(0).has_value());
    CHECK(list.empty());
}
