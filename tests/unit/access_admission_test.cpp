// Connection limits and the handshake bucket per address (access/admission.h).
#include <catch2/catch.hpp>

#include <optional>
#include <utility>
#include <vector>

#include "access/admission.h"

using wirechat::access::Admission;
using wirechat::access::AdmissionLimits;
using wirechat::access::IpAddress;
using wirechat::access::parse_cidr;
using wirechat::access::parse_ip;
using Verdict = wirechat::access::Admission::Verdict;
using Ticket = wirechat::access::Admission::Ticket;

namespace {

IpAddress ip(const char* text) {
    auto address = parse_ip(text);
    REQUIRE(address);
    return *address;
}

// Only the limits a test names: everything else off.
AdmissionLimits limits(std::size_t max_connections, std::size_t max_per_address, double rate = 0,
                       double burst = 0) {
    AdmissionLimits out;
    out.max_connections = max_connections;
    out.max_per_address = max_per_address;
    out.handshakes_per_second = rate;
    out.handshake_burst = burst;
    return out;
}

}  // namespace

TEST_CASE("the default limits are the documented ones") {
    const AdmissionLimits defaults;
    CHECK(defaults.max_connections == 0);
    CHECK(defaults.max_per_address == 64);
    CHECK(defaults.handshakes_per_second == 10);
    CHECK(defaults.handshake_burst == 20);
    CHECK(defaults.exempt.empty());
}

TEST_CASE("max_connections admits N and answers the next with server_full") {
    Admission admission(limits(3, 0));
    std::vector<Ticket> tickets;
    for (const char* peer : {"192.0.2.1", "192.0.2.2", "192.0.2.3"}) {
        tickets.push_back(admission.arrive(ip(peer), 0));
        CHECK(tickets.back().verdict() == Verdict::admitted);
    }
    CHECK(admission.open() == 3);
    Ticket fourth = admission.arrive(ip("192.0.2.4"), 0);
    CHECK(fourth.verdict() == Verdict::server_full);
    CHECK(fourth.client() == ip("192.0.2.4"));
    // A refused connection is not counted: it is answered and closed, and
    // must not keep others out meanwhile.
    CHECK(admission.open() == 3);
    tickets.pop_back();
    CHECK(admission.open() == 2);
    Ticket fifth = admission.arrive(ip("192.0.2.5"), 0);
    CHECK(fifth.verdict() == Verdict::admitted);
    CHECK(admission.open() == 3);
    fourth = Ticket();  // releasing a refused ticket changes no count
    CHECK(admission.open() == 3);
    CHECK(admission.arrive(ip("192.0.2.6"), 0).verdict() == Verdict::server_full);
    // Without per-address limits nothing is remembered per address.
    CHECK(admission.addresses() == 0);
}

TEST_CASE("max_connections 0 means no total limit") {
    Admission admission(limits(0, 0));
    std::vector<Ticket> tickets;
    for (int i = 0; i < 500; ++i) {
        tickets.push_back(admission.arrive(ip("192.0.2.1"), 0));
        REQUIRE(tickets.back().verdict() == Verdict::admitted);
    }
    CHECK(admission.open() == 500);
    tickets.clear();
    CHECK(admission.open() == 0);
}

TEST_CASE("max_per_address refuses the address over its limit, not the others") {
    Admission admission(limits(0, 2));
    Ticket a1 = admission.arrive(ip("192.0.2.1"), 0);
    Ticket a2 = admission.arrive(ip("192.0.2.1"), 0);
    Ticket a3 = admission.arrive(ip("192.0.2.1"), 0);
    CHECK(a1.verdict() == Verdict::admitted);
    CHECK(a2.verdict() == Verdict::admitted);
    CHECK(a3.verdict() == Verdict::address_full);
    Ticket b1 = admission.arrive(ip("192.0.2.2"), 0);
    Ticket b2 = admission.arrive(ip("192.0.2.2"), 0);
    CHECK(b1.verdict() == Verdict::admitted);
    CHECK(b2.verdict() == Verdict::admitted);
    CHECK(admission.addresses() == 2);
    CHECK(admission.open() == 4);  // a3, refused, is not counted
    // A closed connection frees room for its own address.
    a1 = Ticket();
    a3 = Ticket();  // the refused one counted too
    Ticket a4 = admission.arrive(ip("192.0.2.1"), 0);
    CHECK(a4.verdict() == Verdict::admitted);
    CHECK(admission.arrive(ip("192.0.2.1"), 0).verdict() == Verdict::address_full);
}

