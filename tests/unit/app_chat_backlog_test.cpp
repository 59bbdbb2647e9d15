// The chat with an engine that answers later, as Redis does: each client's
// answers still come in the order of its envelopes, a client that leaves
// mid-request leaves nothing behind, what waits is bounded, and a failed
// arrival ends the client.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "app/chat.h"
#include "app/memory_engine.h"
#include "app_recording_transport.h"

using namespace wirechat::app;
using namespace wirechat::app::testing;
namespace json = boost::json;

namespace {

// A MemoryEngine whose requests wait until the test lets them through, one
// at a time, or fail as unavailable (Redis gone).
class LaterEngine final : public Engine {
public:
    explicit LaterEngine(ChatOptions options) : memory(options, 1) {}

    void attach(EngineEvents& events) override {
        events_ = &events;
        memory.attach(events);
    }
    bool available() const override { return true; }
    void enter(ClientId id, std::string_view nickname, std::string_view room,
               std::optional<std::uint64_t> since) override {
        later(id, [=, this, n = std::string(nickname), r = std::string(room)] { memory.enter(id, n, r, since); });
    }
    void move(ClientId id, std::string_view nickname, std::string_view from, std::string_view to,
              std::optional<std::uint64_t> since) override {
        later(id, [=, this, n = std::string(nickname), f = std::string(from), t = std::string(to)] {
            memory.move(id, n, f, t, since);
        });
    }
    void rename(ClientId id, std::string_view from, std::string_view to, std::string_view room) override {
        later(id, [=, this, f = std::string(from), t = std::string(to), r = std::string(room)] {
            memory.rename(id, f, t, r);
        });
    }
    void post(ClientId id, std::string_view room, std::string_view tail) override {
        later(id, [=, this, r = std::string(room), t = std::string(tail)] { memory.post(id, r, t); });
    }
    void leave(ClientId id, std::string_view nickname, std::string_view room) override {
        memory.leave(id, nickname, room);
        ++leaves;
    }
    std::string_view room_list() override { return memory.room_list(); }
    void flush() override { memory.flush(); }
    void shut_down(std::function<void()> done) override { memory.shut_down(std::move(done)); }

    // Lets the oldest waiting request through; false if none waits.
    bool release() {
        if (waiting.empty()) return false;
        auto next = std::move(waiting.front());
        waiting.pop_front();
        next.second();
        return true;
    }
    void release_all() { while (release()) {} }
    // Fails the oldest waiting request as Redis would when out of reach.
    void fail() {
        const ClientId id = waiting.front().first;
        waiting.pop_front();
        events_->refused(id, ErrorCode::unavailable, "the store is out of reach");
    }

    MemoryEngine memory;
    std::deque<std::pair<ClientId, std::function<void()>>> waiting;
    int leaves = 0;

private:
    void later(ClientId id, std::function<void()> request) {
        for (const auto& [other, _] : waiting) REQUIRE(other != id);  // one at a time per client
        waiting.emplace_back(id, std::move(request));
    }
    EngineEvents* events_ = nullptr;
};

struct Fixture {
    explicit Fixture(ChatOptions options = {}) : engine(options), chat(transport, engine, options) {}
    void say(ClientId id, std::string_view type, const json::value& payload) {
        chat.receive(id, envelope(type, payload), now);
    }
    // Clients connected and welcomed, with nothing recorded yet.
    void arrived(std::initializer_list<ClientId> ids) {
        for (ClientId id : ids) chat.connect(id, now);
        engine.release_all();
        transport.clear();
    }
    std::vector<std::string> types_heard(ClientId id) const {
        std::vector<std::string> out;
        for (const Delivery& d : transport.received_by(id)) out.push_back(d.type());
        return out;
    }
    RecordingTransport transport;
    LaterEngine engine;
    Chat chat;
    std::int64_t now = 1'764'000'000'000;
};

}  // namespace

TEST_CASE("envelopes that arrive while a request is with the engine are answered in order") {
    Fixture f;
    f.chat.connect(1, f.now);
    f.say(1, "nickname", "too early");  // before the welcome: waits for it
    CHECK(f.transport.log.empty());
    f.engine.release();
    f.engine.release();
    CHECK(f.types_heard(1) == std::vector<std::string>{"welcome", "nickname"});

    f.transport.clear();
    f.say(1, "new_message", "first");
    f.chat.receive(1, "not json", f.now);
    f.chat.receive(1, "not json", f.now);
    f.say(1, "rooms", nullptr);
    f.say(1, "nickname", "x\x01");  // refused by the chat's own rules, in its turn
    f.say(1, "join", "dev");
    f.say(1, "new_message", "second");
    CHECK(f.transport.log.empty());  // all wait behind "first"
    f.engine.release_all();
    CHECK(f.types_heard(1) == std::vector<std::string>{"new_message", "error", "error", "rooms", "error",
                                                       "joined", "new_message"});
    const auto heard = f.transport.received_by(1);
    CHECK(heard[0].payload().at("text") == "first");
    CHECK(heard[1].payload().at("code") == "bad_json");
    CHECK(heard[4].payload().at("code") == "bad_nickname");
    CHECK(heard[6].payload().at("room") == "dev");
}

