#include "cluster/redis_engine.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <random>
#include <tuple>

#include "app/envelope_writer.h"
#include "cluster/event.h"
#include "ops/log.h"

namespace wirechat::cluster {

namespace {

constexpr std::string_view kLobby = "lobby";
// The recent messages kept to complete a snapshot (see the header).
constexpr std::size_t recent_kept = 1024;
// Clients registered again per script after an outage: short scripts, so
// that Redis serves the other nodes in between.
constexpr std::size_t resync_batch = 256;
// Events held while recovering; past these, recovery starts over.
constexpr std::size_t held_max_events = 100'000;
constexpr std::size_t held_max_bytes = 64 * 1024 * 1024;
constexpr int first_retry_ms = 100, last_retry_ms = 5000;

constexpr std::string_view unreachable = "the chat cannot reach its store (Redis); try again shortly";

std::string random_node() {
    std::random_device device;
    std::string out;
    static constexpr char hex[] = "0123456789abcdef";
    for (int i = 0; i < 4; ++i) {
        const unsigned bits = device();
        for (int shift = 0; shift < 32; shift += 4) out += hex[(bits >> shift) & 15];
    }
    return out;
}

std::string_view text(const redisReply* reply) { return {reply->str, reply->len}; }

bool is_array(const redisReply* reply, std::size_t at_least) {
    return reply && reply->type == REDIS_REPLY_ARRAY && reply->elements >= at_least;
}

// A number, as an integer reply or a decimal string.
std::uint64_t number(const redisReply* reply) {
    if (reply->type == REDIS_REPLY_INTEGER) return reply->integer < 0 ? 0 : std::uint64_t(reply->integer);
    std::uint64_t value = 0;
    if (reply->type == REDIS_REPLY_STRING) std::from_chars(reply->str, reply->str + reply->len, value);
    return value;
}

// An array of names as a JSON array of strings.
std::string names_json(const redisReply* names) {
    std::string out = "[";
    for (std::size_t i = 0; i < names->elements; ++i) {
        if (i > 0) out += ',';
        app::append_json_string(out, text(names->element[i]));
    }
    out += ']';
    return out;
}

std::string decimal(std::uint64_t value) { return std::to_string(value); }

}  // namespace

RedisEngine::RedisEngine(net::EventLoop& loop, app::ChatOptions chat, RedisOptions options)
    : loop_(loop),
      chat_(chat),
      options_(std::move(options)),
      node_(random_node()),
      channel_(options_.prefix + "events"),
      shown_(decimal(chat.history_per_room)),
      kept_(decimal(chat.history_per_room + 1)),
      listed_(decimal(chat.users_listed)),
      ttl_(decimal(std::uint64_t(options_.history_ttl_s))),
      node_ttl_(decimal(std::uint64_t(options_.node_ttl_ms))),
      commands_(loop, options_.target, "wirechat-" + node_ + "-commands", options_.timeout_ms,
                {[this] { link_ready(); }, [this](std::string_view why) { link_lost(why); }}),
      subscription_(loop, options_.target, "wirechat-" + node_ + "-subscription", options_.timeout_ms,
                    {[this] { link_ready(); }, [this](std::string_view why) { link_lost(why); }}),
      recent_(recent_kept) {
    connect();
}

RedisEngine::~RedisEngine() {
    events_ = nullptr;  // the chat may be gone: callbacks below find nobody to tell
    state_ = State::stopped;
    loop_.timers().cancel(reconnect_timer_);
    loop_.timers().cancel(heartbeat_timer_);
    commands_.disconnect();
    subscription_.disconnect();
}

// ---- the connections --------------------------------------------------------

void RedisEngine::connect() {
    state_ = State::connecting;
    commands_.connect();
    if (state_ == State::connecting && commands_.connected()) subscription_.connect();
}

void RedisEngine::link_ready() {
    if (state_ == State::connecting && commands_.ready() && subscription_.ready()) start_session();
}

void RedisEngine::link_lost(std::string_view why) {
    if (state_ == State::stopped) return;
    const bool was_serving = state_ == State::serving;
    // First: whatever the callbacks below set off must find us not serving.
    state_ = State::connecting;
    loop_.timers().cancel(heartbeat_timer_);
    commands_.disconnect();  // waiting commands are answered with nullptr: refused
    subscription_.disconnect();
    held_events_.clear();
    held_bytes_ = 0;
    held_overflowed_ = false;
    // Stored posts whose copies did not come yet: the copies come with the
    // recovery. Entries without their answer cannot be completed: refused.
    std::deque<Parked> parked;
    parked.swap(parked_);
    for (Parked& p : parked) {
        if (!events_) break;
        if (p.is_entry) events_->refused(p.id, app::ErrorCode::unavailable, unreachable);
        else events_->posted(p.id);
    }
    ++reconnects_;
    const int delay = std::min(last_retry_ms, first_retry_ms << std::min(attempt_, 6));
    const int jittered = delay / 2 + int(std::random_device{}() % unsigned(delay / 2 + 1));
    ++attempt_;
    // redis_lost: it was serving, and no longer is; redis_unreachable: a
    // connection attempt failed.
    ops::log(ops::Level::warn, was_serving ? "redis_lost" : "redis_unreachable",
             {{"why", why}, {"retry_ms", jittered}});
    loop_.timers().arm(reconnect_timer_, loop_.now_ms() + jittered);
}

void RedisEngine::start_session() {
    state_ = State::subscribing;
    load_scripts();
    subscription_.subscribe(channel_, [this](const redisReply* reply) { on_subscription(reply); });
}

// On every new connection: a Redis that restarted forgot its scripts.
void RedisEngine::load_scripts() {
    for (const scripts::Script* script : scripts::all) {
        const std::string_view args[] = {"SCRIPT", "LOAD", script->text};
        commands_.command(args, [this, name = script->name](const redisReply* reply) {
            if (reply && reply->type == REDIS_REPLY_ERROR)
                link_lost("cannot load script " + std::string(name) + ": " + std::string(text(reply)));
        });
    }
}

void RedisEngine::on_subscription(const redisReply* reply) {
    if (!is_array(reply, 3) || state_ == State::stopped) return;  // (nullptr: lost, said elsewhere)
    const std::string_view kind = text(reply->element[0]);
    if (kind == "message") {
        on_event(text(reply->element[2]));
    } else if (kind == "subscribe" && state_ == State::subscribing) {
        // From here on every message is heard: what came before is read
        // from the streams, and what comes meanwhile is held until then.
        state_ = State::recovering;
        resync(true);
        recover();
    }
}

void RedisEngine::on_event(std::string_view payload) {
    if (state_ == State::recovering) {
        if (held_overflowed_) return;
        held_bytes_ += payload.size();
        held_events_.emplace_back(payload);
        if (held_events_.size() > held_max_events || held_bytes_ > held_max_bytes) {
            held_overflowed_ = true;  // recovered() reads them from the streams instead
            held_events_.clear();
            held_bytes_ = 0;
        }
        return;
    }
    if (state_ != State::serving) return;
    const std::optional<Event> event = parse_event(payload);
    if (!event) return;
    switch (event->kind) {
    case Event::Kind::message: deliver(event->id, event->room, event->text); break;
    case Event::Kind::presence: {
        std::string_view rooms = event->text;
        while (!rooms.empty()) {
            const std::size_t space = rooms.find(' ');
            if (const std::string_view room = rooms.substr(0, space); !room.empty()) dirty_rooms_.emplace(room);
            rooms = space == std::string_view::npos ? std::string_view{} : rooms.substr(space + 1);
        }
        counts_dirty_ = true;
        break;
    }
    case Event::Kind::heartbeat:
        if (event->text == node_) heard_own_beat_ = true;
        break;
    }
}

// Registers this node's clients in Redis again, from what the chat holds:
// after any outage Redis may have lost them, reaped them, or kept some that
// left meanwhile.
void RedisEngine::resync(bool reset) {
    struct Client {
        app::ClientId id;
        std::string nickname, room;
    };
    std::vector<Client> clients;
    if (events_) {
        events_->for_each_member([&](app::ClientId id, std::string_view nickname, std::string_view room) {
            clients.push_back({id, std::string(nickname), std::string(room)});
        });
    }
    std::size_t next = 0;
    do {
        const std::size_t end = std::min(clients.size(), next + resync_batch);
        std::vector<std::string> args{node_, node_ttl_, reset && next == 0 ? "1" : "0"};
        std::vector<Client> batch(clients.begin() + std::ptrdiff_t(next), clients.begin() + std::ptrdiff_t(end));
        for (const Client& c : batch) {
            args.push_back(c.nickname);
            args.push_back(c.room);
        }
        call(scripts::resync, args, [this, batch = std::move(batch)](const redisReply* reply) {
            if (!is_array(reply, 0) || !events_) return;
            for (std::size_t i = 0; i + 1 < reply->elements; i += 2) {
                const std::string_view from = text(reply->element[i]), to = text(reply->element[i + 1]);
                for (const Client& c : batch)
                    if (c.nickname == from) events_->reassigned(c.id, from, to);
            }
        });
        next = end;
    } while (next < clients.size());
}

void RedisEngine::recover() {
    std::set<std::string, std::less<>> rooms;
    if (events_) {
        events_->for_each_member(
            [&](app::ClientId, std::string_view, std::string_view room) { rooms.emplace(room); });
    }
    std::vector<std::string> args{decimal(seen_)};
    args.insert(args.end(), rooms.begin(), rooms.end());
    call(scripts::recover, args, [this](const redisReply* reply) { recovered(reply); });
}

void RedisEngine::recovered(const redisReply* reply) {
    if (state_ != State::recovering || !reply) return;
    if (!is_array(reply, 1)) {
        link_lost("cannot recover: " + std::string(reply->type == REDIS_REPLY_ERROR ? text(reply) : "bad reply"));
        return;
    }
    // What was said in this node's rooms after the last message it
    // delivered, in id order across the rooms. A room whose stream no
    // longer reaches back that far cannot be caught up without a gap: its
    // clients here are told to come back, and then get its last messages.
    std::vector<std::tuple<std::uint64_t, std::string_view, std::string_view>> missed;
    std::vector<std::string> gaps;
    for (std::size_t i = 1; i + 2 < reply->elements; i += 3) {
        const std::string_view room = text(reply->element[i]);
        if (number(reply->element[i + 1]) == 0) {
            gaps.emplace_back(room);
            continue;
        }
        const redisReply* messages = reply->element[i + 2];
        for (std::size_t j = 0; j < messages->elements; ++j) {
            const std::string_view json = text(messages->element[j]);
            if (const auto id = message_id(json)) missed.emplace_back(*id, room, json);
        }
    }
    std::sort(missed.begin(), missed.end());
    state_ = State::serving;  // deliver() delivers only while serving
    for (const std::string& room : gaps) {
        ops::log(ops::Level::warn, "redis_gap", {{"room", room}, {"why", "more was said than its history keeps"}});
        if (events_) events_->lost_track(room);
    }
    for (const auto& [id, room, json] : missed) deliver(id, room, json);
    // Other rooms' messages up to here went by unseen.
    seen_ = std::max(seen_, number(reply->element[0]));
    recent_.forget_up_to(seen_);
    if (held_overflowed_) {
        state_ = State::recovering;
        held_overflowed_ = false;
        recover();
        return;
    }
    std::vector<std::string> held;
    held.swap(held_events_);
    held_bytes_ = 0;
    for (const std::string& event : held) on_event(event);
    ops::log(ops::Level::info, "redis_serving", {{"node", node_}, {"last_id", seen_}});
    attempt_ = 0;
    // Presence may have changed anywhere meanwhile.
    if (events_) {
        events_->for_each_member(
            [&](app::ClientId, std::string_view, std::string_view room) { dirty_rooms_.emplace(room); });
    }
    counts_dirty_ = true;
    heard_own_beat_ = true;
    loop_.timers().arm(heartbeat_timer_, loop_.now_ms() + options_.heartbeat_ms);
}

void RedisEngine::beat() {
    if (state_ != State::serving) return;
    if (!heard_own_beat_) {
        link_lost("the subscription did not hear this node's last heartbeat");
        return;
    }
    heard_own_beat_ = false;
    call(scripts::heartbeat, {node_, node_ttl_}, [this](const redisReply* reply) {
        if (!reply || reply->type != REDIS_REPLY_INTEGER || reply->integer != 0 || state_ != State::serving)
            return;
        link_lost("this node had been taken for dead");
    });
    loop_.timers().arm(heartbeat_timer_, loop_.now_ms() + options_.heartbeat_ms);
}

// ---- requests ---------------------------------------------------------------

bool RedisEngine::refuse_unless_serving(app::ClientId id) {
    if (state_ == State::serving && commands_.waiting() < options_.max_waiting) return false;
    events_->refused(id, app::ErrorCode::unavailable, unreachable);
    return true;
}

void RedisEngine::call(const scripts::Script& script, std::initializer_list<std::string_view> args,
                       RedisLink::Callback done) {
    std::vector<std::string_view> argv{"EVALSHA", script.sha1, "0", options_.prefix};
    argv.insert(argv.end(), args.begin(), args.end());
    commands_.command(argv, std::move(done));
}

void RedisEngine::call(const scripts::Script& script, const std::vector<std::string>& args,
                       RedisLink::Callback done) {
    std::vector<std::string_view> argv{"EVALSHA", script.sha1, "0", options_.prefix};
    argv.insert(argv.end(), args.begin(), args.end());
    commands_.command(argv, std::move(done));
}

bool RedisEngine::failed(const redisReply* reply, app::ClientId id) {
    if (!events_) return true;
    if (reply && reply->type != REDIS_REPLY_ERROR) return false;
    if (reply) {
        const std::string_view error = text(reply);
        ops::log(ops::Level::error, "redis_script_error", {{"error", error}});
        // Taken for dead, or its registration is not what the chat holds:
        // start over (register everything again), as after an outage.
        if (error.starts_with("NODE") && state_ == State::serving)
            link_lost("Redis no longer holds this node's clients as the chat does");
        if (error.starts_with("NOSCRIPT") && state_ == State::serving) load_scripts();
    }
    events_->refused(id, app::ErrorCode::unavailable, unreachable);
    return true;
}

void RedisEngine::enter(app::ClientId id, std::string_view nickname, std::string_view room,
                        std::optional<std::uint64_t> since) {
    if (refuse_unless_serving(id)) return;
    const std::string since_arg = since ? decimal(*since) : std::string();
    call(scripts::enter, {node_, nickname, room, since_arg, shown_, listed_},
         [this, id, room = std::string(room), since](const redisReply* reply) {
             if (failed(reply, id)) return;
             std::string given = is_array(reply, 1) ? std::string(text(reply->element[0])) : std::string();
             snapshot_answered(id, reply, 1, std::move(given), room, since);
         });
}

void RedisEngine::move(app::ClientId id, std::string_view nickname, std::string_view, std::string_view to,
                       std::optional<std::uint64_t> since) {
    if (refuse_unless_serving(id)) return;
    const std::string since_arg = since ? decimal(*since) : std::string();
    call(scripts::move, {node_, nickname, to, since_arg, shown_, listed_},
         [this, id, nickname = std::string(nickname), room = std::string(to), since](const redisReply* reply) {
             if (failed(reply, id)) return;
             snapshot_answered(id, reply, 0, nickname, room, since);
         });
}

// A snapshot (enter, move) is the reply's elements from `first`: users,
// count, history, recovered (-1: not asked), the last id given.
void RedisEngine::snapshot_answered(app::ClientId id, const redisReply* reply, std::size_t first,
                                    std::string nickname, std::string room,
                                    std::optional<std::uint64_t> since) {
    if (!is_array(reply, first + 5)) {
        events_->refused(id, app::ErrorCode::unavailable, "unexpected answer from Redis");
        return;
    }
    const redisReply* const* view = reply->element + first;
    Parked parked{.id = id, .barrier = number(view[4]), .is_entry = true, .nickname = std::move(nickname),
                  .room = std::move(room), .users_json = names_json(view[0]), .count = number(view[1]),
                  .history = {}, .since = since, .recovered = std::nullopt};
    for (std::size_t i = 0; i < view[2]->elements; ++i) parked.history.emplace_back(text(view[2]->element[i]));
    if (view[3]->type == REDIS_REPLY_INTEGER && view[3]->integer >= 0) parked.recovered = view[3]->integer == 1;
    park(std::move(parked));
}

void RedisEngine::rename(app::ClientId id, std::string_view from, std::string_view to, std::string_view room) {
    if (refuse_unless_serving(id)) return;
    call(scripts::rename, {node_, from, to, room}, [this, id, to = std::string(to)](const redisReply* reply) {
        if (failed(reply, id)) return;
        if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 1) events_->renamed(id, to);
        else events_->refused(id, app::ErrorCode::bad_nickname, "that nickname is taken");
    });
}

