// Restarts that lose nothing: every node of a chat (sharing one port with
// --reuse-port, and the chat through a real redis-server started here) is
// replaced in turn, the way an operator restarts a machine's wirechat
// gracefully: a new process starts on the port, the old one gets SIGTERM,
// stops accepting and closes its WebSockets with 1001. Meanwhile a steady
// chat goes on, and its clients do what the page does (web/js/main.js,
// web/js/connection.js): on any close they reconnect to the port asking for
// their room, nickname and `since` = the last id they have, add the
// welcome's history when `recovered` is true (replace what they show
// otherwise), and keep messages by id. At the end every client must show
// exactly the room's messages: every acknowledged one (every sender's own
// copy), each once, in id order, none missing, ending as the room's stream
// in Redis ends.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

using harness::Launch;
using harness::RedisServer;
using harness::ServerProcess;
using harness::WsClient;
namespace json = boost::json;

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::string_view room = "restart";
constexpr int chatter_count = 6;
constexpr int node_count = 3;
// Each client says something this often: the rate limit's sustained pace
// (10 envelopes a second per connection, docs/protocol.md), so none is
// refused; the room hears one message every ~17 ms.
constexpr auto send_every = milliseconds(100);
// The server's default --history: a client away for longer than the room
// takes to say this many messages (about 1.7 s here) is told `recovered:
// false`; one that replaces what it shows with the last messages after a
// restart (as if it had not asked with `since`) loses older ones, which
// shows.
constexpr int history = 100;
// The page's reconnect backoff (web/js/connection.js): "equal jitter" over
// 250 ms doubling to 8 s; a welcome starts it again.
constexpr int first_delay_ms = 250, max_delay_ms = 8000;

std::int64_t as_id(const json::value& v) { return v.to_number<std::int64_t>(); }

// A client of the chat that behaves like the page.
struct Chatter {
    int number = 0;
    std::string nickname;  // asked for on every connection
    std::unique_ptr<WsClient> ws;
    bool welcomed = false;
    std::optional<std::int64_t> asked_since;  // what the current connection asked with

    // What it shows: the room's messages by id (the page's MessageList).
    std::map<std::int64_t, std::string> shown;
    // Its own messages: how many it sent, and those acknowledged (its copy
    // came back, live or in a recovered history), text -> id.
    int sent = 0;
    std::map<std::string, std::int64_t> acknowledged;

    // What happened to it.
    int connections = 0, closes_1001 = 0, drops = 0, failed_connects = 0;
    std::vector<int> other_closes;
    std::vector<std::string> drop_reasons;
    int recovered_true = 0, recovered_false = 0, recovered_messages = 0;
    int duplicates = 0, out_of_order = 0, nickname_not_restored = 0;
    std::vector<std::string> errors;

    int attempt = 0;
    Clock::time_point reconnect_at{}, next_send{};

    std::string own_prefix() const { return "c" + std::to_string(number) + "-"; }
    std::optional<std::int64_t> last_id() const {
        if (shown.empty()) return std::nullopt;
        return shown.rbegin()->first;
    }

    // A message arriving, live or in history, kept by id.
    void add(const json::value& message) {
        const std::int64_t id = as_id(message.at("id"));
        const std::string text(message.at("text").as_string());
        if (shown.contains(id)) {
            ++duplicates;
            return;
        }
        if (!shown.empty() && id < shown.rbegin()->first) ++out_of_order;
        shown.emplace(id, text);
        if (text.starts_with(own_prefix())) acknowledged.emplace(text, id);
    }

    void welcome(const json::object& payload) {
        welcomed = true;
        attempt = 0;
        if (payload.at("room").as_string() != room) errors.push_back("welcomed into " + json::serialize(payload.at("room")));
        if (payload.at("nickname").as_string() != nickname) ++nickname_not_restored;
        const json::array& messages = payload.at("history").as_array();
        const json::value* recovered = payload.if_contains("recovered");
        if (asked_since && recovered && recovered->is_bool() && recovered->get_bool()) {
            ++recovered_true;
            recovered_messages += int(messages.size());
            for (const json::value& m : messages) add(m);
            return;
        }
        // Not vouched for (or not asked): show what the server has, as the
        // page does. Asked with `since` and refused, messages may be lost.
        if (asked_since) ++recovered_false;
        shown.clear();
        for (const json::value& m : messages) add(m);
    }

