// IP addresses as the admission rules see them: parsed from text (the
// command line, X-Forwarded-For) or from accept(2), matched against CIDR
// blocks, and reduced to what the per-IP limits count by.
//
// Pure code: inet_pton and inet_ntop only convert text.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wirechat::access {

// An IPv6 address; IPv4 ones are held as IPv4-mapped (::ffff:a.b.c.d), so a
// dual-stack listener's peers and plain IPv4 peers are the same addresses.
struct IpAddress {
    std::array<std::uint8_t, 16> bytes{};
    bool is_v4() const;
    bool operator==(const IpAddress&) const = default;
};

struct IpAddressHash {
    std::size_t operator()(const IpAddress& address) const;
};

// "192.0.2.1" or "2001:db8::1" (no brackets, no zone, no port).
std::optional<IpAddress> parse_ip(std::string_view text);
// An AF_INET or AF_INET6 socket address; nullopt for any other family.
std::optional<IpAddress> from_sockaddr(const sockaddr_storage& address);
// "192.0.2.1" or "2001:db8::1".
std::string to_string(const IpAddress& address);

// What the per-IP limits count by: an IPv4 address itself, an IPv6 address's
// /64. One IPv6 subscriber usually gets a whole /64 (RFC 6177), so counting
// single IPv6 addresses would count nothing.
IpAddress limit_key(const IpAddress& address);

// A block of addresses: "10.0.0.0/8", "2001:db8::/32", or one address
// ("127.0.0.1" is 127.0.0.1/32).
struct Cidr {
    IpAddress base;     // host bits cleared
    int prefix = 128;   // in the 128-bit space (an IPv4 /8 is 96 + 8)
    bool contains(const IpAddress& address) const;
};
std::optional<Cidr> parse_cidr(std::string_view text);

}  // namespace wirechat::access
