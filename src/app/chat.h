// The chat itself: a sans-I/O state machine. Text envelopes come in through
// receive(), envelopes go out through the Transport; the caller supplies
// connections, disconnections and the time. docs/protocol.md is the contract
// it implements.
//
// Built for one room of 10,000: every broadcast is encoded once and handed to
// the Transport with the room's own member vector as recipients; joining,
// leaving and renaming are O(1) or O(log n); and presence / rooms-list
// updates are only marked dirty as things happen and sent by flush(), so a
// stampede of joins costs one presence per room per flush rather than one
// per join to every member.
//
// Not thread-safe: one thread (the event loop) drives a Chat.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "app/chat_options.h"
#include "app/envelope_reader.h"
#include "app/rate_limiter.h"
#include "app/room.h"
#include "app/transport.h"

namespace wirechat::app {

class Chat {
public:
    // `first_message_id`: the id of the first message. The server seeds it
    // from the wall clock so that a restarted server never reuses an id.
    Chat(Transport& transport, ChatOptions options = {}, std::uint64_t first_message_id = 1);

    // A client arrived: it gets a guest nickname, enters the lobby and is
    // sent a welcome. An id that is already connected is ignored.
    void connect(ClientId id, std::int64_t now_ms);
    // One complete text message from the client. Unknown ids are ignored.
    void receive(ClientId id, std::string_view text, std::int64_t now_ms);
    // The client is gone. Unknown ids are ignored.
    void disconnect(ClientId id);
    // Sends the coalesced updates: at most one presence per room that changed,
    // then one rooms list to everyone if the list or a count changed.
    void flush();

    std::size_t client_count() const { return clients_.size(); }

private:
    struct Client {
        std::string nickname;
        Room* room;              // never null while connected
        std::size_t room_slot;   // this client's index in room->members()
        std::size_t everyone_slot;
        RateLimiter limiter;
    };

    // Transparent hashing lets a string_view look up a std::string key.
    struct NameHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view name) const {
            return std::hash<std::string_view>{}(name);
        }
    };

    void change_nickname(ClientId id, Client& client, std::string_view requested);
    void post_message(ClientId id, Client& client, std::string_view requested,
                      std::int64_t now_ms);
    void join_room(ClientId id, Client& client, std::string_view room_name);
    void send_rooms(ClientId id);

    void enter_room(ClientId id, Client& client, std::string_view room_name);
    void leave_room(Client& client);
    // A name in the room changed: its members get a presence at the next flush.
    void presence_changed(const Room& room);
    // Someone entered or left: presence, and the rooms list's counts changed.
    void members_changed(const Room& room);
    std::string_view room_list();
    std::string next_guest_name();
    void refuse(ClientId id, ErrorCode code, std::string_view message);

    Transport& transport_;
    ChatOptions options_;
    std::uint64_t next_message_id_;
    std::uint64_t guest_counter_ = 0;

    std::unordered_map<ClientId, Client> clients_;
    std::unordered_map<std::string, ClientId, NameHash, std::equal_to<>> nickname_owners_;
    std::vector<ClientId> everyone_;  // every connected client: the rooms-list audience
    RoomDirectory rooms_;

    // Coalescing state for flush(): rooms whose members changed, by name
    // rather than by pointer because a room may be deleted (and even
    // recreated) before the flush. A set: one presence per room per flush.
    std::set<std::string, std::less<>> presence_due_;
    bool rooms_changed_ = false;
    std::string room_list_;          // cached JSON of the rooms list...
    bool room_list_stale_ = true;    // ...rebuilt on demand after a change
    std::string room_list_sent_;     // what flush() last broadcast

    EnvelopeReader reader_;
    std::string scratch_;            // reused for every outgoing envelope
    std::string message_scratch_;    // reused for every message payload
};

}  // namespace wirechat::app
