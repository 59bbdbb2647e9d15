// The engine of a chat shared by any number of wirechat processes (nodes),
// on one machine or many, through one Redis: see app/engine.h for the seam.
//
// Two connections per node, both through hiredis on the node's own loop
// (cluster/redis_link.h): one for commands, each an atomic Lua script
// (cluster/scripts.cpp), and one subscribed to the chat's channel, on which
// every node hears every message in id order (cluster/event.h).
//
// Order, exactly once, and no acknowledgement before Redis has stored:
//   - A message reaches this node's clients only from the subscription,
//     its sender's own copy too. The post script stores the message, then
//     publishes it, so the copy that acknowledges it comes after the store,
//     and in the one order every node sees.
//   - A client entering a room gets a snapshot of it (history, users) taken
//     at some point of that order: the last id given then. Until this
//     node's subscription has passed that point the answer waits ("parked"),
//     so that nothing it holds comes again live; if the subscription was
//     already past it, what the node delivered since is taken from
//     RecentMessages and added after the snapshot.
//   - A poster's next envelope is answered only after its own copy went
//     out: the post's answer is parked until the subscription reaches its id.
//
// Outages: if either connection fails, or Redis stops answering within
// --redis-timeout, both are dropped and opened again, with backoff. Every
// request meanwhile is refused as unavailable (what waits for Redis is
// bounded), and so are new chat connections (503). Once back, the node
// registers its clients again (resync), reads from the streams whatever was
// said in its rooms after the last message it delivered, delivers that in
// order, then serves again.
//
// Nodes beat every 5 s and are reaped by the others 15 s after their last
// beat (--redis-node-ttl): the users of a node that died without a goodbye
// leave presence and free their nicknames within 20 s.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/chat_options.h"
#include "app/engine.h"
#include "cluster/recent_messages.h"
#include "cluster/redis_link.h"
#include "cluster/scripts.h"
#include "net/event_loop.h"
#include "net/timer_heap.h"

namespace wirechat::cluster {

struct RedisOptions {
    RedisTarget target;
    std::string prefix = "wirechat:";   // every key and the channel start with it
    int timeout_ms = 3000;              // a reply later than this: Redis is gone
    int history_ttl_s = 7 * 24 * 3600;  // a room's history outlives its last message this long
    int heartbeat_ms = 5000;            // a third of node_ttl_ms: two beats may be late
    int node_ttl_ms = 15000;            // reaped this long after the last beat
    std::size_t max_waiting = 10000;    // commands waiting for replies; past it, unavailable
};

class RedisEngine final : public app::Engine {
public:
    RedisEngine(net::EventLoop& loop, app::ChatOptions chat, RedisOptions options);
    ~RedisEngine() override;

    void attach(app::EngineEvents& events) override { events_ = &events; }
    bool available() const override { return state_ == State::serving; }
    void enter(app::ClientId id, std::string_view nickname, std::string_view room,
               std::optional<std::uint64_t> since) override;
    void move(app::ClientId id, std::string_view nickname, std::string_view from, std::string_view to,
              std::optional<std::uint64_t> since) override;
    void rename(app::ClientId id, std::string_view from, std::string_view to,
                std::string_view room) override;
    void post(app::ClientId id, std::string_view room, std::string_view message_tail) override;
    void leave(app::ClientId id, std::string_view nickname, std::string_view room) override;
    std::string_view room_list() override { return rooms_json_; }
    void flush() override;
    void shut_down(std::function<void()> done) override;

    const std::string& node() const { return node_; }
    // For the metrics: connections lost (each followed by a reconnection),
    // and the commands' round trips.
    std::uint64_t reconnects() const { return reconnects_; }
    const ops::Histogram& command_latency() const { return commands_.latency(); }

private:
    enum class State {
        connecting,   // opening both connections
        subscribing,  // both open: scripts loading, SUBSCRIBE sent
        recovering,   // subscribed: registering clients, reading what was missed
        serving,
        stopped,      // shut_down() said goodbye
    };
    // A client's request answered by Redis, waiting for the subscription to
    // reach `barrier` (see the top of this file).
    struct Parked {
        app::ClientId id;
        std::uint64_t barrier;
        bool is_entry;  // else a post
        // An entry: the snapshot Redis answered with.
        std::string nickname = {}, room = {};
        std::string users_json = {};
        std::size_t count = 0;
        std::vector<std::string> history = {};
        std::optional<std::uint64_t> since = {};
        std::optional<bool> recovered = {};
        bool extras_unknown = false;  // answer without what came after the snapshot
    };

    // The connections.
    void connect();
    void link_ready();
    void link_lost(std::string_view why);
    void start_session();
    void load_scripts();
    void on_subscription(const redisReply* reply);
    void on_event(std::string_view payload);
    void resync(bool reset);
    void recover();
    void recovered(const redisReply* reply);
    void beat();

    // Requests.
    bool refuse_unless_serving(app::ClientId id);
    // EVALSHA `script` with the prefix and then `args`.
    void call(const scripts::Script& script, std::initializer_list<std::string_view> args,
              RedisLink::Callback done);
    void call(const scripts::Script& script, const std::vector<std::string>& args, RedisLink::Callback done);
    // A failed reply: refuse the client, and act on what it says.
    bool failed(const redisReply* reply, app::ClientId id);
    void snapshot_answered(app::ClientId id, const redisReply* reply, std::size_t first, std::string nickname,
                           std::string room, std::optional<std::uint64_t> since);
    void park(Parked parked);
    void release_parked(std::uint64_t below);
    void finish(Parked& parked);

    // The subscription.
    void deliver(std::uint64_t id, std::string_view room, std::string_view json);

    // Flush.
    void read_presence();
    void presence_answered(const redisReply* reply);
    void counts_answered(const redisReply* reply);
    std::string rooms_json_with(std::string_view room, std::size_t count) const;

    net::EventLoop& loop_;
    app::ChatOptions chat_;
    RedisOptions options_;
    std::string node_;     // this process's name among the nodes: random
    std::string channel_;  // <prefix>events
    std::string shown_, kept_, listed_, ttl_, node_ttl_;  // script arguments
    app::EngineEvents* events_ = nullptr;

    RedisLink commands_;
    RedisLink subscription_;
    State state_ = State::connecting;
    int attempt_ = 0;  // reconnections since the last session began
    std::uint64_t reconnects_ = 0;
    net::Timer reconnect_timer_{[this] { connect(); }};
    net::Timer heartbeat_timer_{[this] { beat(); }};
    bool heard_own_beat_ = true;
    std::function<void()> on_stopped_;

    std::uint64_t seen_ = 0;  // the last message id delivered
    RecentMessages recent_;
    std::deque<Parked> parked_;  // by barrier
    // Events heard while recovering, delivered after what was recovered.
    std::vector<std::string> held_events_;
    std::size_t held_bytes_ = 0;
    bool held_overflowed_ = false;

    // Flush: rooms whose presence changed, and the rooms list.
    std::set<std::string, std::less<>> dirty_rooms_;
    bool counts_dirty_ = true;
    int reads_out_ = 0;  // flush reads waiting for their replies
    std::map<std::string, std::size_t, std::less<>> room_counts_;
    std::string rooms_json_ = R"([{"room":"lobby","users":0}])";
    std::string rooms_json_sent_ = rooms_json_;
};

}  // namespace wirechat::cluster
