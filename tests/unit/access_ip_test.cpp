// IP addresses and CIDR blocks as the admission rules see them (access/ip.h).
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstring>
#include <string>

#include "access/ip.h"

using wirechat::access::Cidr;
using wirechat::access::from_sockaddr;
using wirechat::access::IpAddress;
using wirechat::access::limit_key;
using wirechat::access::parse_cidr;
using wirechat::access::parse_ip;
using wirechat::access::to_string;

namespace {

IpAddress ip(const char* text) {
    auto address = parse_ip(text);
    REQUIRE(address);
    return *address;
}

Cidr cidr(const char* text) {
    auto block = parse_cidr(text);
    REQUIRE(block);
    return *block;
}

}  // namespace

TEST_CASE("an IPv4 address is held IPv4-mapped") {
    const IpAddress address = ip("192.0.2.1");
    CHECK(address.is_v4());
    const std::array<std::uint8_t, 16> expected{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};
    CHECK(address.bytes == expected);
}

TEST_CASE("an IPv6 address is held as its 16 bytes") {
    const IpAddress address = ip("2001:db8::1");
    CHECK_FALSE(address.is_v4());
    const std::array<std::uint8_t, 16> expected{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    CHECK(address.bytes == expected);
    CHECK_FALSE(ip("::1").is_v4());
    CHECK_FALSE(ip("::").is_v4());
    CHECK(ip("2001:DB8::1") == address);
}

TEST_CASE("an IPv4-mapped IPv6 address is the same address as the IPv4 one") {
    CHECK(ip("::ffff:192.0.2.1") == ip("192.0.2.1"));
    CHECK(ip("::ffff:c000:201") == ip("192.0.2.1"));
    CHECK(ip("::ffff:192.0.2.1").is_v4());
    // The deprecated IPv4-compatible form is another address.
    CHECK_FALSE(ip("::192.0.2.1") == ip("192.0.2.1"));
}

TEST_CASE("parse_ip refuses what is not one bare address") {
    for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "1.2.3.256", "256.0.0.1", "localhost", "example.com", " 1.2.3.4",
                            "1.2.3.4 ", "1.2.3.4/8", "1.2.3.4:80", "::g", "1:2:3:4:5:6:7:8:9", "2001:db8:::1",
                            "[::1]", "[2001:db8::1]", "[::1]:80", "fe80::1%eth0", "-1.2.3.4", "0x7f.0.0.1"}) {
        INFO(bad);
        CHECK_FALSE(parse_ip(bad));
    }
}