TEST_CASE("server_full takes precedence over address_full") {
    Admission admission(limits(2, 1));
    Ticket a1 = admission.arrive(ip("192.0.2.1"), 0);
    Ticket b1 = admission.arrive(ip("192.0.2.2"), 0);
    Ticket a2 = admission.arrive(ip("192.0.2.1"), 0);
    CHECK(a2.verdict() == Verdict::server_full);
}

TEST_CASE("IPv6 addresses are counted by their /64") {
    Admission admission(limits(0, 2));
    Ticket t1 = admission.arrive(ip("2001:db8:0:1::1"), 0);
    Ticket t2 = admission.arrive(ip("2001:db8:0:1::2"), 0);
    Ticket t3 = admission.arrive(ip("2001:db8:0:1:ffff:ffff:ffff:ffff"), 0);
    CHECK(t1.verdict() == Verdict::admitted);
    CHECK(t2.verdict() == Verdict::admitted);
    CHECK(t3.verdict() == Verdict::address_full);
    // The client is still the full address, only the count is per /64.
    CHECK(t3.client() == ip("2001:db8:0:1:ffff:ffff:ffff:ffff"));
    Ticket other = admission.arrive(ip("2001:db8:0:2::1"), 0);
    CHECK(other.verdict() == Verdict::admitted);
    CHECK(admission.addresses() == 2);
}

TEST_CASE("IPv4 addresses are each counted on their own") {
    Admission admission(limits(0, 1));
    Ticket t1 = admission.arrive(ip("192.0.2.1"), 0);
    Ticket t2 = admission.arrive(ip("192.0.2.2"), 0);
    Ticket t3 = admission.arrive(ip("192.0.2.3"), 0);
    CHECK(t1.verdict() == Verdict::admitted);
    CHECK(t2.verdict() == Verdict::admitted);
    CHECK(t3.verdict() == Verdict::admitted);
    CHECK(admission.addresses() == 3);
}

TEST_CASE("exempt addresses have no per-address limit and no handshake bucket") {
    AdmissionLimits config = limits(0, 1, 1, 2);
    config.exempt.push_back(*parse_cidr("127.0.0.0/8"));
    config.exempt.push_back(*parse_cidr("2001:db8:ffff::/48"));
    Admission admission(std::move(config));
    std::vector<Ticket> tickets;
    for (int i = 0; i < 5; ++i) {
        tickets.push_back(admission.arrive(ip("127.0.0.1"), 0));
        CHECK(tickets.back().verdict() == Verdict::admitted);
        tickets.push_back(admission.arrive(ip("2001:db8:ffff::1"), 0));
        CHECK(tickets.back().verdict() == Verdict::admitted);
    }
    for (int i = 0; i < 50; ++i) REQUIRE_FALSE(tickets.front().take_handshake(0));
    CHECK(admission.addresses() == 0);
    CHECK(admission.open() == 10);
    // Not exempt: limited as usual.
    Ticket a1 = admission.arrive(ip("128.0.0.1"), 0);
    Ticket a2 = admission.arrive(ip("128.0.0.1"), 0);
    CHECK(a1.verdict() == Verdict::admitted);
    CHECK(a2.verdict() == Verdict::address_full);
}

TEST_CASE("an exempt address still counts towards max_connections") {
    AdmissionLimits config = limits(2, 1);
    config.exempt.push_back(*parse_cidr("127.0.0.1"));
    Admission admission(std::move(config));
    Ticket t1 = admission.arrive(ip("127.0.0.1"), 0);
    Ticket t2 = admission.arrive(ip("127.0.0.1"), 0);
    Ticket t3 = admission.arrive(ip("127.0.0.1"), 0);
    CHECK(t2.verdict() == Verdict::admitted);
    CHECK(t3.verdict() == Verdict::server_full);
}

