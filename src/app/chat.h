// The chat itself: a sans-I/O state machine. Text envelopes come in through
// receive(), envelopes go out through the Transport; the caller supplies
// connections, disconnections and the time. docs/protocol.md is the contract
// it implements.
//
// The Chat holds the chat's rules and this process's clients; what all
// processes of one chat share (nicknames, rooms, ids, history, the messages
// themselves) it asks of an Engine (app/engine.h), whose answers may come
// later. Each client has at most one request with the engine: envelopes that
// arrive meanwhile wait in the client's backlog, in order, so that every
// client's answers still come in the order of its envelopes. The backlogs
// of all clients together are bounded (ChatOptions::max_backlog_bytes,
// counting each entry's size and text); past the bound, envelopes are
// answered with `unavailable` instead of being kept.
//
// Built for one room of 10,000: every broadcast is encoded once and handed to
// the Transport with the room's own member vector as recipients, and joining
// and leaving are O(1) here.
//
// Not thread-safe: one thread (the event loop) drives a Chat.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "app/chat_options.h"
#include "app/engine.h"
#include "app/envelope_reader.h"
#include "app/member_list.h"
#include "app/rate_limiter.h"
#include "app/transport.h"

namespace wirechat::app {

// What a client may ask for in the URL it connects with
// (ws://host/?room=dev&since=123&nickname=alice), percent-decoded;
// nullopt where it did not ask.
struct Arrival {
    std::optional<std::string_view> nickname = {}, room = {}, since = {};
};

// Who a client is, when a signed token says so (--auth-secret-file): its
// nickname, which it cannot change and which nobody else can hold, and the
// rooms it may be in (all, when not said). The server checked the token and
// that the name and rooms follow the chat's rules.
struct Identity {
    std::string nickname;
    std::optional<std::vector<std::string>> rooms;
    bool may_enter(std::string_view room) const;
};

// What the chat has done, counted for metrics: plain integers.
struct ChatStats {
    std::array<std::uint64_t, request_type_count> envelopes{};  // accepted, by type
    std::array<std::uint64_t, error_code_count> errors{};       // error envelopes sent, by code
};

class Chat final : private EngineEvents {
public:
    Chat(Transport& transport, Engine& engine, ChatOptions options = {});

    // A client arrived: it enters the room it asked for (else the lobby)
    // under the nickname it asked for when free (else a guest name), and is
    // sent a welcome; a bad parameter gets an error after it. An id that is
    // already connected is ignored.
    void connect(ClientId id, std::int64_t now_ms, const Arrival& arrival = {});
    // The same for a client with a signed identity: it enters under the
    // identity's nickname, in a room the identity allows (the one it asked
    // for, else the lobby, else the first it may enter). If that nickname
    // is already connected, the client is refused and sent away.
    void connect(ClientId id, std::int64_t now_ms, const Arrival& arrival, Identity identity);
    // One complete text message from the client. Unknown ids are ignored.
    void receive(ClientId id, std::string_view text, std::int64_t now_ms);
    // The client is gone. Unknown ids are ignored.
    void disconnect(ClientId id);
    // Sends the coalesced updates: presence to rooms whose members changed,
    // and the rooms list to everyone if it changed.
    void flush() { engine_.flush(); }
    // Every client is gone and the process stops: see Engine::shut_down().
    void shut_down(std::function<void()> done) { engine_.shut_down(std::move(done)); }

    std::size_t client_count() const { return clients_.size() - gone_; }
    // Rooms with at least one client of this process.
    std::size_t room_count() const { return rooms_.size(); }
    const ChatStats& stats() const { return stats_; }