TEST_CASE("parse_ip takes the longest textual form but refuses longer text without overflowing") {
    // 45 characters, the longest an address can be written (INET6_ADDRSTRLEN - 1).
    const std::string longest = "0000:0000:0000:0000:0000:ffff:192.168.100.200";
    REQUIRE(longest.size() == 45);
    auto parsed = parse_ip(longest);
    REQUIRE(parsed);
    CHECK(*parsed == ip("192.168.100.200"));
    CHECK_FALSE(parse_ip(longest + "0"));
    CHECK_FALSE(parse_ip("1.2.3.4" + std::string(60, ' ')));
    CHECK_FALSE(parse_ip(std::string(10'000, '1')));
}

// inet_pton reads a C string: text after an embedded NUL must not be
// ignored ("1.2.3.4\0garbage" is not 1.2.3.4).
TEST_CASE("parse_ip refuses text with a NUL inside") {
    CHECK_FALSE(parse_ip(std::string_view("1.2.3.4\0garbage", 15)));
    CHECK_FALSE(parse_ip(std::string_view("::1\0", 4)));
}

TEST_CASE("from_sockaddr reads AF_INET and AF_INET6 and refuses other families") {
    SECTION("AF_INET") {
        sockaddr_storage storage{};
        auto& in = reinterpret_cast<sockaddr_in&>(storage);
        in.sin_family = AF_INET;
        in.sin_port = htons(4321);
        REQUIRE(inet_pton(AF_INET, "198.51.100.7", &in.sin_addr) == 1);
        auto address = from_sockaddr(storage);
        REQUIRE(address);
        CHECK(*address == ip("198.51.100.7"));
        CHECK(address->is_v4());
    }
    SECTION("AF_INET6") {
        sockaddr_storage storage{};
        auto& in6 = reinterpret_cast<sockaddr_in6&>(storage);
        in6.sin6_family = AF_INET6;
        in6.sin6_port = htons(4321);
        REQUIRE(inet_pton(AF_INET6, "2001:db8:1:2::99", &in6.sin6_addr) == 1);
        auto address = from_sockaddr(storage);
        REQUIRE(address);
        CHECK(*address == ip("2001:db8:1:2::99"));
    }
    SECTION("AF_INET6 carrying an IPv4-mapped peer (dual-stack listener)") {
        sockaddr_storage storage{};
        auto& in6 = reinterpret_cast<sockaddr_in6&>(storage);
        in6.sin6_family = AF_INET6;
        REQUIRE(inet_pton(AF_INET6, "::ffff:198.51.100.7", &in6.sin6_addr) == 1);
        auto address = from_sockaddr(storage);
        REQUIRE(address);
        CHECK(*address == ip("198.51.100.7"));
        CHECK(address->is_v4());
    }
    SECTION("AF_UNIX") {
        sockaddr_storage storage{};
        auto& un = reinterpret_cast<sockaddr_un&>(storage);
        un.sun_family = AF_UNIX;
        std::strcpy(un.sun_path, "/tmp/wirechat.sock");
        CHECK_FALSE(from_sockaddr(storage));
    }
    SECTION("AF_UNSPEC") {
        sockaddr_storage storage{};
        storage.ss_family = AF_UNSPEC;
        CHECK_FALSE(from_sockaddr(storage));
    }
}

TEST_CASE("to_string writes the canonical form and round-trips") {
    for (const char* text : {"192.0.2.1", "0.0.0.0", "255.255.255.255", "2001:db8::1", "::1", "::", "fe80::1:2",
                             "2001:db8:0:1:2:3:4:5"}) {
        INFO(text);
        CHECK(to_string(ip(text)) == text);
        CHECK(ip(to_string(ip(text)).c_str()) == ip(text));
    }
    // Not canonical on input: written canonically (RFC 5952), still the same address.
    CHECK(to_string(ip("2001:DB8:0:0:1:0:0:1")) == "2001:db8::1:0:0:1");
    CHECK(to_string(ip("2001:0db8:0000:0000:0000:0000:0000:0001")) == "2001:db8::1");
    // IPv4-mapped addresses are written as IPv4.
    CHECK(to_string(ip("::ffff:192.0.2.1")) == "192.0.2.1");
    CHECK(to_string(IpAddress{}) == "::");
}

TEST_CASE("limit_key keeps an IPv4 address and cuts an IPv6 one to its /64") {
    CHECK(limit_key(ip("192.0.2.1")) == ip("192.0.2.1"));
    CHECK(limit_key(ip("255.255.255.255")) == ip("255.255.255.255"));
    CHECK(limit_key(ip("2001:db8:1:2:3:4:5:6")) == ip("2001:db8:1:2::"));
    CHECK(limit_key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")) == ip("2001:db8:1:2::"));
    CHECK(limit_key(ip("2001:db8:1:2::1")) == limit_key(ip("2001:db8:1:2::2")));
    CHECK_FALSE(limit_key(ip("2001:db8:1:2::1")) == limit_key(ip("2001:db8:1:3::1")));
    CHECK(to_string(limit_key(ip("2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff"))) == "2001:db8:aaaa:bbbb::");
}

TEST_CASE("parse_cidr counts the prefix in the 128-bit space") {
    CHECK(cidr("0.0.0.0/0").prefix == 96);
    CHECK(cidr("10.0.0.0/8").prefix == 104);
    CHECK(cidr("192.0.2.1/32").prefix == 128);
    CHECK(cidr("2001:db8::/32").prefix == 32);
    CHECK(cidr("2001:db8:1:2::/64").prefix == 64);
    CHECK(cidr("::/0").prefix == 0);
    CHECK(cidr("::1/128").prefix == 128);
}

TEST_CASE("parse_cidr takes a bare address as a block of one") {
    const Cidr v4 = cidr("127.0.0.1");
    CHECK(v4.prefix == 128);
    CHECK(v4.base == ip("127.0.0.1"));
    CHECK(v4.contains(ip("127.0.0.1")));
    CHECK_FALSE(v4.contains(ip("127.0.0.2")));
    const Cidr v6 = cidr("::1");
    CHECK(v6.prefix == 128);
    CHECK(v6.contains(ip("::1")));
    CHECK_FALSE(v6.contains(ip("::2")));
}

TEST_CASE("parse_cidr clears the host bits of the base") {
    CHECK(cidr("10.1.2.3/8").base == ip("10.0.0.0"));
    CHECK(cidr("192.168.1.255/23").base == ip("192.168.0.0"));
    CHECK(cidr("2001:db8:1:2:3:4:5:6/64").base == ip("2001:db8:1:2::"));
    CHECK(cidr("2001:db8:ffff::/33").base == ip("2001:db8:8000::"));
    CHECK(cidr("1.2.3.4/0").base == ip("0.0.0.0"));
}

TEST_CASE("parse_cidr refuses prefixes beyond the family and garbage") {
    CHECK_FALSE(parse_cidr("10.0.0.0/33"));
    CHECK_FALSE(parse_cidr("10.0.0.0/128"));
    CHECK_FALSE(parse_cidr("2001:db8::/129"));
    for (const char* bad : {"", "/8", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8x", "10.0.0.0/ 8",
                            "10.0.0.0/8/8", "10.0.0/8", "example.com/8", "10.0.0.0/99999999999999999999",
                            "[::1]/128", "garbage"}) {
        INFO(bad);
        CHECK_FALSE(parse_cidr(bad));
    }
}

TEST_CASE("Cidr::contains matches exactly the addresses of the block") {
    const Cidr ten = cidr("10.0.0.0/8");
    CHECK(ten.contains(ip("10.0.0.0")));
    CHECK(ten.contains(ip("10.1.2.3")));
    CHECK(ten.contains(ip("10.255.255.255")));
    CHECK_FALSE(ten.contains(ip("9.255.255.255")));
    CHECK_FALSE(ten.contains(ip("11.0.0.0")));
    CHECK_FALSE(ten.contains(ip("::a00:1")));  // IPv4-compatible, not mapped

    const Cidr odd = cidr("192.168.0.0/23");
    CHECK(odd.contains(ip("192.168.1.255")));
    CHECK_FALSE(odd.contains(ip("192.168.2.0")));

    // The IPv4 /0 is every IPv4 address and no IPv6 one.
    const Cidr all_v4 = cidr("0.0.0.0/0");
    CHECK(all_v4.contains(ip("1.2.3.4")));
    CHECK(all_v4.contains(ip("255.255.255.255")));
    CHECK_FALSE(all_v4.contains(ip("2001:db8::1")));
    CHECK_FALSE(all_v4.contains(ip("::1")));

    // The IPv6 /0 is everything, IPv4 included.
    const Cidr all = cidr("::/0");
    CHECK(all.contains(ip("2001:db8::1")));
    CHECK(all.contains(ip("1.2.3.4")));

    const Cidr net64 = cidr("2001:db8:1:2::/64");
    CHECK(net64.contains(ip("2001:db8:1:2::1")));
    CHECK(net64.contains(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")));
    CHECK_FALSE(net64.contains(ip("2001:db8:1:3::")));
    CHECK_FALSE(net64.contains(ip("192.0.2.1")));

    const Cidr doc = cidr("2001:db8::/32");
    CHECK(doc.contains(ip("2001:db8:ffff::1")));
    CHECK_FALSE(doc.contains(ip("2001:db9::1")));
}
