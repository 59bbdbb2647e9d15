// SessionTable: ids find their session until it is removed, never 0, and a
// slot reused for a new session does not answer to the old session's id.
#include <catch2/catch.hpp>

#include <set>

#include "server/session_table.h"

using wirechat::server::SessionTable;
using wirechat::server::WsSession;

namespace {
// Only their addresses are used.
WsSession& fake(int& storage) { return *reinterpret_cast<WsSession*>(&storage); }
}  // namespace

TEST_CASE("an id finds its session until the session is removed") {
    int a_storage = 0, b_storage = 0;
    SessionTable table;
    const auto a = table.add(fake(a_storage));
    const auto b = table.add(fake(b_storage));
    CHECK(a != 0);
    CHECK(a != b);
    CHECK(table.find(a) == &fake(a_storage));
    CHECK(table.find(b) == &fake(b_storage));
    CHECK(table.remove(a));
    CHECK(table.find(a) == nullptr);
    CHECK_FALSE(table.remove(a));
    CHECK(table.find(b) == &fake(b_storage));
}

TEST_CASE("a reused slot does not answer to the id of the session that left it") {
    int storage[3] = {};
    SessionTable table;
    const auto first = table.add(fake(storage[0]));
    table.remove(first);
    const auto second = table.add(fake(storage[1]));
    CHECK(std::uint32_t(second) == std::uint32_t(first));  // the same slot
    CHECK(second != first);
    CHECK(table.find(first) == nullptr);
    CHECK(table.find(second) == &fake(storage[1]));
    CHECK(table.find(0) == nullptr);
    CHECK(table.find(~wirechat::app::ClientId{0}) == nullptr);
}

TEST_CASE("ids stay unique over many arrivals and departures") {
    int storage = 0;
    SessionTable table;
    std::set<wirechat::app::ClientId> seen;
    std::vector<wirechat::app::ClientId> open;
    for (int i = 0; i < 1000; ++i) {
        const auto id = table.add(fake(storage));
        CHECK(seen.insert(id).second);
        open.push_back(id);
        if (i % 3 == 2) {  // two of every three leave again
            CHECK(table.remove(open[open.size() - 2]));
            CHECK(table.remove(open[open.size() - 3]));
        }
    }
}