void RedisEngine::post(app::ClientId id, std::string_view room, std::string_view message_tail) {
    if (refuse_unless_serving(id)) return;
    call(scripts::post, {room, message_tail, kept_, ttl_}, [this, id](const redisReply* reply) {
        if (failed(reply, id)) return;
        // Stored: answered once its copy has gone out to the room.
        park(Parked{.id = id, .barrier = number(reply), .is_entry = false});
    });
}

void RedisEngine::leave(app::ClientId, std::string_view nickname, std::string_view) {
    // While Redis is out of reach the next resync forgets the client. While
    // recovering, the resync that may hold it is already on its way: this
    // follows it on the same connection.
    if (state_ != State::serving && state_ != State::recovering) return;
    call(scripts::leave, {node_, nickname}, [](const redisReply*) {});
}

// ---- waiting for the subscription -----------------------------------------

void RedisEngine::park(Parked parked) {
    if (parked.barrier <= seen_) {
        finish(parked);
        return;
    }
    // Replies come in the order the scripts ran, so barriers only grow; a
    // Redis that lost its data may start lower, so keep the order anyway.
    auto at = parked_.end();
    while (at != parked_.begin() && std::prev(at)->barrier > parked.barrier) --at;
    parked_.insert(at, std::move(parked));
}

void RedisEngine::release_parked(std::uint64_t below) {
    while (!parked_.empty() && parked_.front().barrier < below) {
        Parked parked = std::move(parked_.front());
        parked_.pop_front();
        finish(parked);
    }
}

