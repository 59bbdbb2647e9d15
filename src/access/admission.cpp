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
      counted_(std::exchange(other.counted_, false)),
      forwarded_(other.forwarded_) {}

Admission::Ticket& Admission::Ticket::operator=(Ticket&& other) noexcept {
    if (this != &other) {
        release();
        admission_ = std::exchange(other.admission_, nullptr);
        entry_ = std::exchange(other.entry_, nullptr);
        client_ = other.client_;
        verdict_ = other.verdict_;
        counted_ = std::exchange(other.counted_, false);
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
    ticket.judge();
    return ticket;
}

// Judges the connection against the limits, and counts it (in all, and
// under its client's address unless exempt) only if it is admitted: one
// over a limit is about to be answered and closed, and must not keep others
// out meanwhile, nor let one address fill the server with silent sockets.
void Admission::Ticket::judge() {
    Admission& a = *admission_;
    verdict_ = Verdict::admitted;
    if (a.limits_.max_connections > 0 && a.open_ >= a.limits_.max_connections) {
        verdict_ = Verdict::server_full;
        return;
    }
    Entry* entry = nullptr;
    if (a.counts_addresses() && !is_trusted(client_, a.limits_.exempt)) {
        auto [found, fresh] = a.entries_.try_emplace(limit_key(client_));
        entry = &found->second;
        if (fresh) {
            entry->tokens = a.limits_.handshake_burst;
            entry->refilled_ms = a.now_ms_;
        }
        if (a.limits_.max_per_address > 0 && entry->open >= a.limits_.max_per_address) {
            verdict_ = Verdict::address_full;
            return;
        }
        ++entry->open;
    }
    ++a.open_;
    entry_ = entry;
    counted_ = true;
}

void Admission::Ticket::uncount() {
    if (counted_) {
        --admission_->open_;
        if (entry_) --entry_->open;  // forgotten, if idle, by a later sweep
    }
    entry_ = nullptr;
    counted_ = false;
}

void Admission::Ticket::release() {
    if (!admission_) return;
    uncount();
    admission_ = nullptr;
}

void Admission::Ticket::forwarded_for(const IpAddress& client) {
    if (!admission_ || client == client_) return;
    uncount();
    client_ = client;
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