TEST_CASE("while one client waits, the others are not held up") {
    Fixture f;
    f.arrived({1, 2});
    f.say(1, "new_message", "slow");
    f.say(2, "rooms", nullptr);
    CHECK(f.types_heard(2) == std::vector<std::string>{"rooms"});
    f.engine.release_all();
    CHECK(f.transport.of_type("new_message").size() == 1);
}

TEST_CASE("a client that leaves mid-request is taken out of the engine once it answers") {
    Fixture f;
    f.chat.connect(1, f.now);
    f.engine.release_all();
    f.say(1, "nickname", "alice");
    f.chat.disconnect(1);
    CHECK(f.chat.client_count() == 0);
    CHECK(f.engine.leaves == 0);  // not yet: the rename is still with the engine
    f.engine.release_all();
    CHECK(f.engine.leaves == 1);
    // Its new name was registered, then freed again.
    f.chat.connect(2, f.now, {.nickname = "alice"});
    f.engine.release_all();
    CHECK(f.transport.last_to(2).payload().at("nickname") == "alice");
    CHECK(f.engine.memory.room_list() == R"([{"room":"lobby","users":1}])");

    SECTION("the same for an arrival and a move") {
        f.chat.connect(3, f.now);
        f.chat.disconnect(3);
        f.engine.release_all();
        f.chat.connect(4, f.now);
        f.engine.release_all();
        f.say(4, "join", "dev");
        f.chat.disconnect(4);
        f.engine.release_all();
        CHECK(f.engine.memory.room_list() == R"([{"room":"lobby","users":1}])");
        CHECK(f.chat.client_count() == 1);
    }
}

TEST_CASE("what waits is bounded: past the bound, unavailable in its turn instead of memory") {
    // Each waiting envelope counts its text and its entry (well under 200 bytes).
    ChatOptions options;
    options.max_backlog_bytes = 1000;
    Fixture f(options);
    f.arrived({1, 2});
    const json::string half(500, 'a');
    f.say(1, "new_message", "with the engine");
    f.say(1, "new_message", half);  // fits
    f.say(2, "new_message", "with the engine");
    f.say(2, "new_message", half);  // the bound is over all clients: past it
    f.say(1, "rooms", nullptr);     // no text: fits
    f.engine.release_all();
    const auto errors = f.transport.of_type("error");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].recipients == std::vector<ClientId>{2});
    CHECK(errors[0].payload().at("code") == "unavailable");
    CHECK(f.transport.of_type("new_message").size() == 3);  // client 1's two, client 2's first
    CHECK(f.types_heard(1).back() == "rooms");
    // It is given back: the same again fits.
    f.say(2, "new_message", "again");
    f.say(2, "new_message", half);
    f.engine.release_all();
    CHECK(f.transport.of_type("error").size() == 1);
}

TEST_CASE("a flood while waiting costs one backlog entry, and every envelope still gets its answer") {
    Fixture f;
    f.arrived({1});
    f.say(1, "new_message", "hold");
    for (int i = 0; i < 500; ++i) f.chat.receive(1, "{", f.now);  // 19 bad_json, then rate_limited
    f.engine.release_all();
    const auto heard = f.transport.received_by(1);
    REQUIRE(heard.size() == 501);
    CHECK(heard[1].payload().at("code") == "bad_json");
    CHECK(heard[19].payload().at("code") == "bad_json");
    CHECK(heard[20].payload().at("code") == "rate_limited");
    CHECK(heard[500].payload().at("code") == "rate_limited");
}

TEST_CASE("a failed request is answered unavailable, and a failed arrival also ends the client") {
    Fixture f;
    f.arrived({1});
    f.say(1, "new_message", "lost");
    f.say(1, "rooms", nullptr);
    f.engine.fail();
    CHECK(f.types_heard(1) == std::vector<std::string>{"error", "rooms"});
    CHECK(f.transport.received_by(1)[0].payload().at("code") == "unavailable");
    CHECK(f.transport.ended.empty());

    f.chat.connect(2, f.now);
    f.say(2, "new_message", "never answered");
    f.engine.fail();
    CHECK(f.types_heard(2) == std::vector<std::string>{"error"});
    REQUIRE(f.transport.ended.size() == 1);
    CHECK(f.transport.ended[0].first == 2);
    f.say(2, "rooms", nullptr);  // ignored: it is being closed
    CHECK(f.types_heard(2).size() == 1);
    f.chat.disconnect(2);
    CHECK(f.chat.client_count() == 1);
}
