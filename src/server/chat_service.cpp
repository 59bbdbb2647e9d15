#include "server/chat_service.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "access/token.h"
#include "app/text_rules.h"
#include "http/query.h"
#include "server/ws_session.h"
#include "ws/close_code.h"
#include "ws/deflate.h"
#include "ws/frame_writer.h"
#include "ws/utf8.h"

namespace wirechat::server {

namespace {

// Presence and room-list updates are coalesced and sent this often.
constexpr int flush_interval_ms = 200;

// While the engine cannot serve (Redis out of reach), a browser retries.
const http::Header retry_after[] = {{"Retry-After", "2"}};
// RFC 6750 3: how to authenticate, with a 401.
const http::Header bearer_challenge[] = {{"WWW-Authenticate", "Bearer realm=\"wirechat\", error=\"invalid_token\""}};

// The parameters a client may give in the chat's URL, decoded; nullopt if
// the query is malformed or a parameter the chat reads is not UTF-8 text.
std::optional<http::QueryPairs> arrival_query(const http::Request& request) {
    auto pairs = http::decode_query(request.query);
    if (!pairs) return std::nullopt;
    for (const char* name : {"nickname", "room", "since", "token", "inspect"}) {
        const std::string* value = http::find_query_value(*pairs, name);
        if (value && !ws::is_valid_utf8(*value)) return std::nullopt;
    }
    return pairs;
}

std::optional<std::string_view> parameter(const http::QueryPairs& pairs, std::string_view name) {
    const std::string* value = http::find_query_value(pairs, name);
    if (!value) return std::nullopt;
    return *value;
}

// One broadcast, framed once per way it goes out: plain, and compressed
// once per compressor its recipients use. The server's compressors keep no
// context and are shared per window size (ws::SharedDeflaters), so the
// compressed bytes are the same for every recipient that agreed on the same
// parameters.
class BroadcastFrames {
public:
    explicit BroadcastFrames(std::string_view envelope)
        : envelope_(reinterpret_cast<const std::uint8_t*>(envelope.data()), envelope.size()) {}

    const net::SharedBytes& for_compressor(ws::Deflater* deflater) {
        if (!deflater) return plain();
        for (const auto& [used, frame] : compressed_)
            if (used == deflater) return frame;
        std::optional<std::span<const std::uint8_t>> compressed = deflater->compress_if_smaller(envelope_);
        return compressed_.emplace_back(deflater, compressed ? frame(*compressed, ws::rsv_compressed) : plain())
            .second;
    }

private:
    const net::SharedBytes& plain() {
        if (!plain_) plain_ = frame(envelope_, 0);
        return plain_;
    }

    static net::SharedBytes frame(std::span<const std::uint8_t> payload, std::uint8_t rsv) {
        auto bytes = std::make_shared<std::string>();
        ws::append_frame(*bytes, ws::Opcode::text,
                         {reinterpret_cast<const char*>(payload.data()), payload.size()}, true, rsv);
        return bytes;
    }

