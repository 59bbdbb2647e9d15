#include "access/forwarded.h"

#include <string_view>
#include <vector>

#include "http/grammar.h"

namespace wirechat::access {

namespace {

// "192.0.2.1", "2001:db8::1", and the forms some proxies write with a port:
// "192.0.2.1:5678", "[2001:db8::1]:5678".
std::optional<IpAddress> forwarded_element(std::string_view element) {
    if (element.starts_with('[')) {
        const std::size_t close = element.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        return parse_ip(element.substr(1, close - 1));
    }
    const std::size_t colon = element.find(':');
    if (colon != std::string_view::npos && element.find(':', colon + 1) == std::string_view::npos)
        element = element.substr(0, colon);  // one colon: IPv4 with a port
    return parse_ip(element);
}

}  // namespace

bool is_trusted(const IpAddress& address, std::span<const Cidr> trusted) {
    for (const Cidr& block : trusted)
        if (block.contains(address)) return true;
    return false;
}

IpAddress client_address(const IpAddress& peer, const http::Request& request,
                         std::span<const Cidr> trusted_proxies) {
    if (!is_trusted(peer, trusted_proxies)) return peer;
    std::vector<std::string_view> hops;  // every field's elements, in order
    for (const http::Header& field : request.headers)
        if (http::iequals(field.name, "X-Forwarded-For"))
            for (std::string_view element : http::ListElements(field.value)) hops.push_back(element);
    IpAddress client = peer;
    for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
        const std::optional<IpAddress> address = forwarded_element(*hop);
        if (!address) break;
        client = *address;
        if (!is_trusted(client, trusted_proxies)) break;
    }
    return client;
}

}  // namespace wirechat::access
