// The server checks the upgrade request field by field and answers with the
// status RFC 6455 4.2.2 asks for: 426 for a version it does not speak (with
// the one it does), 400 for anything malformed. (Whether the page's origin
// may connect is decided by the server: access/origin.h.)
#include "ws/handshake.h"

#include "http/grammar.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace wirechat::ws {

namespace {

constexpr std::string_view websocket_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string base64(const unsigned char* data, std::size_t size) {
    std::string out(4 * ((size + 2) / 3), '\0');
    // EVP_EncodeBlock writes a terminating NUL after the output, which the
    // string's own terminator slot absorbs.
    const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data,
                                        static_cast<int>(size));
    out.resize(static_cast<std::size_t>(written));
    return out;
}

bool is_base64_digit(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

// 16 bytes in base64 are 22 digits and "==". The 22nd digit carries only two
// data bits; the other four must be zero for the encoding to be canonical.
bool is_valid_key(std::string_view key) {
    if (key.size() != 24 || key[22] != '=' || key[23] != '=') return false;
    for (std::size_t i = 0; i < 22; ++i)
        if (!is_base64_digit(key[i])) return false;
    const std::string_view last_digit_values = "AQgw";  // 0, 16, 32, 48: low 4 bits clear
    return last_digit_values.find(key[21]) != std::string_view::npos;
}

// Subprotocol names are compared exactly (they are case-sensitive tokens),
// across every Sec-WebSocket-Protocol field, since a list may be split over
// several fields.
bool offers_subprotocol(const http::Request& request, std::string_view wanted) {
    for (const http::Header& header : request.headers) {
        if (!http::iequals(header.name, "Sec-WebSocket-Protocol")) continue;
        for (std::string_view offered : http::ListElements(header.value))
            if (offered == wanted) return true;
    }
    return false;
}

std::size_t count_fields(const http::Request& request, std::string_view name) {
    std::size_t count = 0;
    for (const http::Header& header : request.headers)
        if (http::iequals(header.name, name)) ++count;
    return count;
}

// The offers may be spread over several fields: together they are one list.
std::optional<DeflateAgreement> agree_on_deflate(const http::Request& request, const DeflateOptions& options) {
    std::string list;
    for (const http::Header& header : request.headers) {
        if (!http::iequals(header.name, "Sec-WebSocket-Extensions")) continue;
        if (!list.empty()) list += ',';
        list += header.value;
    }
    std::optional<std::vector<ExtensionOffer>> offers = parse_extension_offers(list);
    if (!offers) return std::nullopt;
    return negotiate_deflate(*offers, options);
}

// SHA-1, looked up once. With EVP_sha1(), OpenSSL 3 looks the algorithm up
// by name in its providers again for every digest (an "implicit fetch").
const EVP_MD* sha1() {
    // Never freed: one immutable handle for the life of the process.
    static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA1", nullptr);
    if (!md) throw std::runtime_error("OpenSSL offers no SHA-1");
    return md;
}

HandshakeDecision refuse(int status, std::string reason) {
    return HandshakeDecision{status, std::move(reason), {}, {}, {}};
}

}  // namespace

std::string compute_accept(std::string_view key) {
    std::string input;
    input.reserve(key.size() + websocket_guid.size());
    input.append(key);
    input.append(websocket_guid);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_size = 0;
    if (EVP_Digest(input.data(), input.size(), digest, &digest_size, sha1(), nullptr) != 1)
        throw std::runtime_error("SHA-1 failed");
    return base64(digest, digest_size);
}

void verify_accept_computation() {
    // RFC 6455 1.3's example.
    if (compute_accept("dGhlIHNhbXBsZSBub25jZQ==") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        throw std::runtime_error("Sec-WebSocket-Accept computation is wrong (OpenSSL's SHA-1 or base64)");
}

bool wants_upgrade(const http::Request& request) {
    return request.has_token("Upgrade", "websocket");
}

HandshakeDecision decide_handshake(const http::Request& request, const HandshakeOptions& options) {
    if (request.method != "GET") return refuse(400, "a WebSocket handshake must be a GET");
    if (request.version_minor != 1) return refuse(400, "a WebSocket handshake needs HTTP/1.1");
    if (!request.has_token("Connection", "upgrade"))
        return refuse(400, "Connection must include \"upgrade\"");
    if (!wants_upgrade(request)) return refuse(400, "Upgrade must include \"websocket\"");

    const std::string* version = request.find("Sec-WebSocket-Version");
    if (!version || *version != "13" || count_fields(request, "Sec-WebSocket-Version") != 1) {
        HandshakeDecision decision = refuse(426, "only WebSocket version 13 is supported");
        decision.headers.push_back({"Sec-WebSocket-Version", "13"});
        return decision;
    }

    const std::string* key = request.find("Sec-WebSocket-Key");
    if (!key || count_fields(request, "Sec-WebSocket-Key") != 1 || !is_valid_key(*key))
        return refuse(400, "Sec-WebSocket-Key must be the base64 of 16 bytes");

    HandshakeDecision decision{101, "Switching Protocols", {}, {}, {}};
    decision.headers.push_back({"Upgrade", "websocket"});
    decision.headers.push_back({"Connection", "Upgrade"});
    decision.headers.push_back({"Sec-WebSocket-Accept", compute_accept(*key)});
    for (const std::string& ours : options.subprotocols) {
        if (offers_subprotocol(request, ours)) {
            decision.subprotocol = ours;
            decision.headers.push_back({"Sec-WebSocket-Protocol", ours});
            break;
        }
    }
    if (options.deflate) {
        if (std::optional<DeflateAgreement> agreed = agree_on_deflate(request, *options.deflate)) {
            decision.deflate = agreed->params;
            decision.headers.push_back({"Sec-WebSocket-Extensions", std::move(agreed->response)});
        }
    }
    return decision;
}

std::string make_client_key() {
    unsigned char nonce[16];
    if (RAND_bytes(nonce, sizeof nonce) != 1) throw std::runtime_error("RAND_bytes failed");
    return base64(nonce, sizeof nonce);
}

std::string client_handshake_request(std::string_view host_port, std::string_view path,
                                     std::string_view key, std::span<const std::string> protocols) {
    std::string out;
    out.reserve(192 + host_port.size() + path.size());
    out.append("GET ").append(path).append(" HTTP/1.1\r\n");
    out.append("Host: ").append(host_port).append("\r\n");
    out.append("Upgrade: websocket\r\nConnection: Upgrade\r\n");
    out.append("Sec-WebSocket-Key: ").append(key).append("\r\n");
    out.append("Sec-WebSocket-Version: 13\r\n");
    if (!protocols.empty()) {
        out.append("Sec-WebSocket-Protocol: ");
        for (std::size_t i = 0; i < protocols.size(); ++i) {
            if (i) out.append(", ");
            out.append(protocols[i]);
        }
        out.append("\r\n");
    }
    out.append("\r\n");
    return out;
}

}  // namespace wirechat::ws
