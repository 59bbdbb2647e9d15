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

}  // namespace

Admission::Ticket::Ticket(Ticket&& other) noexcept
    : admission_(std::exchange(other.admission_, nullptr)),
      entry_(std::exchange(other.entry_, nullptr)),
      client_(other.client_),
      verdict_(other.verdict_),
      forwarded_(other.forwarded_) {}

Admission::Ticket& Admission::Ticket::operator=(Ticket&& other) noexcept {
    if (this != &other) {
        release();
        admission_ = std::exchange(other.admission_, nullptr);
        entry_ = std::exchange(other.entry_, nullptr);
        client_ = other.client_;
        verdict_ = other.verdict_;
        forwarded_ = other.forwarded_;
    }
    return *this;
}

Admission::Ticket Admission::arrive(const IpAddress& peer, std::int64_t now_ms) {
    now_ms_ = now_ms;
    if (now_ms - swept_ms_ >= sweep_interval_ms) forget_idle(now_ms);
    Ticket ticket;
    ticket.admission_ = this;
    ticket.client_ = peer;
    if (limits_.max_connections > 0 && open_ >= limits_.max_connections)
        ticket.verdict_ = Verdict::server_full;
    ++open_;
    ticket.attach();
    return ticket;
}

// Counts the ticket under its client's address (unless exempt), and judges
// it against that address's limit.
void Admission::Ticket::attach() {
    Admission& a = *admission_;
    if (!a.counts_addresses() || is_trusted(client_, a.limits_.exempt)) return;
    auto [found, fresh] = a.entries_.try_emplace(limit_key(client_));
    Entry& entry = found->second;
    if (fresh) {
        entry.tokens = a.limits_.handshake_burst;
        entry.refilled_ms = a.now_ms_;
    }
    if (verdict_ != Verdict::server_full && a.limits_.max_per_address > 0 && entry.open >= a.limits_.max_per_address)
        verdict_ = Verdict::address_full;
    ++entry.open;
    entry_ = &entry;
}

void Admission::Ticket::release() {
    if (!admission_) return;
    if (entry_) {
        --entry_->open;
        entry_ = nullptr;
    }
    --admission_->open_;
    admission_ = nullptr;
}

void Admission::Ticket::forwarded_for(const IpAddress& client) {
    if (!admission_ || client == client_) return;
    if (entry_) --entry_->open;  // forgotten, if idle, by the next sweep
    entry_ = nullptr;
    client_ = client;
    forwarded_ = true;
    if (verdict_ == Verdict::address_full) verdict_ = Verdict::admitted;
    attach();
}

void Admission::refill(Entry& entry, std::int64_t now_ms) const {
    if (now_ms <= entry.refilled_ms) return;
    entry.tokens = std::min(limits_.handshake_burst,
                            entry.tokens + double(now_ms - entry.refilled_ms) / 1000.0 * limits_.handshakes_per_second);
    entry.refilled_ms = now_ms;
}

std::optional<int> Admission::Ticket::take_handshake(std::int64_t now_ms) {
    if (!entry_ || admission_->limits_.handshakes_per_second <= 0) return std::nullopt;
    admission_->refill(*entry_, now_ms);
    if (entry_->tokens >= 1) {
        entry_->tokens -= 1;
        return std::nullopt;
    }
    return std::max(1, int(std::ceil((1 - entry_->tokens) / admission_->limits_.handshakes_per_second)));
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
