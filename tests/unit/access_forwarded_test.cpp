// Who the client is behind trusted proxies: X-Forwarded-For (access/forwarded.h).
#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "access/forwarded.h"

using wirechat::access::Cidr;
using wirechat::access::client_address;
using wirechat::access::IpAddress;
using wirechat::access::is_trusted;
using wirechat::access::parse_cidr;
using wirechat::access::parse_ip;
using wirechat::access::to_string;

namespace {

IpAddress ip(const char* text) {
    auto address = parse_ip(text);
    REQUIRE(address);
    return *address;
}

// The proxies of these tests: a private network and the loopback address.
std::vector<Cidr> proxies() {
    std::vector<Cidr> blocks;
    for (const char* text : {"10.0.0.0/8", "127.0.0.1", "fd00::/8"}) {
        auto block = parse_cidr(text);
        REQUIRE(block);
        blocks.push_back(*block);
    }
    return blocks;
}

wirechat::http::Request request(std::initializer_list<std::pair<const char*, const char*>> fields) {
    wirechat::http::Request request;
    request.method = "GET";
    request.target = request.path = "/chat";
    request.headers.push_back({"Host", "chat.example.com"});
    for (const auto& [name, value] : fields) request.headers.push_back({name, value});
    return request;
}

std::string client(const char* peer, const wirechat::http::Request& request) {
    const std::vector<Cidr> trusted = proxies();
    return to_string(client_address(ip(peer), request, trusted));
}

}  // namespace

TEST_CASE("is_trusted matches any of the blocks") {
    const std::vector<Cidr> trusted = proxies();
    CHECK(is_trusted(ip("10.2.3.4"), trusted));
    CHECK(is_trusted(ip("127.0.0.1"), trusted));
    CHECK(is_trusted(ip("fd12::1"), trusted));
    CHECK_FALSE(is_trusted(ip("127.0.0.2"), trusted));
    CHECK_FALSE(is_trusted(ip("198.51.100.7"), trusted));
    CHECK_FALSE(is_trusted(ip("10.2.3.4"), {}));
}

TEST_CASE("a peer that is not a trusted proxy is the client, whatever X-Forwarded-For says") {
    CHECK(client("198.51.100.7", request({{"X-Forwarded-For", "203.0.113.9"}})) == "198.51.100.7");
    CHECK(client("198.51.100.7", request({{"X-Forwarded-For", "203.0.113.9, 10.0.0.2"}})) == "198.51.100.7");
    CHECK(client("2001:db8::5", request({{"X-Forwarded-For", "203.0.113.9"}})) == "2001:db8::5");
    // No proxy trusted at all: the field is never believed.
    const auto with_field = request({{"X-Forwarded-For", "203.0.113.9"}});
    CHECK(client_address(ip("10.0.0.1"), with_field, {}) == ip("10.0.0.1"));
}

TEST_CASE("a trusted proxy without X-Forwarded-For is the client") {
    CHECK(client("10.0.0.1", request({})) == "10.0.0.1");
    CHECK(client("10.0.0.1", request({{"Forwarded", "for=203.0.113.9"}})) == "10.0.0.1");
}

TEST_CASE("behind a trusted proxy the client is the rightmost untrusted address") {
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", "203.0.113.9"}})) == "203.0.113.9");
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", "203.0.113.9, 10.0.0.2"}})) == "203.0.113.9");
    CHECK(client("127.0.0.1", request({{"X-Forwarded-For", "203.0.113.9,10.0.0.2,10.0.0.3"}})) == "203.0.113.9");
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", "2001:db8::42, fd00::1"}})) == "2001:db8::42");
    CHECK(client("10.0.0.1", request({{"x-forwarded-for", "203.0.113.9"}})) == "203.0.113.9");
}

TEST_CASE("several X-Forwarded-For fields are one list, in order") {
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", "203.0.113.9"}, {"X-Forwarded-For", "10.0.0.2"}})) ==
          "203.0.113.9");
    // The last field holds the hop nearest to us: its untrusted address wins.
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", "203.0.113.9"}, {"X-FORWARDED-FOR", "198.51.100.1"}})) ==
          "198.51.100.1");
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", "203.0.113.9, 10.0.0.4"},
                                      {"Via", "1.1 proxy"},
                                      {"X-Forwarded-For", "10.0.0.3, 10.0.0.2"}})) == "203.0.113.9");
}

TEST_CASE("when every hop is trusted the leftmost one is the client") {
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", "10.0.0.3, 10.0.0.2"}})) == "10.0.0.3");
    CHECK(client("127.0.0.1", request({{"X-Forwarded-For", "10.9.9.9"}})) == "10.9.9.9");
}

TEST_CASE("an element that is not an address ends the walk at the last address believed") {
    // Right after the peer: the peer is the client.
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", "garbage"}})) == "10.0.0.1");
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", "unknown"}})) == "10.0.0.1");
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", ""}})) == "10.0.0.1");
    // Behind a trusted hop: that hop is the client, nothing further left is read.
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", "203.0.113.9, garbage, 10.0.0.2"}})) == "10.0.0.2");
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", "203.0.113.9, , 10.0.0.2"}})) == "10.0.0.2");
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", "203.0.113.9, 10.0.0.2:99999:1"}})) == "10.0.0.1");
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", "203.0.113.9, [2001:db8::1"}})) == "10.0.0.1");
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", "203.0.113.9, 10.0.0.2, example.com"}})) == "10.0.0.1");
    // An untrusted address already ends the walk: garbage further left is never looked at.
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", "garbage, 203.0.113.9"}})) == "203.0.113.9");
}

TEST_CASE("an element with a port names its address") {
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", "203.0.113.9:5678"}})) == "203.0.113.9");
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", "[::1]:80"}})) == "::1");
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", "[2001:db8::7]:443, 10.0.0.2:80"}})) == "2001:db8::7");
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", "[2001:db8::7]"}})) == "2001:db8::7");
    // Unbracketed IPv6 stays an address, not an address and a port.
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", "2001:db8::7"}})) == "2001:db8::7");
}

TEST_CASE("addresses a client wrote left of the proxies are not believed") {
    // The client sends "X-Forwarded-For: 6.6.6.6" itself; the proxy appends the real address.
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", "6.6.6.6, 203.0.113.9"}})) == "203.0.113.9");
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", "6.6.6.6, 203.0.113.9, 10.0.0.2"}})) == "203.0.113.9");
    // Claiming to be a trusted proxy does not help either: the real address stops the walk first.
    CHECK(client("10.0.0.1", request({{"X-Forwarded-For", "127.0.0.1, 203.0.113.9"}})) == "203.0.113.9");
    CHECK(client("10.0.0.1",
                 request({{"X-Forwarded-For", "6.6.6.6"}, {"X-Forwarded-For", "203.0.113.9, 10.0.0.2"}})) ==
          "203.0.113.9");
}
