#include "app/chat.h"

#include <algorithm>
#include <utility>
#include <variant>

#include "app/envelope_writer.h"
#include "app/text_rules.h"

namespace wirechat::app {

namespace {

// Where every client starts unless it asks for another room.
constexpr std::string_view kLobby = "lobby";

constexpr std::string_view kSignedNickname = "your nickname is the one your token names";
constexpr std::string_view kRoomNotAllowed = "your token does not let you into that room";

constexpr std::string_view kBacklogFull =
    "the server is waiting for its store and keeps no more envelopes; try again";

}  // namespace

Chat::Chat(Transport& transport, Engine& engine, ChatOptions options)
    : transport_(transport),
      engine_(engine),
      options_(options),
      reader_(options.max_envelope_bytes, options.max_depth) {
    engine_.attach(*this);
}

bool Identity::may_enter(std::string_view room) const {
    return !rooms || std::find(rooms->begin(), rooms->end(), room) != rooms->end();
}

void Chat::connect(ClientId id, std::int64_t now_ms, const Arrival& arrival) {
    if (clients_.contains(id)) return;
    Client& client =
        clients_.emplace(id, Client{.limiter = RateLimiter(options_.rate_burst, options_.rate_per_second, now_ms)})
            .first->second;
    arrive(id, client, arrival);
}

void Chat::connect(ClientId id, std::int64_t now_ms, const Arrival& arrival, Identity identity) {
    if (clients_.contains(id)) return;
    Client& client =
        clients_
            .emplace(id, Client{.limiter = RateLimiter(options_.rate_burst, options_.rate_per_second, now_ms),
                                .identity = std::make_unique<const Identity>(std::move(identity))})
            .first->second;
    arrive(id, client, arrival);
}

void Chat::arrive(ClientId id, Client& client, const Arrival& arrival) {
    if (!arrival.inspect_token.empty()) client.inspect_token = std::make_unique<std::string>(arrival.inspect_token);
    // A bad parameter does not keep the client out: it enters as if it had
    // not asked, and hears why right after its welcome.
    const Identity* identity = client.identity.get();
    std::string_view nickname, room = kLobby;
    if (identity && !identity->may_enter(kLobby)) room = identity->rooms->front();
    std::optional<std::uint64_t> since;
    if (identity) {
        nickname = identity->nickname;
        if (arrival.nickname && trim_whitespace(*arrival.nickname) != nickname)
            wait(client, {.code = ErrorCode::forbidden, .text = std::string(kSignedNickname)});
    } else if (arrival.nickname) {
        const std::string_view trimmed = trim_whitespace(*arrival.nickname);
        if (std::string problem = nickname_problem(trimmed); problem.empty()) nickname = trimmed;
        else wait(client, {.code = ErrorCode::bad_nickname, .text = std::move(problem)});
    }
    if (arrival.room) {
        if (!is_valid_room_name(*arrival.room, options_.max_room))
            wait(client, {.code = ErrorCode::bad_room, .text = room_problem()});
        else if (identity && !identity->may_enter(*arrival.room))
            wait(client, {.code = ErrorCode::forbidden, .text = std::string(kRoomNotAllowed)});
        else room = *arrival.room;
    }
    if (arrival.since) {
        since = parse_id(*arrival.since, max_since);
        if (!since) wait(client, {.code = ErrorCode::bad_since, .text = std::string(since_rule)});
    }
    client.busy = true;
    engine_.enter(id, nickname, room, since);
}

void Chat::receive(ClientId id, std::string_view text, std::int64_t now_ms) {
    const auto found = clients_.find(id);
    if (found == clients_.end()) return;
    Client& client = found->second;
    if (client.gone || client.ended) return;

    // Before anything else, so that even garbage spends the sender's tokens.
    if (!client.limiter.try_take(now_ms)) {
        refuse_in_turn(client, id, ErrorCode::rate_limited, "too many envelopes; slow down");
        return;
    }
    const auto decoded = reader_.read(text);
    if (const auto* refusal = std::get_if<Refusal>(&decoded)) {
        refuse_in_turn(client, id, refusal->code, refusal->message);
        return;
    }
    const Request& request = std::get<Request>(decoded);
    ++stats_.envelopes[std::size_t(request.type)];
    if (!client.busy) {
        handle(id, client, request.type, request.text, request.since, now_ms);
        return;
    }
    if (backlog_bytes_ + sizeof(Waiting) + request.text.size() > options_.max_backlog_bytes) {
        wait(client, {.code = ErrorCode::unavailable, .text = std::string(kBacklogFull)});
        return;
    }
    wait(client, {.request = request.type, .text = std::string(request.text), .since = request.since,
                  .now_ms = now_ms});
}

void Chat::disconnect(ClientId id) {
    const auto found = clients_.find(id);
    if (found == clients_.end() || found->second.gone) return;
    Client& client = found->second;
    if (!client.busy) {
        forget(id, client, true);
        return;
    }
    // The engine is still working on its request (say, registering its new
    // nickname): forgetting it now would leave that behind. done() finishes.
    client.gone = true;
    ++gone_;
    drop_backlog(client);
}

void Chat::handle(ClientId id, Client& client, RequestType type, std::string_view text,
                  std::optional<std::uint64_t> since, std::int64_t now_ms) {
    switch (type) {
    case RequestType::nickname: change_nickname(id, client, text); break;
    case RequestType::new_message: post_message(id, client, text, now_ms); break;
    case RequestType::join: join_room(id, client, text, since); break;
    case RequestType::rooms:
        scratch_.clear();
        write_rooms(scratch_, engine_.room_list());
        transport_.send(id, scratch_);
        break;
    }
}

std::string Chat::nickname_problem(std::string_view nickname) const {
    const std::size_t length = count_code_points(nickname);
    if (length == 0 || length > options_.max_nickname)
        return "a nickname is 1 to " + std::to_string(options_.max_nickname) + " characters";
    if (has_control_character(nickname)) return "a nickname cannot contain control characters";
    return {};
}

bool Chat::is_room_name(std::string_view room) const { return is_valid_room_name(room, options_.max_room); }

std::string Chat::room_problem() const {
    return "a room name is 1 to " + std::to_string(options_.max_room) + " characters of A-Z a-z 0-9 _ -";
}

void Chat::change_nickname(ClientId id, Client& client, std::string_view requested) {
    if (client.identity) {
        refuse(id, ErrorCode::forbidden, kSignedNickname);
        return;
    }
    const std::string_view nickname = trim_whitespace(requested);
    if (std::string problem = nickname_problem(nickname); !problem.empty()) {
        refuse(id, ErrorCode::bad_nickname, problem);
        return;
    }
    if (nickname == client.nickname) {  // allowed, and answered the same way
        scratch_.clear();
        write_nickname(scratch_, client.nickname);
        transport_.send(id, scratch_);
        return;
    }
    client.busy = true;
    engine_.rename(id, client.nickname, nickname, client.room->name);
}

void Chat::post_message(ClientId id, Client& client, std::string_view requested, std::int64_t now_ms) {
    const std::string_view text = trim_whitespace(requested);
    const std::size_t length = count_code_points(text);
    if (length == 0 || length > options_.max_text) {
        refuse(id, ErrorCode::bad_message,
               "a message is 1 to " + std::to_string(options_.max_text) + " characters");
        return;
    }
    message_scratch_.clear();
    write_message_tail(message_scratch_, client.room->name, client.nickname, text, now_ms);
    client.busy = true;
    engine_.post(id, client.room->name, message_scratch_);
}

void Chat::join_room(ClientId id, Client& client, std::string_view room_name,
                     std::optional<std::uint64_t> since) {
    if (!is_valid_room_name(room_name, options_.max_room)) {
        refuse(id, ErrorCode::bad_room, room_problem());
        return;
    }
    if (client.identity && !client.identity->may_enter(room_name)) {
        refuse(id, ErrorCode::forbidden, kRoomNotAllowed);
        return;
    }
    client.busy = true;
    engine_.move(id, client.nickname, client.room->name, room_name, since);
}

// ---- the engine's answers ------------------------------------------------

void Chat::entered(ClientId id, const Entry& entry) {
    const auto found = clients_.find(id);
    if (found == clients_.end()) return;
    Client& client = found->second;
    if (client.gone) {
        // Gone while the engine put it in `entry.room`: take it out again.
        engine_.leave(id, entry.nickname, entry.room);
        forget(id, client, false);
        return;
    }
    const bool arriving = client.room == nullptr;
    if (arriving && client.identity && entry.nickname != client.identity->nickname) {
        // The engine gave a guest name: the signed one is in use, by the
        // same identity connected elsewhere. One connection holds a name.
        engine_.leave(id, entry.nickname, entry.room);
        send_away(id, client, ErrorCode::bad_nickname, client.identity->nickname + " is already connected",
                  Transport::Ending::refused);
        return;
    }
    if (arriving) {
        client.nickname.assign(entry.nickname);
        client.everyone_slot = everyone_.add(id);
    } else {
        leave_local(client);
    }
    enter_local(id, client, entry.room);

    scratch_.clear();
    if (arriving) {
        write_welcome(scratch_, entry, client.inspect_token ? std::string_view(*client.inspect_token) : "");
        client.inspect_token.reset();
    } else {
        write_joined(scratch_, entry);
    }
    transport_.send(id, scratch_);
    done(id);
}

void Chat::renamed(ClientId id, std::string_view nickname) {
    const auto found = clients_.find(id);
    if (found == clients_.end()) return;
    Client& client = found->second;
    client.nickname.assign(nickname);
    if (!client.gone) {
        scratch_.clear();
        write_nickname(scratch_, nickname);
        transport_.send(id, scratch_);
    }
    done(id);
}

void Chat::posted(ClientId id) { done(id); }

void Chat::refused(ClientId id, ErrorCode code, std::string_view message) {
    const auto found = clients_.find(id);
    if (found == clients_.end()) return;
    Client& client = found->second;
    if (client.room == nullptr && !client.gone) {
        // Its arrival failed: without a welcome there is no chat to stay in.
        send_away(id, client, code, message, Transport::Ending::try_again);
        return;
    }
    if (!client.gone) refuse(id, code, message);
    done(id);
}

// A client that has no room (yet) hears why, and its connection is closed.
void Chat::send_away(ClientId id, Client& client, ErrorCode code, std::string_view message, Transport::Ending why) {
    refuse(id, code, message);
    client.busy = false;
    client.ended = true;
    drop_backlog(client);
    transport_.end(id, message, why);
}

void Chat::message(std::string_view room, std::string_view message_json) {
    const auto found = rooms_.find(room);
    if (found == rooms_.end()) return;
    scratch_.clear();
    write_new_message(scratch_, message_json);
    transport_.broadcast(found->second.members.ids(), scratch_);
}

void Chat::presence(std::string_view room, const Presence& presence) {
    const auto found = rooms_.find(room);
    if (found == rooms_.end()) return;
    scratch_.clear();
    write_presence(scratch_, room, presence);
    transport_.broadcast(found->second.members.ids(), scratch_);
}

void Chat::rooms_changed(std::string_view rooms_json) {
    scratch_.clear();
    write_rooms(scratch_, rooms_json);
    transport_.broadcast(everyone_.ids(), scratch_);
}

void Chat::lost_track(std::string_view room) {
    const auto found = rooms_.find(room);
    if (found == rooms_.end()) return;
    for (ClientId id : found->second.members.ids()) {
        clients_.find(id)->second.ended = true;
        transport_.end(id, "messages were missed: come back to get the room's last ones", Transport::Ending::try_again);
    }
}

bool Chat::has_members(std::string_view room) const { return rooms_.find(room) != rooms_.end(); }

void Chat::for_each_member(
    const std::function<void(ClientId, std::string_view, std::string_view)>& visit) const {
    for (const auto& [id, client] : clients_)
        if (client.room) visit(id, client.nickname, client.room->name);
}

void Chat::reassigned(ClientId id, std::string_view from, std::string_view to) {
    const auto found = clients_.find(id);
    // Renamed again meanwhile: that rename stands.
    if (found == clients_.end() || found->second.nickname != from) return;
    found->second.nickname.assign(to);
    if (found->second.gone) return;
    if (found->second.identity) {
        // During an outage the same identity connected on another node,
        // which now holds the name: this connection gives way, and nothing
        // it queued is said under the name it was given meanwhile.
        found->second.ended = true;
        drop_backlog(found->second);
        transport_.end(id, std::string(from) + " connected elsewhere", Transport::Ending::refused);
        return;
    }
    scratch_.clear();
    write_renamed(scratch_, from, to);
    transport_.send(id, scratch_);
}

// ---- one request at a time per client --------------------------------------

void Chat::refuse_in_turn(Client& client, ClientId id, ErrorCode code, std::string_view message) {
    if (!client.busy) {
        refuse(id, code, message);
        return;
    }
    wait(client, {.code = code, .text = std::string(message)});
}

void Chat::wait(Client& client, Waiting waiting) {
    if (!client.backlog) client.backlog = std::make_unique<std::vector<Waiting>>();
    std::vector<Waiting>& backlog = *client.backlog;
    // A flood of refusals (rate_limited, say) while the client waits takes
    // one entry, not one per envelope.
    if (!waiting.request && !backlog.empty()) {
        Waiting& last = backlog.back();
        if (!last.request && last.code == waiting.code && last.text == waiting.text) {
            ++last.count;
            return;
        }
    }
    backlog_bytes_ += cost(waiting);
    backlog.push_back(std::move(waiting));
}

// What an envelope waiting in a backlog counts against max_backlog_bytes.
std::size_t Chat::cost(const Waiting& waiting) { return sizeof(Waiting) + waiting.text.size(); }

void Chat::drop_backlog(Client& client) {
    if (!client.backlog) return;
    for (const Waiting& waiting : *client.backlog) backlog_bytes_ -= cost(waiting);
    client.backlog.reset();
}

void Chat::done(ClientId id) {
    const auto found = clients_.find(id);
    if (found == clients_.end()) return;
    Client& client = found->second;
    client.busy = false;
    if (client.gone) forget(id, client, true);
    else proceed(id, client);
}

// Answers the client's backlog in order, until a request waits for the
// engine again. The engine may answer inside the call (the memory engine
// always does), which lands in done() and back here: the flag keeps that
// from recursing, and this loop goes on instead.
void Chat::proceed(ClientId id, Client& client) {
    if (client.proceeding) return;
    client.proceeding = true;
    std::size_t next = 0;
    while (!client.busy && client.backlog && next < client.backlog->size()) {
        Waiting waiting = std::move((*client.backlog)[next++]);
        backlog_bytes_ -= cost(waiting);
        if (!waiting.request) {
            for (std::uint32_t i = 0; i < waiting.count; ++i) refuse(id, waiting.code, waiting.text);
            continue;
        }
        handle(id, client, *waiting.request, waiting.text, waiting.since, waiting.now_ms);
    }
    if (client.backlog) {
        client.backlog->erase(client.backlog->begin(), client.backlog->begin() + std::ptrdiff_t(next));
        if (client.backlog->empty()) client.backlog.reset();
    }
    client.proceeding = false;
}

void Chat::forget(ClientId id, Client& client, bool tell_engine) {
    if (client.room) {
        if (tell_engine) engine_.leave(id, client.nickname, client.room->name);
        leave_local(client);
        if (const auto moved = everyone_.remove(client.everyone_slot))
            clients_.find(*moved)->second.everyone_slot = client.everyone_slot;
    }
    if (client.gone) --gone_;
    clients_.erase(id);
}

// ---- this process's rooms ----------------------------------------------------

void Chat::enter_local(ClientId id, Client& client, std::string_view room_name) {
    auto found = rooms_.find(room_name);
    if (found == rooms_.end()) found = rooms_.emplace(std::string(room_name), LocalRoom{std::string(room_name), {}}).first;
    client.room = &found->second;
    client.room_slot = found->second.members.add(id);
}

void Chat::leave_local(Client& client) {
    LocalRoom& room = *client.room;
    if (const auto moved = room.members.remove(client.room_slot))
        clients_.find(*moved)->second.room_slot = client.room_slot;
    client.room = nullptr;
    if (room.members.empty()) rooms_.erase(rooms_.find(room.name));
}

void Chat::refuse(ClientId id, ErrorCode code, std::string_view message) {
    ++stats_.errors[std::size_t(code)];
    scratch_.clear();
    write_error(scratch_, code, message);
    transport_.send(id, scratch_);
}

}  // namespace wirechat::app
