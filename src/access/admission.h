// How many may come in: connections in total, connections per client
// address, and WebSocket handshakes per client address over time.
//
// Every connection of the public port holds a Ticket from the moment it is
// accepted until it closes (it moves from the HTTP session to the WebSocket
// session on an upgrade). The Ticket says whether it came in over a limit,
// and counts it only if it did not. One over a limit is not cut off at once,
// which would leave its client guessing: it is given a moment to send its
// request, answered with a status (503 when the server is full, 429 for its
// address) and closed. Connections already in are never touched by a limit.
//
// Per address means per IPv4 address, or per IPv6 /64 (ip.h). Handshakes are
// metered by a token bucket per address: a burst at once, then a steady
// rate. Addresses with no connection and a full bucket are forgotten, so
// memory follows the addresses seen in the last seconds.
//
// Sans-I/O: the caller passes the time. Not thread-safe (one loop).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "access/ip.h"

namespace wirechat::access {

struct AdmissionLimits {
    std::size_t max_connections = 0;     // 0: none but the descriptor limit
    std::size_t max_per_address = 64;    // 0: none
    double handshakes_per_second = 10;   // per address, sustained; 0: none
    double handshake_burst = 20;         // per address, at once
    std::vector<Cidr> exempt;            // addresses no per-address limit applies to
};

class Admission {
    struct Entry;

public:
    enum class Verdict : std::uint8_t { admitted, server_full, address_full };

    class Ticket {
    public:
        Ticket() = default;
        Ticket(Ticket&& other) noexcept;
        Ticket& operator=(Ticket&& other) noexcept;
        ~Ticket() { release(); }

        // Whether the connection came in over a limit (judged on arrival,
        // and again when forwarded_for() names another client).
        Verdict verdict() const { return verdict_; }
        // The client, as far as it is believed: the peer, or whom a trusted
        // proxy forwarded for.
        const IpAddress& client() const { return client_; }
        // Whether client() is not the peer but whom a proxy forwarded for.
        bool forwarded() const { return forwarded_; }
        // The requests of this connection are now from `client` (a trusted
        // proxy said so): counted under its address from now on.
        void forwarded_for(const IpAddress& client);
        // A WebSocket handshake is asked for: nullopt if allowed now (a token
        // is taken), or how many seconds until one would be.
        std::optional<int> take_handshake(std::int64_t now_ms);

    private:
        friend class Admission;
        void judge();
        void uncount();
        void release();

        Admission* admission_ = nullptr;
        Entry* entry_ = nullptr;  // null for an exempt address, or without per-address limits
        IpAddress client_;
        Verdict verdict_ = Verdict::admitted;
        bool counted_ = false;  // admitted: in open_, and in entry_ if any
        bool forwarded_ = false;
    };

    explicit Admission(AdmissionLimits limits) : limits_(std::move(limits)) {}

    // A connection from `peer` was accepted.
    Ticket arrive(const IpAddress& peer, std::int64_t now_ms);

    // Connections admitted and still open.
    std::size_t open() const { return open_; }
    // Addresses remembered now (for tests, and a metric).
    std::size_t addresses() const { return entries_.size(); }

private:
    struct Entry {
        std::size_t open = 0;
        double tokens = 0;
        std::int64_t refilled_ms = 0;
    };
    bool counts_addresses() const { return limits_.max_per_address > 0 || limits_.handshakes_per_second > 0; }
    void refill(Entry& entry, std::int64_t now_ms) const;
    void forget_idle(std::int64_t now_ms);

    AdmissionLimits limits_;
    std::unordered_map<IpAddress, Entry, IpAddressHash> entries_;
    std::size_t open_ = 0;
    std::int64_t now_ms_ = 0;  // as of the last arrival
    std::int64_t swept_ms_ = 0;
};

}  // namespace wirechat::access
