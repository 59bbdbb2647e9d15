// WebSocket extension negotiation: reading the client's
// Sec-WebSocket-Extensions offers (RFC 6455 9.1) and deciding what, if
// anything, to accept of permessage-deflate (RFC 7692 7.1). Pure functions on
// strings, so the whole negotiation is tested as a table of offers and
// answers.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wirechat::ws {

struct ExtensionParam {
    std::string name;
    std::optional<std::string> value;  // quotes and escapes already removed
};

// One element of the list: an extension name and its parameters, in order.
struct ExtensionOffer {
    std::string name;
    std::vector<ExtensionParam> params;
};

// Parses a Sec-WebSocket-Extensions value (several fields are joined with
// ","). Empty list elements are skipped, as RFC 7230 7 asks of recipients.
// nullopt if the syntax is broken anywhere: nothing in it can be trusted.
std::optional<std::vector<ExtensionOffer>> parse_extension_offers(std::string_view list);

// The parameters both sides agreed on (RFC 7692 7.1). "server" is the side
// that answers the handshake, whatever the role of whoever reads this.
struct DeflateParams {
    bool server_no_context_takeover = false;
    bool client_no_context_takeover = false;
    int server_max_window_bits = 15;  // the server's compressor uses at most 2^n bytes of history
    int client_max_window_bits = 15;  // the client's compressor likewise

    bool operator==(const DeflateParams&) const = default;
};

// What a server is willing to agree to.
struct DeflateOptions {
    // The window we ask clients to compress with, when their offer lets us
    // choose (client_max_window_bits). It is the window our inflater keeps
    // per connection: 2^n bytes.
    int client_max_window_bits = 15;
};

struct DeflateAgreement {
    DeflateParams params;
    std::string response;  // the Sec-WebSocket-Extensions value to send back
};

// The first permessage-deflate offer we can accept, or nullopt. An offer with
// an unknown or repeated parameter, or a bad value, is declined (RFC 7692
// 7.1) and the next one is tried. We always answer
// server_no_context_takeover: our compressor then keeps nothing between
// messages, so one compressor serves every connection and a broadcast is
// compressed once.
std::optional<DeflateAgreement> negotiate_deflate(std::span<const ExtensionOffer> offers,
                                                  const DeflateOptions& options);

}  // namespace wirechat::ws