TEST_CASE("a moved ticket keeps counting once") {
    Admission admission(limits(0, 2));
    SECTION("move construction") {
        Ticket a = admission.arrive(ip("192.0.2.1"), 0);
        Ticket b(std::move(a));
        CHECK(b.client() == ip("192.0.2.1"));
        CHECK(b.verdict() == Verdict::admitted);
        CHECK(admission.open() == 1);
        a = Ticket();  // the moved-from ticket releases nothing
        CHECK(admission.open() == 1);
        Ticket c = admission.arrive(ip("192.0.2.1"), 0);
        CHECK(c.verdict() == Verdict::admitted);
        CHECK(admission.arrive(ip("192.0.2.1"), 0).verdict() == Verdict::address_full);
        b = Ticket();
        CHECK(admission.open() == 1);
        CHECK(admission.arrive(ip("192.0.2.1"), 0).verdict() == Verdict::admitted);
    }
    SECTION("move assignment releases what the target held") {
        Ticket a1 = admission.arrive(ip("192.0.2.1"), 0);
        Ticket a2 = admission.arrive(ip("192.0.2.1"), 0);
        Ticket b = admission.arrive(ip("192.0.2.2"), 0);
        CHECK(admission.open() == 3);
        a1 = std::move(a2);  // a1's own connection is closed
        CHECK(admission.open() == 2);
        CHECK(admission.arrive(ip("192.0.2.1"), 0).verdict() == Verdict::admitted);
        b = std::move(a1);  // b's connection (192.0.2.2) is closed, b now holds 192.0.2.1's
        CHECK(admission.open() == 1);
        CHECK(b.client() == ip("192.0.2.1"));
        Ticket again = admission.arrive(ip("192.0.2.1"), 0);
        CHECK(again.verdict() == Verdict::admitted);
        CHECK(admission.arrive(ip("192.0.2.1"), 0).verdict() == Verdict::address_full);
    }
    SECTION("through a vector that reallocates") {
        std::vector<Ticket> tickets;
        for (int i = 0; i < 2; ++i) tickets.push_back(admission.arrive(ip("192.0.2.1"), 0));
        for (int i = 0; i < 40; ++i) tickets.push_back(admission.arrive(ip("198.51.100.1"), 0));
        CHECK(admission.open() == 4);  // 2 of each address; the other 38 refused, not counted
        CHECK(admission.arrive(ip("192.0.2.1"), 0).verdict() == Verdict::address_full);
        tickets.erase(tickets.begin());
        CHECK(admission.open() == 3);
        CHECK(admission.arrive(ip("192.0.2.1"), 0).verdict() == Verdict::admitted);
    }
    SECTION("self move assignment changes nothing") {
        Ticket a = admission.arrive(ip("192.0.2.1"), 0);
        Ticket& alias = a;
        a = std::move(alias);
        CHECK(admission.open() == 1);
        CHECK(a.client() == ip("192.0.2.1"));
    }
    CHECK(admission.open() == 0);
}

TEST_CASE("a moved ticket keeps its verdict, client and handshake bucket") {
    Admission admission(limits(0, 2, 1, 2));
    Ticket first = admission.arrive(ip("192.0.2.1"), 0);
    Ticket second = admission.arrive(ip("192.0.2.1"), 0);
    Ticket over = admission.arrive(ip("192.0.2.1"), 0);
    Ticket moved_over(std::move(over));
    CHECK(moved_over.verdict() == Verdict::address_full);
    Ticket moved(std::move(second));
    CHECK(moved.verdict() == Verdict::admitted);
    CHECK(moved.client() == ip("192.0.2.1"));
    CHECK(admission.open() == 2);
    CHECK_FALSE(moved.take_handshake(0));
    CHECK_FALSE(first.take_handshake(0));
    CHECK(moved.take_handshake(0) == 1);  // one bucket for the address
}

