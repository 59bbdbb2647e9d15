// The server's side of the opening handshake (RFC 6455 4.2): an upgrade
// request in (parsed by the real HTTP parser), a decision out. Every
// decision is compared with one made here from the RFC's text by different
// means (base64 by hand and a round trip for the key, OpenSSL's one-shot
// SHA1 for the accept value). So the result is either a 101 with exactly the
// right Sec-WebSocket-Accept, or a 4xx without one: never both, never neither.
//
// permessage-deflate (RFC 7692) never changes whether a handshake succeeds:
// if agreed, the answer carries one well-formed permessage-deflate response.
//
// Input: one option byte (bit 1: offer subprotocols, bit 2: offer
// permessage-deflate, bits 4-6: the client window we ask for; bit 0 is not
// used since the origin check moved to access/origin.h), then the request
// bytes.
#include <openssl/sha.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "http/request_parser.h"
#include "ws/extension_offer.h"
#include "ws/handshake.h"

using namespace wirechat;

namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string encode_base64(const std::uint8_t* data, std::size_t size) {
    std::string out;
    for (std::size_t i = 0; i < size; i += 3) {
        std::uint32_t group = std::uint32_t(data[i]) << 16;
        if (i + 1 < size) group |= std::uint32_t(data[i + 1]) << 8;
        if (i + 2 < size) group |= data[i + 2];
        out += alphabet[group >> 18 & 63];
        out += alphabet[group >> 12 & 63];
        out += i + 1 < size ? alphabet[group >> 6 & 63] : '=';
        out += i + 2 < size ? alphabet[group & 63] : '=';
    }
    return out;
}

// Decodes padded base64; nullopt if it is not.
std::optional<std::vector<std::uint8_t>> decode_base64(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::vector<std::uint8_t> out;
    std::uint32_t bits = 0;
    int count = 0;
    std::size_t padding = 0;
    for (char c : text) {
        if (c == '=') {
            ++padding;
            bits <<= 6;
        } else {
            if (padding) return std::nullopt;  // data after padding
            const std::size_t value = alphabet.find(c);
            if (value == std::string_view::npos) return std::nullopt;
            bits = bits << 6 | std::uint32_t(value);
        }
        if (++count == 4) {
            out.push_back(std::uint8_t(bits >> 16));
            out.push_back(std::uint8_t(bits >> 8));
            out.push_back(std::uint8_t(bits));
            bits = 0;
            count = 0;
        }
    }
    if (padding > 2) return std::nullopt;
    out.resize(out.size() - padding);
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    return out;
}

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return std::string(s);
}

// Every comma-separated element of every field called `name`, trimmed.
std::vector<std::string> list_elements(const http::Request& request, std::string_view name) {
    std::vector<std::string> out;
    for (const http::Header& h : request.headers) {
        if (lower(h.name) != lower(name)) continue;
        std::string_view rest = h.value;
        for (std::size_t comma; (comma = rest.find(',')) != std::string_view::npos;
             rest.remove_prefix(comma + 1))
            out.push_back(trim(rest.substr(0, comma)));
        out.push_back(trim(rest));
    }
    return out;
}

bool has_token(const http::Request& request, std::string_view name, std::string_view token) {
    for (const std::string& element : list_elements(request, name))
        if (lower(element) == lower(token)) return true;
    return false;
}

std::vector<std::string> fields(const http::Request& request, std::string_view name) {
    std::vector<std::string> out;
    for (const http::Header& h : request.headers)
        if (lower(h.name) == lower(name)) out.push_back(h.value);
    return out;
}

// The key is base64 for 16 bytes, in the one canonical spelling.
bool key_ok(std::string_view key) {
    auto decoded = decode_base64(key);
    return decoded && decoded->size() == 16 && encode_base64(decoded->data(), 16) == key;
}

std::string expected_accept(std::string_view key) {
    const std::string input = std::string(key) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    std::uint8_t digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
    return encode_base64(digest, sizeof digest);
}

struct Expected {
    int status;
    std::string subprotocol;
};

Expected expected_decision(const http::Request& r, const ws::HandshakeOptions& options) {
    if (r.method != "GET" || r.version_minor != 1 || !has_token(r, "Connection", "upgrade") ||
        !has_token(r, "Upgrade", "websocket"))
        return {400, {}};
    const auto versions = fields(r, "Sec-WebSocket-Version");
    if (versions.size() != 1 || versions[0] != "13") return {426, {}};
    const auto keys = fields(r, "Sec-WebSocket-Key");
    if (keys.size() != 1 || !key_ok(keys[0])) return {400, {}};
    const auto offered = list_elements(r, "Sec-WebSocket-Protocol");
    for (const std::string& ours : options.subprotocols)
        for (const std::string& theirs : offered)
            if (ours == theirs) return {101, ours};
    return {101, {}};
}