void RedisEngine::finish(Parked& parked) {
    if (!events_) return;
    if (!parked.is_entry) {
        events_->posted(parked.id);
        return;
    }
    if (!parked.extras_unknown && !recent_.has_all_after(parked.barrier)) {
        // This node cannot tell what it delivered to the room since the
        // snapshot (an outage came between): take the history again.
        const std::string since_arg = parked.since ? decimal(*parked.since) : std::string();
        call(scripts::look, {parked.room, since_arg, shown_}, [this, parked = std::move(parked)](const redisReply* reply) mutable {
            if (!events_) return;
            if (!reply) {  // lost: the node starts over, and registers only what the chat holds
                events_->refused(parked.id, app::ErrorCode::unavailable, unreachable);
                return;
            }
            if (!is_array(reply, 5)) {
                // The entry itself went through: answer it with what the
                // first snapshot had, vouching for nothing after it.
                parked.extras_unknown = true;
                if (parked.since) parked.recovered = false;
                finish(parked);
                return;
            }
            parked.history.clear();
            for (std::size_t i = 0; i < reply->element[2]->elements; ++i)
                parked.history.emplace_back(text(reply->element[2]->element[i]));
            if (reply->element[3]->type == REDIS_REPLY_INTEGER && reply->element[3]->integer >= 0)
                parked.recovered = reply->element[3]->integer == 1;
            parked.barrier = number(reply->element[4]);
            // Should Redis still answer from before what this node has seen,
            // do not ask forever: answer without what came after.
            parked.extras_unknown = !recent_.has_all_after(parked.barrier);
            park(std::move(parked));
        });
        return;
    }
    // The snapshot, then what this node delivered to the room after it.
    std::vector<std::string_view> messages(parked.history.begin(), parked.history.end());
    if (!parked.extras_unknown)
        recent_.visit_after(parked.barrier, parked.room, [&](std::string_view json) { messages.push_back(json); });
    // Its presence may have changed while the answer waited, unseen here if
    // nobody else of this node was in the room: see it again at the flush.
    dirty_rooms_.emplace(parked.room);
    // At most history_per_room, as promised: more missed than that (the
    // snapshot's and those after it together) is not a recovery.
    std::size_t first = 0;
    if (messages.size() > chat_.history_per_room) {
        first = messages.size() - chat_.history_per_room;
        if (parked.recovered) parked.recovered = false;
    }
    std::string history = "[";
    for (std::size_t i = first; i < messages.size(); ++i) {
        if (i > first) history += ',';
        history += messages[i];
    }
    history += ']';
    const std::string rooms = rooms_json_with(parked.room, parked.count);
    const app::Entry entry{.nickname = parked.nickname,
                           .room = parked.room,
                           .presence = {parked.users_json, parked.count},
                           .history_json = history,
                           .recovered = parked.recovered,
                           .rooms_json = rooms};
    events_->entered(parked.id, entry);
}

