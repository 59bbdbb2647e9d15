// The engine of a chat that lives in one process: everything in memory, and
// every request answered before the call returns. The default; see
// app/engine.h for the seam and cluster/redis_engine.h for the other side.
//
// Built for one room of 10,000: joining, leaving and renaming are O(log n),
// user lists come from a sorted set (listing the first 200 names is
// O(listed), not a sort of the room), history is a ring of ready-made JSON,
// and presence and rooms-list updates are only marked as things happen and
// reported by flush(), so a stampede of joins costs one presence per room
// per flush rather than one per join to every member.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>

#include "app/chat_options.h"
#include "app/engine.h"
#include "app/message_history.h"

namespace wirechat::app {

class MemoryEngine final : public Engine {
public:
    // `first_message_id`: the id of the first message. The server seeds it
    // from the wall clock so that a restarted server never reuses an id;
    // every id below it is of an earlier run, whose history is gone.
    MemoryEngine(ChatOptions options, std::uint64_t first_message_id);

    void attach(EngineEvents& events) override { events_ = &events; }
    bool available() const override { return true; }
    void enter(ClientId id, std::string_view nickname, std::string_view room,
               std::optional<std::uint64_t> since) override;
    void move(ClientId id, std::string_view nickname, std::string_view from, std::string_view to,
              std::optional<std::uint64_t> since) override;
    void rename(ClientId id, std::string_view from, std::string_view to,
                std::string_view room) override;
    void post(ClientId id, std::string_view room, std::string_view message_tail) override;
    void leave(ClientId id, std::string_view nickname, std::string_view room) override;
    std::string_view room_list() override;
    void flush() override;
    void shut_down(std::function<void()> done) override { done(); }

private:
    struct Room {
        explicit Room(std::size_t history_capacity) : history(history_capacity) {}
        std::set<std::string, std::less<>> nicknames;  // byte order, as listed
        MessageHistory history;
    };
    // Transparent hashing lets a string_view look up a std::string key.
    struct NameHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view name) const {
            return std::hash<std::string_view>{}(name);
        }
    };

    Room& join_room(std::string_view room, std::string_view nickname);
    void leave_room(std::string_view room, std::string_view nickname);
    void answer_entry(ClientId id, std::string_view nickname, const Room& room,
                      std::string_view room_name, std::optional<std::uint64_t> since);
    void write_users(std::string& out, const Room& room);
    // Someone entered or left: presence, and the rooms list's counts changed.
    void members_changed(std::string_view room);
    std::string next_guest_name();

    EngineEvents* events_ = nullptr;
    ChatOptions options_;
    std::uint64_t next_message_id_;
    std::uint64_t guest_counter_ = 0;
    std::unordered_set<std::string, NameHash, std::equal_to<>> nicknames_;  // taken
    // By name: the rooms list is sent sorted by name.
    std::map<std::string, Room, std::less<>> rooms_;

    // Coalescing state for flush(): rooms whose members changed, by name, as
    // a room may be deleted (and even recreated) before the flush. A set:
    // one presence per room per flush.
    std::set<std::string, std::less<>> presence_due_;
    bool rooms_changed_ = false;
    std::string room_list_;          // cached JSON of the rooms list...
    bool room_list_stale_ = true;    // ...rebuilt on demand after a change
    std::string room_list_sent_;     // what flush() last reported

    std::string users_scratch_, history_scratch_, message_scratch_;
};

}  // namespace wirechat::app
