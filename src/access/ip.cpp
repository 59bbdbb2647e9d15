#include "access/ip.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace wirechat::access {

namespace {

constexpr std::uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

IpAddress mapped_v4(const void* four_bytes) {
    IpAddress address;
    std::memcpy(address.bytes.data(), v4_mapped_prefix, 12);
    std::memcpy(address.bytes.data() + 12, four_bytes, 4);
    return address;
}

// Keeps the first `prefix` bits of `address`, clears the rest.
IpAddress masked(IpAddress address, int prefix) {
    for (int i = 0; i < 16; ++i) {
        const int kept = prefix - 8 * i;
        if (kept >= 8) continue;
        address.bytes[i] &= kept <= 0 ? 0 : std::uint8_t(0xff << (8 - kept));
    }
    return address;
}

}  // namespace

bool IpAddress::is_v4() const { return std::memcmp(bytes.data(), v4_mapped_prefix, 12) == 0; }

std::size_t IpAddressHash::operator()(const IpAddress& address) const {
    std::uint64_t high, low;
    std::memcpy(&high, address.bytes.data(), 8);
    std::memcpy(&low, address.bytes.data() + 8, 8);
    return std::size_t(high * 0x9e3779b97f4a7c15ull ^ low);
}

std::optional<IpAddress> parse_ip(std::string_view text) {
    char buffer[INET6_ADDRSTRLEN];
    // (inet_pton reads a C string: a NUL inside would end the text early.)
    if (text.empty() || text.size() >= sizeof buffer || text.find('\0') != std::string_view::npos)
        return std::nullopt;
    std::memcpy(buffer, text.data(), text.size());
    buffer[text.size()] = '\0';
    unsigned char raw[16];
    if (inet_pton(AF_INET, buffer, raw) == 1) return mapped_v4(raw);
    IpAddress address;
    if (inet_pton(AF_INET6, buffer, address.bytes.data()) == 1) return address;
    return std::nullopt;
}

std::optional<IpAddress> from_sockaddr(const sockaddr_storage& address) {
    if (address.ss_family == AF_INET)
        return mapped_v4(&reinterpret_cast<const sockaddr_in&>(address).sin_addr);
    if (address.ss_family == AF_INET6) {
        IpAddress ip;
        std::memcpy(ip.bytes.data(), &reinterpret_cast<const sockaddr_in6&>(address).sin6_addr, 16);
        return ip;
    }
    return std::nullopt;
}

std::string to_string(const IpAddress& address) {
    char buffer[INET6_ADDRSTRLEN] = "";
    if (address.is_v4()) inet_ntop(AF_INET, address.bytes.data() + 12, buffer, sizeof buffer);
    else inet_ntop(AF_INET6, address.bytes.data(), buffer, sizeof buffer);
    return buffer;
}

IpAddress limit_key(const IpAddress& address) { return address.is_v4() ? address : masked(address, 64); }

bool Cidr::contains(const IpAddress& address) const { return masked(address, prefix) == base; }

std::optional<Cidr> parse_cidr(std::string_view text) {
    const std::size_t slash = text.find('/');
    const std::optional<IpAddress> address = parse_ip(text.substr(0, slash));
    if (!address) return std::nullopt;
    const int width = address->is_v4() ? 32 : 128;
    int bits = width;
    if (slash != std::string_view::npos) {
        const std::string_view digits = text.substr(slash + 1);
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
        if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || bits < 0 ||
            bits > width)
            return std::nullopt;
    }
    const int prefix = bits + (128 - width);
    return Cidr{masked(*address, prefix), prefix};
}

}  // namespace wirechat::access
