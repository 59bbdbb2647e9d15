// The opening handshake (RFC 6455 4): the server's decision on an upgrade
// request, and the few client-side pieces the tests, the benchmark and the
// CLI need to open a connection themselves.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"
#include "ws/extension_offer.h"

namespace wirechat::ws {

// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + GUID)).
std::string compute_accept(std::string_view key);
// Computes RFC 6455's example accept key and throws if it comes out wrong.
// A server calls it before it listens: a broken OpenSSL then fails at
// start-up, and OpenSSL's one-time set-up (it pages in about 2 MB of
// libcrypto) is not paid by the first handshake.
void verify_accept_computation();

// The request asks for a WebSocket: an "Upgrade" field holds the token
// "websocket". decide_handshake() then says whether it is acceptable.
bool wants_upgrade(const http::Request& request);

// Which origins may connect is not the handshake's business but the
// server's (access/origin.h): the handshake is the same for every page.
struct HandshakeOptions {
    std::vector<std::string> subprotocols;     // what this endpoint speaks, in preference order
    std::optional<DeflateOptions> deflate;     // permessage-deflate; none: never negotiated
};

struct HandshakeDecision {
    int status;                         // 101, 400 or 426
    std::string reason;                 // short text for an error body
    std::vector<http::Header> headers;  // 101: Upgrade, Connection, Sec-WebSocket-Accept,
                                        // Sec-WebSocket-Protocol if chosen and
                                        // Sec-WebSocket-Extensions if agreed;
                                        // 426: Sec-WebSocket-Version: 13
    std::string subprotocol;            // the chosen one, or empty
    std::optional<DeflateParams> deflate;  // agreed permessage-deflate parameters, or none
};

HandshakeDecision decide_handshake(const http::Request& request, const HandshakeOptions& options);

// Client side.
// A fresh Sec-WebSocket-Key: 16 random bytes (OpenSSL RAND_bytes), base64.
std::string make_client_key();
// The complete upgrade request, ending with the blank line.
std::string client_handshake_request(std::string_view host_port, std::string_view path,
                                     std::string_view key,
                                     std::span<const std::string> protocols = {});

}  // namespace wirechat::ws