    void receive(const WsClient::Message& m) {
        const json::object envelope = json::parse(m.payload).as_object();
        const json::string& type = envelope.at("type").as_string();
        if (type == "welcome") welcome(envelope.at("payload").as_object());
        else if (type == "new_message") add(envelope.at("payload"));
        else if (type == "error") errors.emplace_back(envelope.at("payload").at("code").as_string());
    }
};

// The test's clients, and the loop that serves them: one thread, every
// socket polled, nothing waited on for long.
class Chat {
public:
    Chat(std::uint16_t port, int count) : port_(port), chatters_(std::size_t(count)) {
        for (int i = 0; i < count; ++i) {
            chatters_[std::size_t(i)].number = i;
            chatters_[std::size_t(i)].nickname = "c" + std::to_string(i);
        }
    }

    std::vector<Chatter>& chatters() { return chatters_; }
    void sending(bool on) {
        sending_ = on;
        for (Chatter& c : chatters_) c.next_send = Clock::now();
    }
    bool all_welcomed() const {
        return std::all_of(chatters_.begin(), chatters_.end(), [](const Chatter& c) { return c.ws && c.welcomed; });
    }

    // Serves the clients until `done` holds (asked at most every `ask_every`)
    // or `limit` passes; whether `done` held.
    bool run_until(const std::function<bool()>& done, milliseconds limit, milliseconds ask_every = milliseconds(0)) {
        const auto deadline = Clock::now() + limit;
        auto next_ask = Clock::now();
        for (;;) {
            if (Clock::now() >= next_ask) {
                if (done()) return true;
                next_ask = Clock::now() + ask_every;
            }
            if (Clock::now() >= deadline) return false;
            step();
        }
    }
    void run_for(milliseconds time) {
        run_until([] { return false; }, time);
    }

    // The clients go away without a closing handshake: the servers that
    // the test stops next need not wait for them.
    void disconnect() {
        for (Chatter& c : chatters_) c.ws.reset();
    }

private:
    void step() {
        const auto now = Clock::now();
        std::vector<pollfd> watched;
        for (Chatter& c : chatters_) {
            if (!c.ws) {
                if (now >= c.reconnect_at) connect(c);
                continue;
            }
            try {
                serve(c, now);
            } catch (const std::exception& e) {
                // A write that failed (reset), or an envelope that is not
                // JSON: a drop with its reason, which fails the test.
                ++c.drops;
                c.drop_reasons.emplace_back(e.what());
                drop(c);
                continue;
            }
            if (c.ws) watched.push_back({c.ws->socket().fd(), POLLIN, 0});
        }
        ::poll(watched.data(), watched.size(), 5);
    }

    void serve(Chatter& c, Clock::time_point now) {
        while (auto m = c.ws->receive(0)) c.receive(*m);
        if (c.ws->close_code) {
            // The endpoint has answered the close (WsClient does when it
            // reads one); the server closes TCP.
            if (*c.ws->close_code == 1001) ++c.closes_1001;
            else c.other_closes.push_back(*c.ws->close_code);
            drop(c);
            return;
        }
        if (c.ws->socket().at_eof()) {  // gone without a close: 1006
            ++c.drops;
            c.drop_reasons.emplace_back("end of stream without a close");
            drop(c);
            return;
        }
        if (sending_ && c.welcomed && now >= c.next_send) {
            const std::string text = c.own_prefix() + std::to_string(c.sent++);
            c.ws->send_text(json::serialize(json::object{{"type", "new_message"}, {"payload", text}}));
            c.next_send = std::max(c.next_send + send_every, now);
        }
    }

    // The page's address: room, since (the last id shown), nickname.
    void connect(Chatter& c) {
        c.asked_since = c.last_id();
        std::string path = "/?room=" + std::string(room);
        if (c.asked_since) path += "&since=" + std::to_string(*c.asked_since);
        path += "&nickname=" + c.nickname;
        try {
            c.ws = std::make_unique<WsClient>(port_, path);
            c.welcomed = false;
            ++c.connections;
        } catch (const std::exception&) {
            // Refused, reset in a closing listener's backlog, or 503 from a
            // node still reaching Redis: as the page, later.
            ++c.failed_connects;
            schedule(c);
        }
    }

    void drop(Chatter& c) {
        c.ws.reset();
        c.welcomed = false;
        schedule(c);
    }

    void schedule(Chatter& c) {
        const int ceiling = std::min(max_delay_ms, first_delay_ms << std::min(c.attempt, 6));
        ++c.attempt;
        const int delay = ceiling / 2 + int(random_() % unsigned(ceiling / 2 + 1));
        c.reconnect_at = Clock::now() + milliseconds(delay);
    }

