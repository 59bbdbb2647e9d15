// Signed identities: JSON Web Tokens (RFC 7519) signed with HMAC-SHA256
// (JWS, RFC 7515, "HS256"), the only algorithm accepted.
//
// A backend that knows the secret signs {"sub": nickname, "exp": time} (and
// optionally "rooms": [...]) and hands the token to its user; the chat
// believes the claims only if the signature is right. The checks, in order,
// each answered with its own problem:
//   - the shape: at most max_token_bytes, three base64url parts (no
//     padding, no stray bits), a header that is a JSON object;
//   - the header: "alg" exactly "HS256" ("none", "HS512", RS256... are
//     refused: a token does not get to choose how it is checked), and no
//     "crit" (no extension is understood here);
//   - the signature, compared in constant time (CRYPTO_memcmp), before the
//     payload is even parsed (it must then be a JSON object);
//   - the claims: "sub" a non-empty string, "exp" a number, "nbf" a number
//     if present, "rooms" an array of strings if present; "exp" not past and
//     "nbf" not to come, each with token_leeway_s of clock skew allowed.
//
// Sans-I/O: the caller passes the time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wirechat::access {

inline constexpr std::size_t max_token_bytes = 4096;
inline constexpr std::int64_t token_leeway_s = 30;
// RFC 7518 3.2: an HS256 key is at least as long as the hash, 256 bits.
inline constexpr std::size_t min_secret_bytes = 32;

struct TokenClaims {
    std::string subject = {};                            // sub
    std::int64_t expires_s = 0;                          // exp, seconds since 1970
    std::optional<std::int64_t> not_before_s = {};       // nbf
    std::optional<std::vector<std::string>> rooms = {};  // the rooms the holder may be in
};

enum class TokenProblem { none, malformed, algorithm, signature, expired, not_yet_valid, claims };

struct TokenCheck {
    std::optional<TokenClaims> claims;  // set exactly when problem is none
    TokenProblem problem = TokenProblem::none;
    std::string_view why;               // for humans: the body of the 401
};

TokenCheck verify_token(std::string_view token, std::string_view secret, std::int64_t now_s);

// The token for `claims`, "iat" `issued_s` (wirechat-cli token, tests).
std::string sign_token(const TokenClaims& claims, std::string_view secret, std::int64_t issued_s);

// Base64url without padding (RFC 4648 5), as JWS writes every part.
std::string base64url_encode(std::string_view bytes);
// nullopt for any character outside the alphabet, padding, a length that
// cannot be, or leftover bits that are not zero (so that each value has
// exactly one encoding).
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace wirechat::access
