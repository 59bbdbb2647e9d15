// Fuzzing of HS256 token verification and base64url (access/token.h).
//
// Byte 0 chooses what the rest is (its low bit):
//   0: a token, verified as is with a fixed secret and time. The fuzzer
//      cannot forge the HMAC, so this drives the shape, base64url, JSON and
//      header checks, and checks that nothing unsigned is ever accepted;
//   1: "HEADER\nPAYLOAD", two JSON texts that the target encodes and signs
//      with the right secret, so that the claim checks behind the signature
//      are reached too. The verdict must then equal what an independent
//      reading of the rules in token.h says.
// Every input is also fed whole to base64url_decode (what decodes must
// encode back to the same text, and agree with a naive decoder here) and to
// base64url_encode (which must decode back to the same bytes).
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "access/token.h"
#include "fuzz_support.h"

using namespace wirechat;
using access::TokenProblem;

namespace {

constexpr std::string_view secret = "fuzzing-secret-0123456789abcdef!";  // 32 bytes
constexpr std::int64_t now = 1'700'000'000;

std::string hmac_sha256(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    FUZZ_CHECK(HMAC(EVP_sha256(), secret.data(), int(secret.size()), reinterpret_cast<const unsigned char*>(data.data()),
                    data.size(), digest, &size) != nullptr);
    return std::string(reinterpret_cast<const char*>(digest), size);
}

// RFC 4648 5 without padding, four characters at a time: the reference the
// real decoder is compared with.
std::optional<std::string> naive_base64url_decode(std::string_view text) {
    constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const std::string_view group = text.substr(i, 4);
        if (group.size() == 1) return std::nullopt;
        std::uint32_t n = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            std::size_t value = 0;
            if (j < group.size()) {
                value = alphabet.find(group[j]);
                if (value == std::string_view::npos) return std::nullopt;
            }
            n = n << 6 | std::uint32_t(value);
        }
        const std::size_t bytes = group.size() - 1;  // 4 -> 3, 3 -> 2, 2 -> 1
        // Bits below the last whole byte must be zero.
        if (bytes < 3 && (n & ((1u << (8 * (3 - bytes))) - 1)) != 0) return std::nullopt;
        for (std::size_t j = 0; j < bytes; ++j) out += char((n >> (16 - 8 * j)) & 0xff);
    }
    return out;
}

void check_base64url(std::string_view input) {
    const std::optional<std::string> decoded = access::base64url_decode(input);
    const std::optional<std::string> reference = naive_base64url_decode(input);
    FUZZ_CHECK(decoded.has_value() == reference.has_value());
    if (decoded) {
        FUZZ_CHECK(*decoded == *reference);
        FUZZ_CHECK(access::base64url_encode(*decoded) == input);  // one encoding per value
    }
    const std::string encoded = access::base64url_encode(input);
    FUZZ_CHECK(encoded.size() == (input.size() * 4 + 2) / 3);
    const std::optional<std::string> back = access::base64url_decode(encoded);
    FUZZ_CHECK(back && *back == input);
}

