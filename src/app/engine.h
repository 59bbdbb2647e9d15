// The engine seam: what the chat SHARES, as opposed to what it decides.
//
// app::Chat keeps the chat's rules (envelopes, validation, rate limits, the
// order of every client's answers) and the clients of this process. What
// every process of one chat must agree on goes through an Engine: who is
// where, nicknames, guest numbers, message ids, history, and the messages
// themselves, which reach this process's clients only through
// EngineEvents::message(), whichever process they were said on.
//
// Two engines implement it:
//   - MemoryEngine (app/memory_engine.h): one process, everything in memory,
//     every request answered before the call returns. The default.
//   - RedisEngine (cluster/redis_engine.h): any number of processes sharing
//     one Redis; requests are answered when Redis has answered.
//
// So the Chat is written for answers that come later: each request names
// the client it is for, and exactly one answer comes back for it (entered,
// renamed, posted or refused), possibly from inside the call. A client has
// at most one request with the engine at a time (the Chat queues the rest),
// which is what keeps each client's answers in the order of its envelopes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "app/error_code.h"
#include "app/transport.h"

namespace wirechat::app {

// Who is in a room: the first names in byte order (ChatOptions::users_listed
// of them), as a JSON array, and the true number of members.
struct Presence {
    std::string_view users_json;
    std::size_t count = 0;
};

// A client is in a room: what its welcome or joined envelope reports.
struct Entry {
    std::string_view nickname;
    std::string_view room;
    Presence presence;
    // The room's messages, oldest first, as a JSON array of new_message
    // payloads: its last ChatOptions::history_per_room, or, when `since` was
    // asked and could be honoured, exactly those with an id above it.
    std::string_view history_json;
    // Set when `since` was asked: whether history holds exactly the
    // messages after it (true) or the room's last ones instead (false).
    std::optional<bool> recovered;
    // The rooms list, as the `rooms` envelope's payload (welcome only).
    std::string_view rooms_json;
};

// What the engine tells the chat. Implemented by app::Chat.
class EngineEvents {
public:
    // Answers, each to the request of one client.
    virtual void entered(ClientId id, const Entry& entry) = 0;
    virtual void renamed(ClientId id, std::string_view nickname) = 0;
    // The client's message was stored and delivered (its own copy went out
    // through message() first).
    virtual void posted(ClientId id) = 0;
    // `code` is bad_nickname (taken) or unavailable; `message` is for humans.
    virtual void refused(ClientId id, ErrorCode code, std::string_view message) = 0;

    // A message said in `room`, on this process or another, in id order:
    // the payload of a new_message envelope.
    virtual void message(std::string_view room, std::string_view message_json) = 0;
    // From flush(): the room's members changed, or the rooms list did.
    virtual void presence(std::string_view room, const Presence& presence) = 0;
    virtual void rooms_changed(std::string_view rooms_json) = 0;

    // Messages of `room` were lost to this process's clients (more was said
    // there during an outage than its history keeps): they are to come
    // back, and will then be told `recovered: false`.
    virtual void lost_track(std::string_view room) = 0;

    // Whether any client of this process is in `room` (so that the engine
    // need not fetch what nobody here would be sent).
    virtual bool has_members(std::string_view room) const = 0;
    // Every client of this process that is in a room: `visit(id, nickname,
    // room)` for each (a Redis engine registers them again after an outage).
    virtual void for_each_member(
        const std::function<void(ClientId id, std::string_view nickname, std::string_view room)>& visit)
        const = 0;
    // Unasked: the client's nickname is now `to` (it is sent a `renamed`).
    // After an outage, another process's client had taken `from`, so this
    // one was given a guest name.
    virtual void reassigned(ClientId id, std::string_view from, std::string_view to) = 0;

protected:
    ~EngineEvents() = default;
};

class Engine {
public:
    virtual ~Engine() = default;

    // The chat that hears the answers and events; called once, first.
    virtual void attach(EngineEvents& events) = 0;
    // Whether requests can be served now (false while Redis is out of reach:
    // every request is then refused as unavailable).
    virtual bool available() const = 0;

    // A new client enters `room` under `nickname` (or under a fresh guest
    // name when it is empty or taken). Answer: entered() or refused().
    virtual void enter(ClientId id, std::string_view nickname, std::string_view room,
                       std::optional<std::uint64_t> since) = 0;
    // The client moves from one room to another (or the same). Answer:
    // entered() or refused().
    virtual void move(ClientId id, std::string_view nickname, std::string_view from,
                      std::string_view to, std::optional<std::uint64_t> since) = 0;
    // Answer: renamed() or refused() (bad_nickname when taken).
    virtual void rename(ClientId id, std::string_view from, std::string_view to,
                        std::string_view room) = 0;
    // `message_tail` is a new_message payload without its id: the engine
    // gives the id and writes {"id":<id> in front. Answer: message() to the
    // room, then posted(); or refused().
    virtual void post(ClientId id, std::string_view room, std::string_view message_tail) = 0;
    // The client is gone. No answer.
    virtual void leave(ClientId id, std::string_view nickname, std::string_view room) = 0;

    // The rooms list now (the `rooms` envelope's payload).
    virtual std::string_view room_list() = 0;
    // Called every flush interval: report what changed since the last call,
    // through presence() and rooms_changed().
    virtual void flush() = 0;
    // The process is stopping, its clients gone: finish what is shared (a
    // Redis engine takes this node out at once, rather than letting the
    // others find it dead), then call `done`, from inside the call or later.
    virtual void shut_down(std::function<void()> done) = 0;
};

}  // namespace wirechat::app