const std::string* find_field(const std::vector<http::Header>& headers, std::string_view name) {
    for (const http::Header& h : headers)
        if (h.name == name) return &h.value;
    return nullptr;
}

// The agreed extension, as the client will read it back.
void check_deflate(const ws::HandshakeDecision& decision, const ws::HandshakeOptions& options) {
    const std::string* response = find_field(decision.headers, "Sec-WebSocket-Extensions");
    FUZZ_CHECK(!decision.deflate || decision.status == 101);
    FUZZ_CHECK(bool(response) == bool(decision.deflate));
    if (!decision.deflate) return;
    FUZZ_CHECK(options.deflate.has_value());
    const auto offers = ws::parse_extension_offers(*response);
    FUZZ_CHECK(offers && offers->size() == 1 && (*offers)[0].name == "permessage-deflate");
    const ws::DeflateParams& params = *decision.deflate;
    FUZZ_CHECK(params.server_no_context_takeover);
    FUZZ_CHECK(params.server_max_window_bits >= 8 && params.server_max_window_bits <= 15);
    FUZZ_CHECK(params.client_max_window_bits >= 8 && params.client_max_window_bits <= 15);
    FUZZ_CHECK(params.client_max_window_bits <= options.deflate->client_max_window_bits ||
               params.client_max_window_bits == 15);
}

void check_decision(const http::Request& request, const ws::HandshakeOptions& options) {
    const ws::HandshakeDecision decision = ws::decide_handshake(request, options);
    const Expected expected = expected_decision(request, options);
    check_deflate(decision, options);
    FUZZ_CHECK(decision.status == expected.status);
    FUZZ_CHECK(decision.subprotocol == expected.subprotocol);
    const std::string* accept = find_field(decision.headers, "Sec-WebSocket-Accept");
    if (decision.status == 101) {
        FUZZ_CHECK(accept && *accept == expected_accept(fields(request, "Sec-WebSocket-Key")[0]));
        const std::string* upgrade = find_field(decision.headers, "Upgrade");
        const std::string* connection = find_field(decision.headers, "Connection");
        FUZZ_CHECK(upgrade && lower(*upgrade) == "websocket");
        FUZZ_CHECK(connection && lower(*connection) == "upgrade");
        const std::string* protocol = find_field(decision.headers, "Sec-WebSocket-Protocol");
        FUZZ_CHECK(expected.subprotocol.empty() ? !protocol : protocol && *protocol == expected.subprotocol);
    } else {
        FUZZ_CHECK(!accept);
        FUZZ_CHECK(!decision.reason.empty());
        const std::string* version = find_field(decision.headers, "Sec-WebSocket-Version");
        FUZZ_CHECK(decision.status == 426 ? version && *version == "13" : !version);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return -1;
    ws::HandshakeOptions options;
    if (data[0] & 2) options.subprotocols = {"wirechat.v1", "wirechat"};
    if (data[0] & 4) options.deflate = ws::DeflateOptions{.client_max_window_bits = 8 + (data[0] >> 4) % 8};

    http::RequestParser parser;
    const http::ParseResult r = parser.feed(fuzz::as_text({data + 1, size - 1}));
    if (r.event != http::ParseEvent::head_complete) return 0;
    const http::Request& request = parser.request();
    FUZZ_CHECK(ws::wants_upgrade(request) == has_token(request, "Upgrade", "websocket"));
    check_decision(request, options);

    // Whatever key the input offered: if it is a good one, our own client's
    // request carrying it must be accepted.
    const auto keys = fields(request, "Sec-WebSocket-Key");
    if (keys.size() == 1 && key_ok(keys[0])) {
        const std::string protocols[] = {"wirechat"};
        const std::string client = ws::client_handshake_request("localhost:3000", "/chat", keys[0], protocols);
        http::RequestParser client_parser;
        FUZZ_CHECK(client_parser.feed(client).event == http::ParseEvent::head_complete);
        const ws::HandshakeDecision decision = ws::decide_handshake(client_parser.request(), options);
        FUZZ_CHECK(decision.status == 101);
        FUZZ_CHECK(ws::compute_accept(keys[0]) == expected_accept(keys[0]));
    }
    return 0;
}