    // The problem with a nickname, for the error envelope; empty if none.
    std::string nickname_problem(std::string_view nickname) const;
    bool is_room_name(std::string_view room) const;

private:
    struct LocalRoom {
        std::string name;
        MemberList members;  // this process's clients in the room
    };
    // An envelope that arrived while its client waited for the engine: a
    // request, or a refusal to answer in its turn (`count` identical ones
    // in a row are kept once).
    struct Waiting {
        std::optional<RequestType> request = {};  // nullopt: a refusal
        ErrorCode code = ErrorCode::bad_json;
        std::uint32_t count = 1;
        std::string text = {};  // the request's payload, or the refusal's message
        std::optional<std::uint64_t> since = {};
        std::int64_t now_ms = 0;
    };
    struct Client {
        std::string nickname = {};  // empty until the engine answered the arrival
        LocalRoom* room = nullptr;  // null until then
        std::size_t room_slot = 0;
        std::size_t everyone_slot = 0;
        RateLimiter limiter;
        bool busy = false;        // a request is with the engine
        bool gone = false;        // disconnected while busy: forgotten once answered
        bool ended = false;       // its arrival was refused; the transport closes it
        bool proceeding = false;  // proceed() is on the stack
        std::unique_ptr<std::vector<Waiting>> backlog = {};  // only while needed
        std::unique_ptr<const Identity> identity = {};       // only with signed identities
    };
    void arrive(ClientId id, Client& client, const Arrival& arrival);
    // Transparent hashing lets a string_view look up a std::string key.
    struct NameHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view name) const {
            return std::hash<std::string_view>{}(name);
        }
    };

    // EngineEvents
    void entered(ClientId id, const Entry& entry) override;
    void renamed(ClientId id, std::string_view nickname) override;
    void posted(ClientId id) override;
    void refused(ClientId id, ErrorCode code, std::string_view message) override;
    void message(std::string_view room, std::string_view message_json) override;
    void presence(std::string_view room, const Presence& presence) override;
    void rooms_changed(std::string_view rooms_json) override;
    void lost_track(std::string_view room) override;
    bool has_members(std::string_view room) const override;
    void for_each_member(
        const std::function<void(ClientId, std::string_view, std::string_view)>& visit) const override;
    void reassigned(ClientId id, std::string_view from, std::string_view to) override;

    void handle(ClientId id, Client& client, RequestType type, std::string_view text,
                std::optional<std::uint64_t> since, std::int64_t now_ms);
    void change_nickname(ClientId id, Client& client, std::string_view requested);
    void post_message(ClientId id, Client& client, std::string_view requested, std::int64_t now_ms);
    void join_room(ClientId id, Client& client, std::string_view room_name,
                   std::optional<std::uint64_t> since);
    std::string room_problem() const;

    // Answered now, or queued behind the request the client waits for.
    void refuse_in_turn(Client& client, ClientId id, ErrorCode code, std::string_view message);
    void wait(Client& client, Waiting waiting);
    static std::size_t cost(const Waiting& waiting);
    void drop_backlog(Client& client);
    // The engine answered the client's request: on to its backlog.
    void done(ClientId id);
    void proceed(ClientId id, Client& client);
    // Forget the client; `tell_engine`: it leaves its room in the engine too.
    void forget(ClientId id, Client& client, bool tell_engine);

    void enter_local(ClientId id, Client& client, std::string_view room_name);
    void leave_local(Client& client);
    void refuse(ClientId id, ErrorCode code, std::string_view message);
    void send_away(ClientId id, Client& client, ErrorCode code, std::string_view message, Transport::Ending why);

    Transport& transport_;
    Engine& engine_;
    ChatOptions options_;

    std::unordered_map<ClientId, Client> clients_;
    std::size_t gone_ = 0;  // clients_ kept only until the engine answers
    std::unordered_map<std::string, LocalRoom, NameHash, std::equal_to<>> rooms_;
    MemberList everyone_;   // every client in a room: the rooms-list audience
    std::size_t backlog_bytes_ = 0;  // what waits in all backlogs (see cost())
    ChatStats stats_;

    EnvelopeReader reader_;
    std::string scratch_;            // reused for every outgoing envelope
    std::string message_scratch_;    // reused for every message payload
};

}  // namespace wirechat::app