// A time as token.h reads it: an integer that fits int64, or a double below
// 9e15 in magnitude, floored.
std::optional<std::int64_t> reference_seconds(const boost::json::value& value) {
    if (value.is_int64()) return value.as_int64();
    if (value.is_uint64()) {
        if (value.as_uint64() > std::uint64_t(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
        return std::int64_t(value.as_uint64());
    }
    if (value.is_double() && std::abs(value.as_double()) < 9e15) return std::int64_t(std::floor(value.as_double()));
    return std::nullopt;
}

// What verify_token must answer for a correctly signed token of these texts.
TokenProblem reference_verdict(std::string_view header_text, std::string_view payload_text,
                                std::size_t token_size) {
    if (token_size > access::max_token_bytes) return TokenProblem::malformed;
    boost::system::error_code error;
    const boost::json::value header = boost::json::parse(header_text, error);
    if (error || !header.is_object()) return TokenProblem::malformed;
    const boost::json::object& h = header.as_object();
    const auto alg = h.find("alg");
    if (alg == h.end() || !alg->value().is_string() || alg->value().as_string() != "HS256" || h.contains("crit"))
        return TokenProblem::algorithm;
    // (The signature is right: the target signed it.)
    const boost::json::value payload = boost::json::parse(payload_text, error);
    if (error || !payload.is_object()) return TokenProblem::malformed;
    const boost::json::object& p = payload.as_object();
    const auto sub = p.find("sub");
    if (sub == p.end() || !sub->value().is_string() || sub->value().as_string().empty()) return TokenProblem::claims;
    const auto exp = p.find("exp");
    if (exp == p.end()) return TokenProblem::claims;
    const std::optional<std::int64_t> expires = reference_seconds(exp->value());
    if (!expires) return TokenProblem::claims;
    std::optional<std::int64_t> not_before;
    if (const auto nbf = p.find("nbf"); nbf != p.end()) {
        not_before = reference_seconds(nbf->value());
        if (!not_before) return TokenProblem::claims;
    }
    if (const auto rooms = p.find("rooms"); rooms != p.end()) {
        if (!rooms->value().is_array()) return TokenProblem::claims;
        for (const boost::json::value& room : rooms->value().as_array())
            if (!room.is_string()) return TokenProblem::claims;
    }
    // 128-bit, so the reference itself cannot overflow.
    if (__int128(now) > __int128(*expires) + access::token_leeway_s) return TokenProblem::expired;
    if (not_before && __int128(now) < __int128(*not_before) - access::token_leeway_s)
        return TokenProblem::not_yet_valid;
    return TokenProblem::none;
}

void check_answer(const access::TokenCheck& check) {
    FUZZ_CHECK(check.claims.has_value() == (check.problem == TokenProblem::none));
    FUZZ_CHECK(check.why.empty() == (check.problem == TokenProblem::none));
}

// Claims that were accepted survive signing again and verifying.
void check_resign(const access::TokenClaims& claims) {
    const std::string token = access::sign_token(claims, secret, now);
    if (token.size() > access::max_token_bytes) return;
    const access::TokenCheck again = access::verify_token(token, secret, now);
    FUZZ_CHECK(again.problem == TokenProblem::none);
    FUZZ_CHECK(again.claims->subject == claims.subject);
    FUZZ_CHECK(again.claims->expires_s == claims.expires_s);
    FUZZ_CHECK(again.claims->not_before_s == claims.not_before_s);
    FUZZ_CHECK(again.claims->rooms == claims.rooms);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    check_base64url(input);
    if (input.empty()) return 0;
    const std::string_view rest = input.substr(1);

    if ((input[0] & 1) == 0) {
        const access::TokenCheck check = access::verify_token(rest, secret, now);
        check_answer(check);
        if (rest.size() > access::max_token_bytes) FUZZ_CHECK(check.problem == TokenProblem::malformed);
        if (check.problem == TokenProblem::none) {
            // Only a token whose signature is the HMAC of its first two parts.
            const std::size_t second = rest.rfind('.');
            const std::optional<std::string> signature = access::base64url_decode(rest.substr(second + 1));
            FUZZ_CHECK(signature && *signature == hmac_sha256(rest.substr(0, second)));
            check_resign(*check.claims);
        }
        // Under another secret nothing is accepted.
        FUZZ_CHECK(access::verify_token(rest, "another-secret-0123456789abcdef!", now).problem != TokenProblem::none);
        return 0;
    }

    const std::size_t newline = rest.find('\n');
    if (newline == std::string_view::npos) return 0;
    const std::string_view header = rest.substr(0, newline);
    const std::string_view payload = rest.substr(newline + 1);
    std::string token = access::base64url_encode(header) + "." + access::base64url_encode(payload);
    token += "." + access::base64url_encode(hmac_sha256(token));
    const TokenProblem expected = reference_verdict(header, payload, token.size());
    const access::TokenCheck check = access::verify_token(token, secret, now);
    check_answer(check);
    if (check.problem != expected) {
        std::fprintf(stderr, "verify_token said %d, the reference %d\n", int(check.problem), int(expected));
        FUZZ_CHECK(check.problem == expected);
    }
    if (check.problem == TokenProblem::none) check_resign(*check.claims);
    return 0;
}
