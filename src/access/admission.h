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
#include <utility>
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
    struct Client;
    struct Entry;
    // A node of clients_: the client's address and what is kept for it.
    using ClientSlot = std::pair<const IpAddress, Client>;

public:
    enum class Verdict : std::uint8_t { admitted, server_full, address_full };

    // Every open connection of the public port holds one (an idle WebSocket
    // too), so it is kept small: what is the same for every connection of a
    // client address (the address itself, the way back to the Admission, its
    // handshake bucket) is held once per address, in the client's slot.
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
        // proxy forwarded for. The unspecified address (::) for a ticket
        // that holds nothing (default-constructed or moved from).
        const IpAddress& client() const;
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

        ClientSlot* slot_ = nullptr;  // null: holds nothing
        Verdict verdict_ = Verdict::admitted;
        bool counted_ = false;  // admitted: in open_, and in the client's entry if any
        bool forwarded_ = false;
    };

    explicit Admission(AdmissionLimits limits) : limits_(std::move(limits)) {}
    // Tickets and client slots point back to it.
    Admission(const Admission&) = delete;
    Admission& operator=(const Admission&) = delete;

    // A connection from `peer` was accepted.
    Ticket arrive(const IpAddress& peer, std::int64_t now_ms);

    // Connections admitted and still open.
    std::size_t open() const { return open_; }
    // Addresses remembered now (for tests, and a metric): limit_key()s, each
    // kept a while after its last connection closes (its bucket refills).
    std::size_t addresses() const { return entries_.size(); }
    // Client addresses with a connection open, admitted or not (for tests).
    std::size_t clients() const { return clients_.size(); }

private:
    // Per limit key: what its connections count, its handshake bucket.
    struct Entry {
        std::size_t open = 0;
        double tokens = 0;
        std::int64_t refilled_ms = 0;
    };
    // Per client address with a connection open (exempt ones and those over
    // a limit too), for as long as a ticket holds it.
    struct Client {
        Admission* admission = nullptr;
        // The entry of limit_key(address) its counted connections count in;
        // null when none is counted, when the address is exempt, or without
        // per-address limits. Set only while that entry's open > 0, so the
        // sweep never forgets an entry still pointed to.
        Entry* entry = nullptr;
        std::uint32_t tickets = 0;  // hold this slot: gone with the last
        std::uint32_t counted = 0;  // of those, counted_
    };
    bool counts_addresses() const { return limits_.max_per_address > 0 || limits_.handshakes_per_second > 0; }
    ClientSlot* hold(const IpAddress& client);
    void let_go(ClientSlot* slot);
    void refill(Entry& entry, std::int64_t now_ms) const;
    void forget_idle(std::int64_t now_ms);

    AdmissionLimits limits_;
    // Node-based: a slot or entry stays where it is while others come and go.
    std::unordered_map<IpAddress, Entry, IpAddressHash> entries_;
    std::unordered_map<IpAddress, Client, IpAddressHash> clients_;
    std::size_t open_ = 0;
    std::int64_t now_ms_ = 0;  // as of the last arrival
    std::int64_t swept_ms_ = 0;
};

// One per open connection, idle WebSockets included (issue 21): a pointer
// and three small fields, everything per address being in the client slot.
static_assert(sizeof(Admission::Ticket) <= 16, "an Admission::Ticket is held by every open connection");

}  // namespace wirechat::access
