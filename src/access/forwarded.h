// Who the client is, when a reverse proxy stands in front (--trust-proxy).
//
// A proxy appends the address it got the request from to X-Forwarded-For, so
// the field reads "client, proxy1, proxy2" and the peer is the last proxy.
// Anyone can write the field, so only what trusted proxies appended is
// believed: walking from the right, past every trusted hop, the first
// address not trusted is the client. A peer that is not a trusted proxy is
// the client itself, whatever the field says.
#pragma once

#include <span>

#include "access/ip.h"
#include "http/request.h"

namespace wirechat::access {

// `peer` is the address of the socket. An element that is not an address
// ends the walk: the last address believed so far is the client.
IpAddress client_address(const IpAddress& peer, const http::Request& request,
                         std::span<const Cidr> trusted_proxies);

bool is_trusted(const IpAddress& address, std::span<const Cidr> trusted);

}  // namespace wirechat::access