// ---- the subscription -------------------------------------------------------

void RedisEngine::deliver(std::uint64_t id, std::string_view room, std::string_view json) {
    if (id <= seen_) return;  // recovered already
    release_parked(id);       // snapshots taken before this message
    recent_.push(id, room, json);
    seen_ = id;
    if (events_) events_->message(room, json);
    release_parked(seen_ + 1);
}

// ---- flush --------------------------------------------------------------------

void RedisEngine::flush() {
    if (state_ != State::serving || reads_out_ > 0) return;
    std::vector<std::string> args{listed_};
    for (const std::string& room : dirty_rooms_)
        if (events_->has_members(room)) args.push_back(room);
    dirty_rooms_.clear();
    if (args.size() > 1) {
        ++reads_out_;
        call(scripts::presence, args, [this](const redisReply* reply) { presence_answered(reply); });
    }
    if (counts_dirty_) {
        counts_dirty_ = false;
        ++reads_out_;
        const std::string key = options_.prefix + "counts";
        const std::string_view argv[] = {"HGETALL", key};
        commands_.command(argv, [this](const redisReply* reply) { counts_answered(reply); });
    }
}

void RedisEngine::presence_answered(const redisReply* reply) {
    --reads_out_;
    if (!is_array(reply, 0) || !events_) return;
    for (std::size_t i = 0; i + 2 < reply->elements; i += 3) {
        const std::string users = names_json(reply->element[i + 1]);
        events_->presence(text(reply->element[i]), {users, number(reply->element[i + 2])});
    }
}