TEST_CASE("forwarded_for counts the connection under the forwarded client") {
    Admission admission(limits(0, 2));
    const IpAddress proxy = ip("10.0.0.1");
    const IpAddress client = ip("203.0.113.9");
    Ticket p1 = admission.arrive(proxy, 0);
    Ticket p2 = admission.arrive(proxy, 0);
    Ticket p3 = admission.arrive(proxy, 0);
    CHECK_FALSE(p3.forwarded());
    REQUIRE(p3.verdict() == Verdict::address_full);
    // The proxy's third connection is someone else's first: not over a limit.
    p3.forwarded_for(client);
    CHECK(p3.verdict() == Verdict::admitted);
    CHECK(p3.client() == client);
    CHECK(p3.forwarded());
    CHECK(admission.open() == 3);
    // The proxy's count went down by one: still 2 of 2.
    CHECK(admission.arrive(proxy, 0).verdict() == Verdict::address_full);
    // The client's count went up: one more is admitted, the next is not.
    p1.forwarded_for(client);
    CHECK(p1.verdict() == Verdict::admitted);
    p2.forwarded_for(client);
    CHECK(p2.verdict() == Verdict::address_full);
    CHECK(admission.open() == 2);  // p2, now over the client's limit, is not counted
    // The proxy has no connection of its own left.
    Ticket p4 = admission.arrive(proxy, 0);
    Ticket p5 = admission.arrive(proxy, 0);
    CHECK(p4.verdict() == Verdict::admitted);
    CHECK(p5.verdict() == Verdict::admitted);
    // Closing re-keyed tickets releases the client's count.
    p1 = Ticket();
    p2 = Ticket();
    p3 = Ticket();
    CHECK(admission.open() == 2);
    Ticket direct = admission.arrive(client, 0);
    CHECK(direct.verdict() == Verdict::admitted);
}

TEST_CASE("forwarded_for the same address changes nothing") {
    Admission admission(limits(0, 1));
    Ticket t1 = admission.arrive(ip("192.0.2.1"), 0);
    Ticket t2 = admission.arrive(ip("192.0.2.1"), 0);
    REQUIRE(t2.verdict() == Verdict::address_full);
    t2.forwarded_for(ip("192.0.2.1"));
    CHECK(t2.verdict() == Verdict::address_full);
    CHECK_FALSE(t2.forwarded());
    t1.forwarded_for(ip("192.0.2.1"));
    CHECK(t1.verdict() == Verdict::admitted);
    CHECK(admission.open() == 1);
}

TEST_CASE("forwarded_for keeps server_full") {
    Admission admission(limits(1, 1));
    Ticket t1 = admission.arrive(ip("10.0.0.1"), 0);
    Ticket t2 = admission.arrive(ip("10.0.0.1"), 0);
    REQUIRE(t2.verdict() == Verdict::server_full);
    t2.forwarded_for(ip("203.0.113.9"));
    CHECK(t2.verdict() == Verdict::server_full);
    CHECK(admission.open() == 1);
}

TEST_CASE("forwarded_for to an exempt address leaves the limits") {
    AdmissionLimits config = limits(0, 1, 1, 1);
    config.exempt.push_back(*parse_cidr("192.168.0.0/16"));
    Admission admission(std::move(config));
    Ticket t1 = admission.arrive(ip("10.0.0.1"), 0);
    Ticket t2 = admission.arrive(ip("10.0.0.1"), 0);
    REQUIRE(t2.verdict() == Verdict::address_full);
    t2.forwarded_for(ip("192.168.1.1"));
    CHECK(t2.verdict() == Verdict::admitted);
    for (int i = 0; i < 10; ++i) REQUIRE_FALSE(t2.take_handshake(0));
}

TEST_CASE("handshakes: a burst at once, then a retry time") {
    Admission admission(limits(0, 0, 1, 3));
    Ticket t = admission.arrive(ip("192.0.2.1"), 0);
    CHECK_FALSE(t.take_handshake(0));
    CHECK_FALSE(t.take_handshake(0));
    CHECK_FALSE(t.take_handshake(0));
    CHECK(t.take_handshake(0) == 1);
    CHECK(t.take_handshake(0) == 1);  // a refusal takes no token
    CHECK(admission.addresses() == 1);
}

