#include "access/token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <boost/json.hpp>
#include <cmath>
#include <stdexcept>

namespace wirechat::access {

namespace {

constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int sextet(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

// nullopt if OpenSSL fails: a digest left at zero must never be compared.
std::optional<std::array<unsigned char, 32>> hmac_sha256(std::string_view secret, std::string_view data) {
    std::array<unsigned char, 32> digest{};
    unsigned int size = 0;
    if (!HMAC(EVP_sha256(), secret.data(), int(secret.size()), reinterpret_cast<const unsigned char*>(data.data()),
              data.size(), digest.data(), &size) ||
        size != digest.size())
        return std::nullopt;
    return digest;
}

TokenCheck problem(TokenProblem kind, std::string_view why) { return {std::nullopt, kind, why}; }

// A JSON object, or nullopt.
std::optional<boost::json::object> json_object(std::string_view text) {
    boost::system::error_code error;
    boost::json::value value = boost::json::parse(text, error);
    if (error || !value.is_object()) return std::nullopt;
    return std::move(value.as_object());
}

// A JSON number as whole seconds, or nullopt (not a number, or beyond what
// a time can be).
std::optional<std::int64_t> seconds(const boost::json::value& value) {
    if (value.is_int64()) return value.as_int64();
    if (value.is_uint64()) return value.as_uint64() > std::uint64_t(INT64_MAX) ? std::nullopt
                                                                             : std::optional<std::int64_t>(value.as_uint64());
    if (value.is_double() && std::abs(value.as_double()) < 9e15) return std::int64_t(std::floor(value.as_double()));
    return std::nullopt;
}

std::optional<TokenClaims> read_claims(const boost::json::object& payload) {
    TokenClaims claims;
    const boost::json::value* sub = payload.if_contains("sub");
    if (!sub || !sub->is_string() || sub->as_string().empty()) return std::nullopt;
    claims.subject = sub->as_string();
    const boost::json::value* exp = payload.if_contains("exp");
    if (!exp) return std::nullopt;
    std::optional<std::int64_t> expires = seconds(*exp);
    if (!expires) return std::nullopt;
    claims.expires_s = *expires;
    if (const boost::json::value* nbf = payload.if_contains("nbf")) {
        claims.not_before_s = seconds(*nbf);
        if (!claims.not_before_s) return std::nullopt;
    }
    if (const boost::json::value* rooms = payload.if_contains("rooms")) {
        if (!rooms->is_array()) return std::nullopt;
        claims.rooms.emplace();
        for (const boost::json::value& room : rooms->as_array()) {
            if (!room.is_string()) return std::nullopt;
            claims.rooms->emplace_back(room.as_string());
        }
    }
    return claims;
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t n = std::uint32_t(std::uint8_t(bytes[i])) << 16 |
                                std::uint32_t(std::uint8_t(bytes[i + 1])) << 8 | std::uint8_t(bytes[i + 2]);
        for (int shift : {18, 12, 6, 0}) out += alphabet[(n >> shift) & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        std::uint32_t n = std::uint32_t(std::uint8_t(bytes[i])) << 16;
        if (rest == 2) n |= std::uint32_t(std::uint8_t(bytes[i + 1])) << 8;
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        if (rest == 2) out += alphabet[(n >> 6) & 63];
    }
    return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    if (text.size() % 4 == 1) return std::nullopt;  // 6 bits cannot end a byte
    std::string out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t bits = 0;
    int count = 0;
    for (char c : text) {
        const int value = sextet(c);
        if (value < 0) return std::nullopt;
        bits = bits << 6 | std::uint32_t(value);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out += char((bits >> count) & 0xff);
        }
    }
    if ((bits & ((1u << count) - 1)) != 0) return std::nullopt;  // leftover bits must be zero
    return out;
}

TokenCheck verify_token(std::string_view token, std::string_view secret, std::int64_t now_s) {
    if (token.empty()) return problem(TokenProblem::malformed, "a token is required");
    if (token.size() > max_token_bytes) return problem(TokenProblem::malformed, "the token is too long");
    const std::size_t first = token.find('.');
    const std::size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
        return problem(TokenProblem::malformed, "a token is three base64url parts joined by dots");
    const std::optional<std::string> header_text = base64url_decode(token.substr(0, first));
    const std::optional<std::string> payload_text = base64url_decode(token.substr(first + 1, second - first - 1));
    const std::optional<std::string> signature = base64url_decode(token.substr(second + 1));
    if (!header_text || !payload_text || !signature)
        return problem(TokenProblem::malformed, "a token part is not base64url");
    // The header says how to check the rest; the payload is not read
    // (parsed) before the signature has been checked.
    const std::optional<boost::json::object> header = json_object(*header_text);
    if (!header) return problem(TokenProblem::malformed, "the token's header is not a JSON object");
    const boost::json::value* alg = header->if_contains("alg");
    if (!alg || !alg->is_string() || alg->as_string() != "HS256")
        return problem(TokenProblem::algorithm, "only HS256 tokens are accepted");
    if (header->contains("crit")) return problem(TokenProblem::algorithm, "the token needs extensions (crit) not understood here");

    const auto expected = hmac_sha256(secret, token.substr(0, second));
    if (!expected || signature->size() != expected->size() ||
        CRYPTO_memcmp(signature->data(), expected->data(), expected->size()) != 0)
        return problem(TokenProblem::signature, "the token's signature is wrong");

    const std::optional<boost::json::object> payload = json_object(*payload_text);
    if (!payload) return problem(TokenProblem::malformed, "the token's payload is not a JSON object");
    std::optional<TokenClaims> claims = read_claims(*payload);
    if (!claims)
        return problem(TokenProblem::claims,
                       "the token needs \"sub\" (a string) and \"exp\" (a number); \"nbf\" is a number and "
                       "\"rooms\" an array of strings");
    // (The leeway moves `now`, which is sane, never the claims, which may be
    // anything down to INT64_MIN.)
    if (now_s - token_leeway_s > claims->expires_s) return problem(TokenProblem::expired, "the token has expired");
    if (claims->not_before_s && now_s + token_leeway_s < *claims->not_before_s)
        return problem(TokenProblem::not_yet_valid, "the token is not valid yet");
    return {std::move(claims), TokenProblem::none, {}};
}

std::string sign_token(const TokenClaims& claims, std::string_view secret, std::int64_t issued_s) {
    boost::json::object payload;
    payload["sub"] = claims.subject;
    payload["iat"] = issued_s;
    payload["exp"] = claims.expires_s;
    if (claims.not_before_s) payload["nbf"] = *claims.not_before_s;
    if (claims.rooms) {
        boost::json::array rooms;
        for (const std::string& room : *claims.rooms) rooms.emplace_back(room);
        payload["rooms"] = std::move(rooms);
    }
    std::string token = base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
    token += '.';
    token += base64url_encode(boost::json::serialize(payload));
    const auto signature = hmac_sha256(secret, token);
    if (!signature) throw std::runtime_error("HMAC-SHA256 failed (OpenSSL)");
    token += '.';
    token += base64url_encode({reinterpret_cast<const char*>(signature->data()), signature->size()});
    return token;
}

}  // namespace wirechat::access