    std::span<const std::uint8_t> envelope_;
    net::SharedBytes plain_;
    std::vector<std::pair<ws::Deflater*, net::SharedBytes>> compressed_;
};

}  // namespace

app::ChatOptions chat_options(const Options& options) {
    app::ChatOptions chat{.history_per_room = options.history};
    chat.rate_burst = options.chat_burst;
    chat.rate_per_second = options.chat_rate;
    return chat;
}

ChatService::ChatService(net::EventLoop& loop, const Options& options, ServerMetrics& metrics,
                         std::unique_ptr<app::Engine> engine)
    : loop_(loop),
      options_(options),
      metrics_(metrics),
      engine_(std::move(engine)),
      chat_(*this, *engine_, chat_options(options)) {
    loop_.timers().arm(flush_timer_, loop_.now_ms() + flush_interval_ms);
}

ChatService::~ChatService() { loop_.timers().cancel(flush_timer_); }

void ChatService::on_flush_timer() {
    chat_.flush();
    loop_.timers().arm(flush_timer_, loop_.now_ms() + flush_interval_ms);
}

WsService::Refusal ChatService::admit(const http::Request& request) {
    admitted_.reset();
    if (!engine_->available())
        return {503, "the chat cannot reach its store (Redis); try again shortly", retry_after};
    const std::optional<http::QueryPairs> pairs = arrival_query(request);
    if (!pairs) return {400, "the query string is malformed, or a parameter is not UTF-8 text"};
    if (!options_.auth_secret.empty()) {
        const std::optional<std::string_view> token = parameter(*pairs, "token");
        access::TokenCheck check = access::verify_token(token.value_or(""), options_.auth_secret, loop_.wall_ms() / 1000);
        if (!check.claims) return {401, check.why, bearer_challenge};
        std::optional<app::Identity> identity = identity_of(*check.claims);
        if (!identity) return {401, "the token's sub is not a nickname, or its rooms are not room names", bearer_challenge};
        admitted_ = std::move(identity);
    }
    return {};
}

// The claims of a good token as a chat identity, if they follow the chat's
// rules (a client cannot fix its token as it can resend an envelope).
std::optional<app::Identity> ChatService::identity_of(access::TokenClaims& claims) const {
    if (!ws::is_valid_utf8(claims.subject) || !chat_.nickname_problem(claims.subject).empty() ||
        app::trim_whitespace(claims.subject) != claims.subject)
        return std::nullopt;
    if (claims.rooms) {
        if (claims.rooms->empty()) return std::nullopt;
        for (const std::string& room : *claims.rooms)
            if (!chat_.is_room_name(room)) return std::nullopt;
    }
    return app::Identity{std::move(claims.subject), std::move(claims.rooms)};
}

void ChatService::opened(WsSession& session, const http::Request& request, std::string_view inspect_token) {
    session.tag = sessions_.add(session);
    const http::QueryPairs pairs = arrival_query(request).value_or(http::QueryPairs{});
    const app::Arrival arrival{.nickname = parameter(pairs, "nickname"),
                               .room = parameter(pairs, "room"),
                               .since = parameter(pairs, "since"),
                               .inspect_token = inspect_token};
    // admit() said yes to this very request just before (HttpSession::upgrade).
    if (admitted_) {
        chat_.connect(session.tag, loop_.wall_ms(), arrival, std::move(*admitted_));
        admitted_.reset();
    } else if (!options_.auth_secret.empty()) {
        session.close(ws::close_code::policy, "no signed identity");  // never: admit() came first
    } else {
        chat_.connect(session.tag, loop_.wall_ms(), arrival);
    }
}

void ChatService::message(WsSession& session, ws::Opcode op, std::span<const std::uint8_t> payload) {
    if (op != ws::Opcode::text) {
        session.close(ws::close_code::unsupported, "the chat speaks JSON text frames");
        return;
    }
    chat_.receive(session.tag,
                  std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()),
                  loop_.wall_ms());
}

void ChatService::closed(WsSession& session) {
    if (sessions_.remove(session.tag)) chat_.disconnect(session.tag);
}

void ChatService::send(app::ClientId to, std::string_view envelope) {
    WsSession* session = sessions_.find(to);
    if (!session || too_slow(*session)) return;
    session->send_text(envelope);
}

void ChatService::broadcast(std::span<const app::ClientId> to, std::string_view envelope) {
    // A chat message, not a presence or rooms update: its latency is timed.
    if (envelope.starts_with(R"({"type":"new_message")")) ++metrics_.broadcasts_this_tick;
    BroadcastFrames frames(envelope);
    for (app::ClientId id : to) {
        WsSession* session = sessions_.find(id);
        if (!session || too_slow(*session)) continue;
        session->send_framed(frames.for_compressor(session->compressor()), envelope.size());
    }
}

void ChatService::end(app::ClientId to, std::string_view reason, Ending why) {
    WsSession* session = sessions_.find(to);
    if (!session) return;
    session->close(why == Ending::refused ? ws::close_code::policy : ws::close_code::internal, reason);
}

// A recipient that does not read is closed rather than buffered for: its
// queue would otherwise grow with every message everyone else sends. Only
// what the kernel will not take counts. The loop writes once per tick, so a
// burst of broadcasts in one tick queues for every recipient, readers or
// not: such a queue is offered to the kernel before its reader is judged.
bool ChatService::too_slow(WsSession& session) {
    if (session.pending_output() <= options_.slow_consumer_bytes) return false;
    session.write_now();
    if (session.pending_output() <= options_.slow_consumer_bytes) return false;
    ++metrics_.too_slow;
    session.close(ws::close_code::policy, "too slow: messages were piling up");
    return true;
}

}  // namespace wirechat::server