    std::uint16_t port_;
    std::vector<Chatter> chatters_;
    bool sending_ = false;
    std::minstd_rand random_{std::random_device{}()};
};

// The room's messages as Redis keeps them (its stream), in id order: id -> text.
std::vector<std::pair<std::int64_t, std::string>> stored_messages(const RedisServer& redis) {
    std::vector<std::pair<std::int64_t, std::string>> out;
    std::istringstream lines(redis.cli({"XRANGE", "wirechat:history:" + std::string(room), "-", "+"}));
    for (std::string line; std::getline(lines, line);) {
        if (!line.starts_with("{")) continue;  // entry ids and field names
        const json::value m = json::parse(line);
        out.emplace_back(as_id(m.at("id")), std::string(m.at("text").as_string()));
    }
    return out;
}

int node_registrations(const RedisServer& redis) { return std::atoi(redis.cli({"ZCARD", "wirechat:nodes"}).c_str()); }

std::string summary(const Chatter& c) {
    std::ostringstream out;
    out << c.nickname << ": connections " << c.connections << ", 1001 closes " << c.closes_1001 << ", other closes "
        << c.other_closes.size() << ", drops " << c.drops << ", failed connects " << c.failed_connects
        << ", recovered true " << c.recovered_true << " (" << c.recovered_messages << " messages) / false "
        << c.recovered_false << ", sent " << c.sent << ", acknowledged " << c.acknowledged.size() << ", shown "
        << c.shown.size() << ", duplicates " << c.duplicates << ", out of order " << c.out_of_order
        << ", nickname not restored " << c.nickname_not_restored << ", errors " << c.errors.size();
    for (const std::string& e : c.errors) out << " [" << e << "]";
    for (const std::string& why : c.drop_reasons) out << " (dropped: " << why << ")";
    return out.str();
}

}  // namespace