TEST_CASE("handshakes: the retry time is rounded up to whole seconds") {
    SECTION("a quarter per second: four seconds") {
        Admission admission(limits(0, 0, 0.25, 1));
        Ticket t = admission.arrive(ip("192.0.2.1"), 0);
        REQUIRE_FALSE(t.take_handshake(0));
        CHECK(t.take_handshake(0) == 4);
        CHECK(t.take_handshake(1'000) == 3);  // a quarter token back: 0.75 to go
        CHECK(t.take_handshake(2'500) == 2);  // 0.625: 0.375 to go, 1.5 s
        CHECK_FALSE(t.take_handshake(4'000));
    }
    SECTION("ten per second: never less than one second") {
        Admission admission(limits(0, 0, 10, 1));
        Ticket t = admission.arrive(ip("192.0.2.1"), 0);
        REQUIRE_FALSE(t.take_handshake(0));
        CHECK(t.take_handshake(0) == 1);
        CHECK(t.take_handshake(99) == 1);
        CHECK_FALSE(t.take_handshake(100));
    }
}

TEST_CASE("handshakes: tokens come back at the rate, up to the burst") {
    Admission admission(limits(0, 0, 2, 4));
    Ticket t = admission.arrive(ip("192.0.2.1"), 1'000);
    for (int i = 0; i < 4; ++i) REQUIRE_FALSE(t.take_handshake(1'000));
    CHECK(t.take_handshake(1'000));
    CHECK(t.take_handshake(1'499));      // 0.998 tokens
    CHECK_FALSE(t.take_handshake(1'500));  // one token per 500 ms
    CHECK(t.take_handshake(1'500));
    // A long pause refills only the burst.
    for (int i = 0; i < 4; ++i) REQUIRE_FALSE(t.take_handshake(3'600'000));
    CHECK(t.take_handshake(3'600'000));
    // A clock going backwards neither refills nor breaks the bucket.
    CHECK(t.take_handshake(1'000));
    CHECK_FALSE(t.take_handshake(3'600'500));
}

TEST_CASE("handshakes: connections of one address share a bucket, others have their own") {
    Admission admission(limits(0, 0, 1, 2));
    Ticket a1 = admission.arrive(ip("192.0.2.1"), 0);
    Ticket a2 = admission.arrive(ip("192.0.2.1"), 0);
    Ticket v6a = admission.arrive(ip("2001:db8:0:1::1"), 0);
    Ticket v6b = admission.arrive(ip("2001:db8:0:1::2"), 0);
    Ticket b = admission.arrive(ip("192.0.2.2"), 0);
    CHECK_FALSE(a1.take_handshake(0));
    CHECK_FALSE(a2.take_handshake(0));
    CHECK(a1.take_handshake(0));
    CHECK(a2.take_handshake(0));
    CHECK_FALSE(v6a.take_handshake(0));
    CHECK_FALSE(v6b.take_handshake(0));
    CHECK(v6a.take_handshake(0));
    CHECK_FALSE(b.take_handshake(0));
    CHECK_FALSE(b.take_handshake(0));
    CHECK(b.take_handshake(0));
}

TEST_CASE("handshakes: a new connection from a drained address gets no fresh bucket") {
    Admission admission(limits(0, 0, 1, 2));
    {
        Ticket t = admission.arrive(ip("192.0.2.1"), 0);
        REQUIRE_FALSE(t.take_handshake(0));
        REQUIRE_FALSE(t.take_handshake(0));
    }
    Ticket again = admission.arrive(ip("192.0.2.1"), 100);
    CHECK(again.take_handshake(100) == 1);
}

TEST_CASE("handshakes: a rate of 0 is unlimited") {
    Admission admission(limits(0, 2, 0, 0));
    Ticket t = admission.arrive(ip("192.0.2.1"), 0);
    for (int i = 0; i < 1000; ++i) REQUIRE_FALSE(t.take_handshake(0));
    CHECK_FALSE(t.take_handshake(0));
}

TEST_CASE("handshakes: limits with nothing per address are unlimited") {
    Admission admission(limits(5, 0, 0, 0));
    Ticket t = admission.arrive(ip("192.0.2.1"), 0);
    for (int i = 0; i < 100; ++i) REQUIRE_FALSE(t.take_handshake(0));
    CHECK(admission.addresses() == 0);
}

TEST_CASE("an idle address with a full bucket is forgotten by the next sweep") {
    Admission admission(limits(0, 4, 10, 20));
    {
        Ticket t = admission.arrive(ip("192.0.2.1"), 1'000);
        for (int i = 0; i < 20; ++i) REQUIRE_FALSE(t.take_handshake(1'000));
    }
    CHECK(admission.addresses() == 1);
    // Before the sweep interval: remembered, even though refilled by now.
    Ticket b = admission.arrive(ip("192.0.2.2"), 5'000);
    CHECK(admission.addresses() == 2);
    b = Ticket();
    CHECK(admission.addresses() == 2);
    // 10 s after the last sweep (at 0): both idle and refilled, forgotten.
    Ticket c = admission.arrive(ip("192.0.2.3"), 10'000);
    CHECK(admission.addresses() == 1);
    CHECK(admission.open() == 1);
}

TEST_CASE("the sweep keeps addresses with connections or a bucket not yet full") {
    Admission admission(limits(0, 1, 1, 20));
    Ticket open = admission.arrive(ip("192.0.2.1"), 0);
    {
        Ticket drained = admission.arrive(ip("192.0.2.2"), 9'000);
        for (int i = 0; i < 20; ++i) REQUIRE_FALSE(drained.take_handshake(9'000));
    }
    {
        Ticket idle = admission.arrive(ip("192.0.2.3"), 9'000);
    }
    CHECK(admission.addresses() == 3);
    Ticket trigger = admission.arrive(ip("192.0.2.4"), 10'000);
    // 192.0.2.1 is open, 192.0.2.2 has 1 of 20 tokens back: both kept. 192.0.2.3 is gone.
    CHECK(admission.addresses() == 3);
    // The open ticket still counts (its entry was not dropped under it).
    CHECK(admission.arrive(ip("192.0.2.1"), 10'000).verdict() == Verdict::address_full);
    CHECK_FALSE(open.take_handshake(10'000));
    // The drained address is still remembered as drained.
    Ticket drained_again = admission.arrive(ip("192.0.2.2"), 10'000);
    CHECK_FALSE(drained_again.take_handshake(10'000));
    CHECK(drained_again.take_handshake(10'000) == 1);
    drained_again = Ticket();
    // 10 s later 192.0.2.2 has 10 of 20 tokens: still remembered.
    open = Ticket();
    trigger = Ticket();
    Ticket later = admission.arrive(ip("192.0.2.5"), 20'000);
    CHECK(admission.addresses() == 2);
    later = Ticket();
    // 20 s after it drained, it is full again: every address is forgotten but the newest.
    Ticket latest = admission.arrive(ip("192.0.2.6"), 30'000);
    CHECK(admission.addresses() == 1);
}

TEST_CASE("without a handshake rate idle addresses are forgotten at once by the sweep") {
    Admission admission(limits(0, 1));
    { Ticket t = admission.arrive(ip("192.0.2.1"), 0); }
    { Ticket t = admission.arrive(ip("2001:db8::1"), 9'999); }
    Ticket kept = admission.arrive(ip("192.0.2.2"), 0);
    CHECK(admission.addresses() == 3);
    Ticket trigger = admission.arrive(ip("192.0.2.3"), 10'000);
    CHECK(admission.addresses() == 2);  // 192.0.2.2 (open) and 192.0.2.3
}

TEST_CASE("an address forgotten by the sweep comes back with a full bucket") {
    Admission admission(limits(0, 0, 1, 2));
    {
        Ticket t = admission.arrive(ip("192.0.2.1"), 0);
        REQUIRE_FALSE(t.take_handshake(0));
        REQUIRE_FALSE(t.take_handshake(0));
    }
    Ticket trigger = admission.arrive(ip("192.0.2.9"), 10'000);  // refilled by now: forgotten
    CHECK(admission.addresses() == 1);
    Ticket back = admission.arrive(ip("192.0.2.1"), 10'000);
    CHECK_FALSE(back.take_handshake(10'000));
    CHECK_FALSE(back.take_handshake(10'000));
    CHECK(back.take_handshake(10'000) == 1);
}

TEST_CASE("forwarded_for leaves the proxy's entry to the sweep") {
    AdmissionLimits config = limits(0, 4, 1, 1);
    config.exempt.push_back(*parse_cidr("127.0.0.1"));
    Admission admission(std::move(config));
    Ticket t = admission.arrive(ip("10.0.0.1"), 0);
    t.forwarded_for(ip("203.0.113.9"));
    CHECK(admission.addresses() == 2);
    Ticket trigger = admission.arrive(ip("127.0.0.1"), 10'000);  // exempt: adds no entry
    // The proxy's entry is idle and full: forgotten. The client's is open.
    CHECK(admission.addresses() == 1);
    CHECK_FALSE(t.take_handshake(10'000));
    CHECK(t.take_handshake(10'000) == 1);
}

// What every connection of an address shares (its address, its entry) is
// kept once per address, in a slot that goes with the address's last ticket.

TEST_CASE("the slot of an exempt address goes with its last connection") {
    AdmissionLimits config = limits(0, 1, 1, 1);
    config.exempt.push_back(*parse_cidr("127.0.0.0/8"));
    Admission admission(std::move(config));
    std::vector<Ticket> tickets;
    for (int i = 0; i < 3; ++i) tickets.push_back(admission.arrive(ip("127.0.0.1"), 0));
    tickets.push_back(admission.arrive(ip("127.0.0.2"), 0));
    CHECK(admission.clients() == 2);
    CHECK(admission.addresses() == 0);  // no per-address limit: no entry
    CHECK(tickets.front().client() == ip("127.0.0.1"));
    CHECK(tickets.back().client() == ip("127.0.0.2"));
    tickets.erase(tickets.begin());
    CHECK(admission.clients() == 2);
    tickets.pop_back();
    CHECK(admission.clients() == 1);
    tickets.clear();
    CHECK(admission.clients() == 0);
    CHECK(admission.open() == 0);
}

TEST_CASE("without per-address limits the slot goes with its last connection") {
    Admission admission(limits(2, 0));
    Ticket a = admission.arrive(ip("192.0.2.1"), 0);
    Ticket b = admission.arrive(ip("192.0.2.1"), 0);
    Ticket c = admission.arrive(ip("192.0.2.1"), 0);
    CHECK(c.verdict() == Verdict::server_full);
    CHECK(admission.clients() == 1);
    CHECK(admission.addresses() == 0);
    a = Ticket();
    b = Ticket();
    CHECK(admission.clients() == 1);  // c, refused, still holds it
    CHECK(c.client() == ip("192.0.2.1"));
    c = Ticket();
    CHECK(admission.clients() == 0);
}

TEST_CASE("a connection over a limit holds its slot, and counts nothing") {
    Admission admission(limits(0, 1, 1, 1));
    Ticket first = admission.arrive(ip("192.0.2.1"), 0);
    Ticket over = admission.arrive(ip("192.0.2.1"), 0);
    REQUIRE(over.verdict() == Verdict::address_full);
    CHECK(over.client() == ip("192.0.2.1"));
    CHECK_FALSE(over.take_handshake(0));  // no bucket: it is refused anyway
    first = Ticket();
    CHECK(admission.open() == 0);
    CHECK(admission.clients() == 1);
    // Nothing counted is left in the entry: the sweep may forget it.
    Ticket trigger = admission.arrive(ip("192.0.2.9"), 10'000);
    CHECK(admission.addresses() == 1);  // 192.0.2.9's only
    CHECK(admission.clients() == 2);
    over = Ticket();
    CHECK(admission.clients() == 1);
    // The address comes back with a fresh entry.
    Ticket back = admission.arrive(ip("192.0.2.1"), 10'000);
    CHECK(back.verdict() == Verdict::admitted);
    CHECK_FALSE(back.take_handshake(10'000));
    CHECK(back.take_handshake(10'000) == 1);
}

TEST_CASE("forwarded_for moves the ticket to the client's slot") {
    Admission admission(limits(0, 4));
    Ticket t = admission.arrive(ip("10.0.0.1"), 0);
    Ticket u = admission.arrive(ip("10.0.0.1"), 0);
    CHECK(admission.clients() == 1);
    t.forwarded_for(ip("203.0.113.9"));
    CHECK(admission.clients() == 2);
    u.forwarded_for(ip("203.0.113.9"));
    CHECK(admission.clients() == 1);  // the proxy has no connection left
    CHECK(t.client() == ip("203.0.113.9"));
    CHECK(u.client() == ip("203.0.113.9"));
    t = Ticket();
    u = Ticket();
    CHECK(admission.clients() == 0);
    CHECK(admission.open() == 0);
}

TEST_CASE("an exempt IPv6 address does not count in its /64's entry") {
    AdmissionLimits config = limits(0, 1, 1, 1);
    config.exempt.push_back(*parse_cidr("2001:db8::1"));
    Admission admission(std::move(config));
    Ticket exempt1 = admission.arrive(ip("2001:db8::1"), 0);
    Ticket neighbour = admission.arrive(ip("2001:db8::2"), 0);
    Ticket exempt2 = admission.arrive(ip("2001:db8::1"), 0);
    CHECK(exempt1.verdict() == Verdict::admitted);
    CHECK(neighbour.verdict() == Verdict::admitted);
    CHECK(exempt2.verdict() == Verdict::admitted);
    CHECK(admission.arrive(ip("2001:db8::3"), 0).verdict() == Verdict::address_full);
    for (int i = 0; i < 5; ++i) REQUIRE_FALSE(exempt2.take_handshake(0));
    CHECK_FALSE(neighbour.take_handshake(0));
    CHECK(neighbour.take_handshake(0) == 1);
    CHECK(admission.clients() == 2);
    CHECK(admission.addresses() == 1);
    neighbour = Ticket();
    CHECK(admission.arrive(ip("2001:db8::3"), 0).verdict() == Verdict::admitted);
}

TEST_CASE("tickets keep their client while the table grows") {
    Admission admission(limits(0, 1, 1, 1));
    std::vector<Ticket> tickets;
    for (int i = 0; i < 2000; ++i) {
        IpAddress address = ip("2001:db8::");
        address.bytes[6] = std::uint8_t(i >> 8);
        address.bytes[7] = std::uint8_t(i);  // a /64 each
        tickets.push_back(admission.arrive(address, 0));
        REQUIRE(tickets.back().verdict() == Verdict::admitted);
    }
    CHECK(admission.clients() == 2000);
    CHECK(admission.addresses() == 2000);
    for (int i = 0; i < 2000; ++i) {
        REQUIRE(tickets[std::size_t(i)].client().bytes[6] == std::uint8_t(i >> 8));
        REQUIRE(tickets[std::size_t(i)].client().bytes[7] == std::uint8_t(i));
        REQUIRE_FALSE(tickets[std::size_t(i)].take_handshake(0));
        REQUIRE(tickets[std::size_t(i)].take_handshake(0) == 1);
    }
    tickets.clear();
    CHECK(admission.clients() == 0);
    CHECK(admission.open() == 0);
}

TEST_CASE("a ticket holding nothing has the unspecified address and no limits") {
    Admission admission(limits(0, 1, 1, 1));
    Ticket none;
    CHECK(none.client() == IpAddress{});
    CHECK(none.verdict() == Verdict::admitted);
    CHECK_FALSE(none.forwarded());
    CHECK_FALSE(none.take_handshake(0));
    none.forwarded_for(ip("192.0.2.1"));  // nothing to move
    CHECK(none.client() == IpAddress{});
    CHECK(admission.clients() == 0);
    Ticket t = admission.arrive(ip("192.0.2.1"), 0);
    Ticket moved(std::move(t));
    CHECK(t.client() == IpAddress{});
    CHECK(moved.client() == ip("192.0.2.1"));
    CHECK(admission.clients() == 1);
}

TEST_CASE("a ticket is at most 16 bytes") {
    // Every open connection holds one, idle WebSockets included (issue 21).
    STATIC_REQUIRE(sizeof(Ticket) <= 16);
}
