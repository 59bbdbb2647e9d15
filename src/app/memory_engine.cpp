#include "app/memory_engine.h"

#include "app/envelope_writer.h"

namespace wirechat::app {

namespace {

// Where every client starts; it is never deleted, even when empty.
constexpr std::string_view kLobby = "lobby";

}  // namespace

MemoryEngine::MemoryEngine(ChatOptions options, std::uint64_t first_message_id)
    : options_(options), next_message_id_(first_message_id) {
    // One more message than a newcomer is shown: a client that missed
    // exactly history_per_room messages still finds the last one it saw,
    // which is how recovery knows that nothing after it was dropped.
    rooms_.emplace(std::string(kLobby), Room(options_.history_per_room + 1));
    // Nobody needs to hear about the empty lobby that was always there.
    room_list_sent_ = room_list();
}

void MemoryEngine::enter(ClientId id, std::string_view nickname, std::string_view room,
                         std::optional<std::uint64_t> since) {
    std::string name = nickname.empty() || nicknames_.contains(nickname) ? next_guest_name()
                                                                         : std::string(nickname);
    nicknames_.insert(name);
    const Room& entered_room = join_room(room, name);
    answer_entry(id, name, entered_room, room, since);
}

void MemoryEngine::move(ClientId id, std::string_view nickname, std::string_view from,
                        std::string_view to, std::optional<std::uint64_t> since) {
    if (from != to) {
        leave_room(from, nickname);
        join_room(to, nickname);
    }
    answer_entry(id, nickname, rooms_.find(to)->second, to, since);
}

void MemoryEngine::rename(ClientId id, std::string_view from, std::string_view to,
                          std::string_view room) {
    if (from != to) {
        if (nicknames_.contains(to)) {
            events_->refused(id, ErrorCode::bad_nickname, "that nickname is taken");
            return;
        }
        if (auto it = nicknames_.find(from); it != nicknames_.end()) nicknames_.erase(it);
        nicknames_.emplace(to);
        if (auto found = rooms_.find(room); found != rooms_.end()) {
            auto& names = found->second.nicknames;
            if (auto it = names.find(from); it != names.end()) names.erase(it);
            names.emplace(to);
        }
        presence_due_.emplace(room);
    }
    events_->renamed(id, to);
}

void MemoryEngine::post(ClientId id, std::string_view room, std::string_view message_tail) {
    const std::uint64_t message_id = next_message_id_++;
    message_scratch_.clear();
    write_message_head(message_scratch_, message_id);
    message_scratch_ += message_tail;
    if (auto found = rooms_.find(room); found != rooms_.end())
        found->second.history.push(message_id, message_scratch_);
    events_->message(room, message_scratch_);
    events_->posted(id);
}

void MemoryEngine::leave(ClientId, std::string_view nickname, std::string_view room) {
    if (auto it = nicknames_.find(nickname); it != nicknames_.end()) nicknames_.erase(it);
    leave_room(room, nickname);
}

std::string_view MemoryEngine::room_list() {
    if (room_list_stale_) {
        room_list_.clear();
        room_list_ += '[';
        for (const auto& [name, room] : rooms_) {
            if (room_list_.size() > 1) room_list_ += ',';
            append_room(room_list_, name, room.nicknames.size());
        }
        room_list_ += ']';
        room_list_stale_ = false;
    }
    return room_list_;
}

void MemoryEngine::flush() {
    for (const std::string& name : presence_due_) {
        const auto found = rooms_.find(name);
        if (found == rooms_.end() || !events_->has_members(name)) continue;  // emptied since
        users_scratch_.clear();
        write_users(users_scratch_, found->second);
        events_->presence(name, {users_scratch_, found->second.nicknames.size()});
    }
    presence_due_.clear();

    if (!rooms_changed_) return;
    rooms_changed_ = false;
    // A client that went to another room and came back within one flush
    // changed nothing worth telling everyone about.
    const std::string_view list = room_list();
    if (list == room_list_sent_) return;
    room_list_sent_.assign(list);
    events_->rooms_changed(list);
}

MemoryEngine::Room& MemoryEngine::join_room(std::string_view room_name, std::string_view nickname) {
    auto found = rooms_.find(room_name);
    if (found == rooms_.end())
        found = rooms_.emplace(std::string(room_name), Room(options_.history_per_room + 1)).first;
    found->second.nicknames.emplace(nickname);
    members_changed(room_name);
    return found->second;
}

void MemoryEngine::leave_room(std::string_view room_name, std::string_view nickname) {
    const auto found = rooms_.find(room_name);
    if (found == rooms_.end()) return;
    Room& room = found->second;
    if (auto it = room.nicknames.find(nickname); it != room.nicknames.end()) room.nicknames.erase(it);
    members_changed(room_name);
    // A room other than the lobby goes, history and all, with its last member.
    if (room.nicknames.empty() && room_name != kLobby) rooms_.erase(found);
}

void MemoryEngine::answer_entry(ClientId id, std::string_view nickname, const Room& room,
                                std::string_view room_name, std::optional<std::uint64_t> since) {
    const MessageHistory& history = room.history;
    const std::size_t shown = options_.history_per_room;
    std::size_t first = history.size() > shown ? history.size() - shown : 0;
    std::optional<bool> recovered;
    if (since) {
        // Everything after `since` is still here when the oldest message
        // kept is not after it: messages only ever leave from the old end.
        // An id this run never gave (a restart, another server) is not ours
        // to vouch for.
        recovered = history.size() > 0 && history.id_at(0) <= *since && *since < next_message_id_;
        if (*recovered) first = history.first_after(*since);
    }
    history_scratch_.clear();
    history_scratch_ += '[';
    for (std::size_t i = first; i < history.size(); ++i) {
        if (i > first) history_scratch_ += ',';
        history_scratch_ += history.at(i);
    }
    history_scratch_ += ']';
    users_scratch_.clear();
    write_users(users_scratch_, room);

    Entry entry{.nickname = nickname,
                .room = room_name,
                .presence = {users_scratch_, room.nicknames.size()},
                .history_json = history_scratch_,
                .recovered = recovered,
                .rooms_json = room_list()};
    events_->entered(id, entry);
}

// The users array: the first names in byte order, up to the limit.
void MemoryEngine::write_users(std::string& out, const Room& room) {
    out += '[';
    std::size_t listed = 0;
    for (const std::string& name : room.nicknames) {
        if (listed == options_.users_listed) break;
        if (listed++ > 0) out += ',';
        append_json_string(out, name);
    }
    out += ']';
}

void MemoryEngine::members_changed(std::string_view room) {
    presence_due_.emplace(room);
    rooms_changed_ = true;
    room_list_stale_ = true;
}

std::string MemoryEngine::next_guest_name() {
    // A client may have picked "guest-<n>" by hand; skip numbers until free.
    std::string name;
    do {
        name = "guest-" + std::to_string(++guest_counter_);
    } while (nicknames_.contains(name));
    return name;
}

}  // namespace wirechat::app