void RedisEngine::counts_answered(const redisReply* reply) {
    --reads_out_;
    if (!is_array(reply, 0) || !events_) return;
    room_counts_.clear();
    room_counts_.emplace(kLobby, 0);
    for (std::size_t i = 0; i + 1 < reply->elements; i += 2)
        room_counts_[std::string(text(reply->element[i]))] = number(reply->element[i + 1]);
    rooms_json_ = rooms_json_with({}, 0);
    if (rooms_json_ == rooms_json_sent_) return;
    rooms_json_sent_ = rooms_json_;
    events_->rooms_changed(rooms_json_);
}

// The rooms list as last read, with `room` at `count` (a client entering
// it knows that count better than the last flush did).
std::string RedisEngine::rooms_json_with(std::string_view room, std::size_t count) const {
    std::string out = "[";
    auto append = [&](std::string_view name, std::size_t users) {
        if (users == 0 && name != kLobby) return;
        if (out.size() > 1) out += ',';
        app::append_room(out, name, users);
    };
    bool placed = room.empty();
    for (const auto& [name, users] : room_counts_) {
        if (!placed && room < name) {
            append(room, count);
            placed = true;
        }
        if (name == room) {
            append(room, count);
            placed = true;
        } else {
            append(name, users);
        }
    }
    if (!placed) append(room, count);
    out += ']';
    return out;
}

void RedisEngine::shut_down(std::function<void()> done) {
    loop_.timers().cancel(reconnect_timer_);
    loop_.timers().cancel(heartbeat_timer_);
    const bool serving = state_ == State::serving;
    state_ = State::stopped;  // nothing registers this node again from here
    if (!serving) {
        commands_.disconnect();
        subscription_.disconnect();
        done();
        return;
    }
    // Take this node's clients out now rather than in 20 s.
    call(scripts::bye, {node_}, [this, done = std::move(done)](const redisReply*) {
        subscription_.disconnect();
        commands_.disconnect();
        done();
    });
}

}  // namespace wirechat::cluster