TEST_CASE("a rolling restart of every node under a steady chat loses no message and shows none twice") {
    const auto test_started = Clock::now();
    RedisServer redis;
    const std::uint16_t port = harness::free_port();
    const std::vector<std::string> node_args = {"--redis", redis.url(), "--reuse-port", "--history",
                                                std::to_string(history)};
    // Every node on the one port; a node counts once Redis has it (its
    // first resync), as the port alone cannot tell which node answers.
    std::vector<std::unique_ptr<ServerProcess>> nodes;
    const auto start_node = [&] {
        const int before = node_registrations(redis);
        nodes.push_back(std::make_unique<ServerProcess>(Launch{.port = port}, node_args));
        REQUIRE(nodes.back()->port() == port);
        return before + 1;
    };
    for (int i = 0; i < node_count; ++i) {
        const int expected = start_node();
        const auto deadline = Clock::now() + std::chrono::seconds(10);
        while (node_registrations(redis) < expected && Clock::now() < deadline)
            std::this_thread::sleep_for(milliseconds(20));
        REQUIRE(node_registrations(redis) == expected);
    }

    Chat chat(port, chatter_count);
    REQUIRE(chat.run_until([&] { return chat.all_welcomed(); }, milliseconds(5000)));
    chat.sending(true);
    chat.run_for(milliseconds(1000));

    // The rolling restart: for each original node, a new one joins the
    // port, is registered, then the old one is stopped, and the chat goes
    // on while its clients come back.
    std::vector<int> exit_statuses;
    std::vector<milliseconds> stop_times;
    for (int i = 0; i < node_count; ++i) {
        const int expected = start_node();
        REQUIRE(chat.run_until([&] { return node_registrations(redis) >= expected; }, milliseconds(10000),
                               milliseconds(50)));
        chat.run_for(milliseconds(200));
        ServerProcess& old = *nodes[std::size_t(i)];
        const auto asked = Clock::now();
        old.ask_to_stop();
        std::optional<int> status;
        REQUIRE(chat.run_until([&] { return (status = old.poll_exit()).has_value(); }, milliseconds(8000)));
        exit_statuses.push_back(*status);
        stop_times.push_back(std::chrono::duration_cast<milliseconds>(Clock::now() - asked));
        chat.run_for(milliseconds(1000));
    }

    // Quiet: the last messages reach everyone, and everyone is back.
    chat.sending(false);
    chat.run_for(milliseconds(300));
    const std::size_t said = [&] {
        std::set<std::int64_t> ids;
        for (const Chatter& c : chat.chatters())
            for (const auto& m : c.shown) ids.insert(m.first);
        return ids.size();
    }();
    chat.run_until([&] {
        return std::all_of(chat.chatters().begin(), chat.chatters().end(),
                           [&](const Chatter& c) { return c.welcomed && c.shown.size() >= said; });
    }, milliseconds(3000));
    chat.disconnect();

    // The room's messages: whatever any client has, or had acknowledged.
    // (A message no client has and none acknowledged is one nobody could
    // miss; the room's stream, below, also holds the last ones.)
    std::map<std::int64_t, std::string> room_messages;
    for (const Chatter& c : chat.chatters()) {
        room_messages.insert(c.shown.begin(), c.shown.end());
        for (const auto& [text, id] : c.acknowledged) room_messages.emplace(id, text);
    }
    std::vector<std::int64_t> room_ids;
    std::map<std::string, std::int64_t> room_by_text;
    for (const auto& [id, text] : room_messages) {
        room_ids.push_back(id);
        CHECK(room_by_text.emplace(text, id).second);  // said once, stored once: one id per text
    }

    // What the rolling restart was.
    int totals[7] = {};
    for (const Chatter& c : chat.chatters()) {
        totals[0] += c.connections;
        totals[1] += c.closes_1001;
        totals[2] += c.recovered_true;
        totals[3] += c.recovered_messages;
        totals[4] += c.failed_connects;
        totals[5] += c.sent - int(c.acknowledged.size());
        totals[6] += c.nickname_not_restored;
    }
    std::ostringstream stops;
    for (const milliseconds t : stop_times) stops << " " << t.count() << " ms";
    // In the test's output whether it passes or not: what this run exercised.
    WARN("rolling restart of " << node_count << " nodes (each stopped in" << stops.str() << "): "
         << room_messages.size() << " messages, " << chatter_count << " clients, " << totals[0]
         << " connections, " << totals[1] << " closes with 1001, " << totals[2]
         << " welcomes with recovered true carrying " << totals[3] << " missed messages, " << totals[4]
         << " connection attempts refused, " << totals[5] << " messages sent but never acknowledged, "
         << totals[6] << " nicknames not given back at once");

    for (std::size_t i = 0; i < exit_statuses.size(); ++i) {
        INFO("original node " << i << " stopped in " << stop_times[i].count() << " ms");
        CHECK(exit_statuses[i] == 0);
        // Its clients answered its closes: it did not wait out the grace (5 s).
        CHECK(stop_times[i] < milliseconds(4500));
    }
    REQUIRE(room_messages.size() >= 150);  // the chat really went on, past what one history holds
    CHECK(room_messages.size() > std::size_t(history));

    // Redis agrees: its stream of the room (the last history + 1 messages)
    // is the end of the room's messages, exactly.
    const auto stored = stored_messages(redis);
    CHECK(stored.size() == std::size_t(history) + 1);
    CHECK(std::equal(stored.rbegin(), stored.rend(), room_messages.rbegin(),
                     [](const auto& a, const auto& b) { return a.first == b.first && a.second == b.second; }));

    for (const Chatter& c : chat.chatters()) {
        INFO(summary(c));
        // Every client was on an original node, and each of those was
        // stopped: each was closed with 1001 and came back, recovered.
        CHECK(c.closes_1001 >= 1);
        CHECK(c.recovered_true >= 1);
        // Any other close (1011: its node could not catch up) or a
        // connection dropped without one would be a defect here.
        CHECK(c.other_closes.empty());
        CHECK(c.drops == 0);
        // The guarantees: nothing twice, nothing out of order, never told
        // that its `since` could not be honoured.
        CHECK(c.recovered_false == 0);
        CHECK(c.duplicates == 0);
        CHECK(c.out_of_order == 0);
        CHECK(c.errors.empty());
        // Nothing missing: exactly the room's messages, every acknowledged
        // one among them (every sender's own copy), in id order.
        std::vector<std::int64_t> ids;
        for (const auto& m : c.shown) ids.push_back(m.first);
        CHECK(ids == room_ids);
        // What it sent and never saw acknowledged was on its way when the
        // 1001 came: an endpoint that has sent a close reads nothing more
        // (RFC 6455 5.5.1), and the page keeps such a message in its field.
        // At most one or two per close.
        CHECK(c.sent - int(c.acknowledged.size()) <= 2 * (c.closes_1001 + c.drops + int(c.other_closes.size())));
    }
    CHECK(Clock::now() - test_started < std::chrono::seconds(60));
}
