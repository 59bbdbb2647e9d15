#include "server/inspection.h"

#include <openssl/rand.h>

#include <stdexcept>

#include "http/query.h"
#include "server/ws_session.h"
#include "trace/accept_steps.h"
#include "trace/events.h"
#include "trace/frame_format.h"

namespace wirechat::server {

namespace {

// Payload bytes of each frame shown: enough for a chat message, not a file.
constexpr std::size_t payload_shown = 256;

// Private-use close codes (RFC 6455 7.4.2), documented in docs/protocol.md.
constexpr std::uint16_t no_such_connection = 4404;

std::string fresh_token() {
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
    return trace::hex({bytes, sizeof bytes});
}

}  // namespace

Inspection::Inspection(InspectService& service, net::EventLoop& loop, const access::IpAddress& client,
                       std::string token)
    : service_(service),
      loop_(loop),
      client_(client),
      token_(std::move(token)),
      received_(payload_shown),
      sent_(payload_shown) {}

Inspection::~Inspection() {
    loop_.timers().cancel(report_timer_);
    service_.forget(*this);
    if (inspector_) inspector_->close(1000, "the inspected connection closed");
}

void Inspection::attach(WsSession& inspector) {
    if (inspector_) inspector_->close(1000, "another inspector took over");
    inspector_ = &inspector;
    for (const std::string& event : kept_) inspector_->send_text(event);
    skipped_ = not_kept_;
    report_skipped();
}

void Inspection::report_skipped() {
    if (!inspector_ || skipped_ == 0) return;
    if (inspector_->pending_output() > backlog_limit) {
        if (!report_timer_.armed()) loop_.timers().arm(report_timer_, loop_.now_ms() + 100);
        return;
    }
    inspector_->send_text(trace::events::skipped(now(), skipped_));
    skipped_ = 0;
}

void Inspection::emit(std::string event) {
    const bool keep = kept_bytes_ + event.size() <= kept_limit;
    if (!keep) ++not_kept_;
    if (inspector_) {
        if (inspector_->pending_output() > backlog_limit) {
            ++skipped_;
            report_skipped();  // (later)
        } else {
            report_skipped();
            inspector_->send_text(event);
        }
    }
    if (keep) {
        kept_bytes_ += event.size();
        kept_.push_back(std::move(event));
    }
}

void Inspection::note(std::string_view text) { emit(trace::events::note(now(), text)); }

void Inspection::head(trace::Direction direction, std::string_view raw) {
    emit(trace::events::head(now(), direction, raw));
}

void Inspection::request(const http::Request& request) {
    head(trace::Direction::received, trace::request_head(request));
}

void Inspection::accept(std::string_view key) { emit(trace::events::accept(now(), trace::accept_steps(key))); }

void Inspection::follow(trace::FrameTap& tap, trace::Direction direction, std::span<const std::uint8_t> bytes) {
    tap.follow(
        bytes, [&](const trace::FrameTap& done) { emit(trace::events::frame(now(), direction, done.frame(), done.payload_seen())); },
        [&] { note("a frame length has its top bit set: the rest of this direction cannot be followed"); });
}

void Inspection::message(trace::Direction direction, std::size_t size) {
    emit(trace::events::message(now(), direction, size));
}

void Inspection::websocket_closed(std::uint16_t code, std::string_view reason, bool clean) {
    emit(trace::events::websocket_closed(now(), code, reason, clean));
}

void Inspection::closed(std::string_view how) {
    for (auto [tap, direction] : {std::pair{&received_, trace::Direction::received}, std::pair{&sent_, trace::Direction::sent}})
        if (tap->cut_short())
            emit(trace::events::frame(now(), direction, tap->frame(), tap->payload_seen()));
    emit(trace::events::end(now(), how));
}

std::unique_ptr<Inspection> InspectService::open(const access::IpAddress& client) {
    auto inspection = std::make_unique<Inspection>(*this, loop_, client, fresh_token());
    by_token_.emplace(inspection->token(), inspection.get());
    return inspection;
}

void InspectService::forget(Inspection& inspection) {
    by_token_.erase(inspection.token());
    std::erase_if(by_inspector_, [&](const auto& entry) { return entry.second == &inspection; });
}

// Whatever is wrong (no token, a made-up one, one whose connection closed,
// or someone else's from another address) gets the same answer, so that
// probing tells nothing.
void InspectService::opened(WsSession& session, const http::Request& request, std::string_view) {
    const auto pairs = http::decode_query(request.query);
    const std::string* token = pairs ? http::find_query_value(*pairs, "token") : nullptr;
    const auto found = token ? by_token_.find(*token) : by_token_.end();
    if (found == by_token_.end() || !(found->second->client() == session.client())) {
        session.close(no_such_connection, "no connection of yours has this inspect token");
        return;
    }
    by_inspector_[&session] = found->second;
    found->second->attach(session);
}

void InspectService::detach_all() {
    for (auto& [inspector, inspection] : by_inspector_) inspection->detach(*inspector);
    by_inspector_.clear();
}

void InspectService::closed(WsSession& session) {
    const auto found = by_inspector_.find(&session);
    if (found == by_inspector_.end()) return;
    found->second->detach(session);
    by_inspector_.erase(found);
}

}  // namespace wirechat::server
