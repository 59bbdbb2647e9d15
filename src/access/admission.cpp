#include "access/admission.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <utility>

#include "access/forwarded.h"

namespace wirechat::access {

namespace {

// How often the addresses with nothing open are looked at for forgetting.
constexpr std::int64_t sweep_interval_ms = 10'000;

// What client() is for a ticket that holds nothing (an admin connection's,
// or one moved from).
const IpAddress no_client{};

}  // namespace

Admission::Ticket::Ticket(Ticket&& other) noexcept
    : slot_(std::exchange(other.slot_, nullptr)),
      verdict_(other.verdict_),
      counted_(std::exchange(other.counted_, false)),
      forwarded_(other.forwarded_) {}

Admission::Ticket& Admission::Ticket::operator=(Ticket&& other) noexcept {
    if (this != &other) {
        release();
        slot_ = std::exchange(other.slot_, nullptr);
        verdict_ = other.verdict_;
        counted_ = std::exchange(other.counted_, false);
        forwarded_ = other.forwarded_;
    }
    return *this;
}

const IpAddress& Admission::Ticket::client() const { return slot_ ? slot_->first : no_client; }

Admission::Ticket Admission::arrive(const IpAddress& peer, std::int64_t now_ms) {
    now_ms_ = now_ms;
    if (now_ms - swept_ms_ >= sweep_interval_ms) forget_idle(now_ms);
    Ticket ticket;
    ticket.slot_ = hold(peer);
    ticket.judge();
    return ticket;
}

// The client's slot, made on its first connection; one more ticket holds it.
Admission::ClientSlot* Admission::hold(const IpAddress& client) {
    auto [slot, fresh] = clients_.try_emplace(client);
    if (fresh) slot->second.admission = this;
    ++slot->second.tickets;
    return &*slot;
}

// A ticket lets go of its slot: the last one removes it, so that clients_
// holds only the addresses of connections open now.
void Admission::let_go(ClientSlot* slot) {
    if (--slot->second.tickets == 0) clients_.erase(clients_.find(slot->first));
}

// Judges the connection against the limits, and counts it (in all, and
// under its client's address unless exempt) only if it is admitted: one
// over a limit is about to be answered and closed, and must not keep others
// out meanwhile, nor let one address fill the server with silent sockets.
void Admission::Ticket::judge() {
    Client& client = slot_->second;
    Admission& a = *client.admission;
    verdict_ = Verdict::admitted;
    if (a.limits_.max_connections > 0 && a.open_ >= a.limits_.max_connections) {
        verdict_ = Verdict::server_full;
        return;
    }
    // Already found if another connection of this client counts in it.
    Entry* entry = client.entry;
    if (!entry && a.counts_addresses() && !is_trusted(slot_->first, a.limits_.exempt)) {
        auto [found, fresh] = a.entries_.try_emplace(limit_key(slot_->first));
        entry = &found->second;
        if (fresh) {
            entry->tokens = a.limits_.handshake_burst;
            entry->refilled_ms = a.now_ms_;
        }
    }
    if (entry) {
        if (a.limits_.max_per_address > 0 && entry->open >= a.limits_.max_per_address) {
            verdict_ = Verdict::address_full;
            return;
        }
        ++entry->open;
    }
    ++a.open_;
    client.entry = entry;
    ++client.counted;
    counted_ = true;
}

void Admission::Ticket::uncount() {
    if (counted_) {
        Client& client = slot_->second;
        --client.admission->open_;
        if (client.entry) --client.entry->open;
        // The entry, if idle, is forgotten by a later sweep: not pointed to
        // by a client with nothing counted in it.
        if (--client.counted == 0) client.entry = nullptr;
    }
    counted_ = false;
}

void Admission::Ticket::release() {
    if (!slot_) return;
    uncount();
    slot_->second.admission->let_go(std::exchange(slot_, nullptr));
}

void Admission::Ticket::forwarded_for(const IpAddress& client) {
    if (!slot_ || client == slot_->first) return;
    uncount();
    Admission& a = *slot_->second.admission;
    ClientSlot* const forwarded = a.hold(client);
    a.let_go(std::exchange(slot_, forwarded));
    forwarded_ = true;
    judge();
}

void Admission::refill(Entry& entry, std::int64_t now_ms) const {
    if (now_ms <= entry.refilled_ms) return;
    entry.tokens = std::min(limits_.handshake_burst,
                            entry.tokens + double(now_ms - entry.refilled_ms) / 1000.0 * limits_.handshakes_per_second);
    entry.refilled_ms = now_ms;
}

std::optional<int> Admission::Ticket::take_handshake(std::int64_t now_ms) {
    // Only a counted connection (one over a limit is refused anyway) of a
    // client with an entry (not exempt) has a bucket.
    if (!counted_) return std::nullopt;
    Entry* const entry = slot_->second.entry;
    const Admission& a = *slot_->second.admission;
    if (!entry || a.limits_.handshakes_per_second <= 0) return std::nullopt;
    a.refill(*entry, now_ms);
    if (entry->tokens >= 1) {
        entry->tokens -= 1;
        return std::nullopt;
    }
    return std::max(1, int(std::ceil((1 - entry->tokens) / a.limits_.handshakes_per_second)));
}

// An address with nothing open whose bucket has filled again holds nothing
// worth remembering.
void Admission::forget_idle(std::int64_t now_ms) {
    swept_ms_ = now_ms;
    for (auto it = entries_.begin(); it != entries_.end();) {
        Entry& entry = it->second;
        if (entry.open == 0 && limits_.handshakes_per_second > 0) refill(entry, now_ms);
        const bool idle =
            entry.open == 0 && (limits_.handshakes_per_second <= 0 || entry.tokens >= limits_.handshake_burst);
        it = idle ? entries_.erase(it) : std::next(it);
    }
}

}  // namespace wirechat::access
