#include "app/chat.h"

#include <utility>
#include <variant>

#include "app/envelope_writer.h"
#include "app/text_rules.h"

namespace wirechat::app {

namespace {

// Where every client starts; it is never deleted, even when empty.
constexpr std::string_view kLobby = "lobby";

}  // namespace

Chat::Chat(Transport& transport, ChatOptions options, std::uint64_t first_message_id)
    : transport_(transport),
      options_(options),
      next_message_id_(first_message_id),
      reader_(options.max_envelope_bytes, options.max_depth) {
    rooms_.emplace(std::string(kLobby), Room(std::string(kLobby), options_.history_per_room));
    // Nobody needs to hear about the empty lobby that was always there.
    room_list_sent_ = room_list();
}

void Chat::connect(ClientId id, std::int64_t now_ms) {
    if (clients_.contains(id)) return;
    Client fresh{next_guest_name(), nullptr, 0, everyone_.size(),
                 RateLimiter(options_.rate_burst, options_.rate_per_second, now_ms)};
    Client& client = clients_.emplace(id, std::move(fresh)).first->second;
    nickname_owners_.emplace(client.nickname, id);
    everyone_.push_back(id);
    enter_room(id, client, kLobby);

    scratch_.clear();
    write_welcome(scratch_, client.nickname, *client.room, options_.users_listed, room_list());
    transport_.send(id, scratch_);
}

void Chat::receive(ClientId id, std::string_view text, std::int64_t now_ms) {
    const auto found = clients_.find(id);
    if (found == clients_.end()) return;
    Client& client = found->second;

    // Before anything else, so that even garbage spends the sender's tokens.
    if (!client.limiter.try_take(now_ms)) {
        refuse(id, ErrorCode::rate_limited, "too many envelopes; slow down");
        return;
    }
    const auto decoded = reader_.read(text);
    if (const auto* refusal = std::get_if<Refusal>(&decoded)) {
        refuse(id, refusal->code, refusal->message);
        return;
    }
    const Request& request = std::get<Request>(decoded);
    switch (request.type) {
    case RequestType::nickname: change_nickname(id, client, request.text); break;
    case RequestType::new_message: post_message(id, client, request.text, now_ms); break;
    case RequestType::join: join_room(id, client, request.text); break;
    case RequestType::rooms: send_rooms(id); break;
    }
}

void Chat::disconnect(ClientId id) {
    const auto found = clients_.find(id);
    if (found == clients_.end()) return;
    Client& client = found->second;
    leave_room(client);
    nickname_owners_.erase(client.nickname);

    const ClientId last = everyone_.back();
    everyone_[client.everyone_slot] = last;
    clients_.find(last)->second.everyone_slot = client.everyone_slot;
    everyone_.pop_back();

    clients_.erase(found);
}

void Chat::flush() {
    for (const std::string& name : presence_due_) {
        const auto found = rooms_.find(name);
        if (found == rooms_.end()) continue;  // emptied and deleted since
        const Room& room = found->second;
        scratch_.clear();
        write_presence(scratch_, room, options_.users_listed);
        transport_.broadcast(room.members(), scratch_);
    }
    presence_due_.clear();

    if (!rooms_changed_) return;
    rooms_changed_ = false;
    // A client that went to another room and came back within one flush
    // changed nothing worth telling everyone about.
    const std::string_view list = room_list();
    if (list == room_list_sent_) return;
    room_list_sent_.assign(list);
    scratch_.clear();
    write_rooms(scratch_, list);
    transport_.broadcast(everyone_, scratch_);
}

void Chat::change_nickname(ClientId id, Client& client, std::string_view requested) {
    const std::string_view nickname = trim_whitespace(requested);
    const std::size_t length = count_code_points(nickname);
    if (length == 0 || length > options_.max_nickname) {
        refuse(id, ErrorCode::bad_nickname,
               "a nickname is 1 to " + std::to_string(options_.max_nickname) + " characters");
        return;
    }
    if (has_control_character(nickname)) {
        refuse(id, ErrorCode::bad_nickname, "a nickname cannot contain control characters");
        return;
    }
    if (nickname != client.nickname) {
        if (nickname_owners_.contains(nickname)) {
            refuse(id, ErrorCode::bad_nickname, "that nickname is taken");
            return;
        }
        nickname_owners_.erase(client.nickname);
        client.room->rename(client.nickname, nickname);
        client.nickname.assign(nickname);
        nickname_owners_.emplace(client.nickname, id);
        presence_changed(*client.room);
    }
    scratch_.clear();
    write_nickname(scratch_, client.nickname);
    transport_.send(id, scratch_);
}

void Chat::post_message(ClientId id, Client& client, std::string_view requested,
                        std::int64_t now_ms) {
    const std::string_view text = trim_whitespace(requested);
    const std::size_t length = count_code_points(text);
    if (length == 0 || length > options_.max_text) {
        refuse(id, ErrorCode::bad_message,
               "a message is 1 to " + std::to_string(options_.max_text) + " characters");
        return;
    }
    Room& room = *client.room;
    message_scratch_.clear();
    write_message(message_scratch_, next_message_id_++, room.name(), client.nickname, text, now_ms);
    room.history().push(message_scratch_);
    scratch_.clear();
    write_new_message(scratch_, message_scratch_);
    transport_.broadcast(room.members(), scratch_);
}

void Chat::join_room(ClientId id, Client& client, std::string_view room_name) {
    if (!is_valid_room_name(room_name, options_.max_room)) {
        refuse(id, ErrorCode::bad_room,
               "a room name is 1 to " + std::to_string(options_.max_room) +
                   " characters of A-Z a-z 0-9 _ -");
        return;
    }
    if (room_name != client.room->name()) {
        leave_room(client);
        enter_room(id, client, room_name);
    }
    scratch_.clear();
    write_joined(scratch_, *client.room, options_.users_listed);
    transport_.send(id, scratch_);
}

void Chat::send_rooms(ClientId id) {
    const std::string_view list = room_list();
    scratch_.clear();
    write_rooms(scratch_, list);
    transport_.send(id, scratch_);
}

void Chat::enter_room(ClientId id, Client& client, std::string_view room_name) {
    auto found = rooms_.find(room_name);
    if (found == rooms_.end()) {
        std::string name(room_name);
        found = rooms_.emplace(name, Room(name, options_.history_per_room)).first;
    }
    Room& room = found->second;
    client.room = &room;
    client.room_slot = room.add(id, client.nickname);
    members_changed(room);
}

void Chat::leave_room(Client& client) {
    Room& room = *client.room;
    if (const auto moved = room.remove(client.room_slot, client.nickname)) {
        clients_.find(*moved)->second.room_slot = client.room_slot;
    }
    client.room = nullptr;
    members_changed(room);
    if (room.empty() && room.name() != kLobby) rooms_.erase(rooms_.find(room.name()));
}

void Chat::presence_changed(const Room& room) {
    presence_due_.insert(room.name());
}

void Chat::members_changed(const Room& room) {
    presence_changed(room);
    rooms_changed_ = true;
    room_list_stale_ = true;
}

std::string_view Chat::room_list() {
    if (room_list_stale_) {
        room_list_.clear();
        write_room_list(room_list_, rooms_);
        room_list_stale_ = false;
    }
    return room_list_;
}

std::string Chat::next_guest_name() {
    // A client may have picked "guest-<n>" by hand; skip numbers until free.
    std::string name;
    do {
        name = "guest-" + std::to_string(++guest_counter_);
    } while (nickname_owners_.contains(name));
    return name;
}

void Chat::refuse(ClientId id, ErrorCode code, std::string_view message) {
    scratch_.clear();
    write_error(scratch_, code, message);
    transport_.send(id, scratch_);
}

}  // namespace wirechat::app
