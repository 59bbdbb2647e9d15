// HS256 JSON Web Tokens and base64url (access/token.h).
//
// Tokens with a chosen header or payload are built here with OpenSSL's HMAC
// directly, not with sign_token, so that the refusals are checked against
// tokens that are otherwise correctly signed.
#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>

#include "access/token.h"

using wirechat::access::base64url_decode;
using wirechat::access::base64url_encode;
using wirechat::access::max_token_bytes;
using wirechat::access::sign_token;
using wirechat::access::token_leeway_s;
using wirechat::access::TokenCheck;
using wirechat::access::TokenClaims;
using wirechat::access::TokenProblem;
using wirechat::access::verify_token;

namespace {

constexpr std::string_view secret = "0123456789abcdef0123456789abcdef";  // 32 bytes
constexpr std::int64_t now = 1'700'000'000;
constexpr std::string_view hs256_header = R"({"alg":"HS256","typ":"JWT"})";

std::string hmac(std::string_view key, std::string_view data, const EVP_MD* md = EVP_sha256()) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    REQUIRE(HMAC(md, key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                 digest, &size) != nullptr);
    return std::string(reinterpret_cast<const char*>(digest), size);
}

// header.payload.signature, each part as given (already base64url), signed
// with `key` over the first two parts.
std::string signed_parts(const std::string& header_b64, const std::string& payload_b64,
                         std::string_view key = secret, const EVP_MD* md = EVP_sha256()) {
    const std::string input = header_b64 + "." + payload_b64;
    return input + "." + base64url_encode(hmac(key, input, md));
}

// A correctly signed token for any header and payload text.
std::string craft(std::string_view header, std::string_view payload, std::string_view key = secret,
                  const EVP_MD* md = EVP_sha256()) {
    return signed_parts(base64url_encode(header), base64url_encode(payload), key, md);
}

std::string valid_payload() { return R"({"sub":"alice","exp":1700003600})"; }

// Checks what every answer must hold (claims exactly when accepted, a reason
// when refused), and returns the problem.
TokenProblem problem_of(std::string_view token, std::string_view key = secret, std::int64_t at = now) {
    const TokenCheck check = verify_token(token, key, at);
    CHECK(check.claims.has_value() == (check.problem == TokenProblem::none));
    CHECK(check.why.empty() == (check.problem == TokenProblem::none));
    return check.problem;
}

TokenClaims claims(std::string subject, std::int64_t expires) {
    TokenClaims out;
    out.subject = std::move(subject);
    out.expires_s = expires;
    return out;
}

}  // namespace

TEST_CASE("a signed token verifies to the same claims") {
    TokenClaims in = claims("alice", now + 3600);
    in.not_before_s = now - 10;
    in.rooms = std::vector<std::string>{"general", "dev"};
    const std::string token = sign_token(in, secret, now);
    const TokenCheck check = verify_token(token, secret, now);
    REQUIRE(check.problem == TokenProblem::none);
    REQUIRE(check.claims);
    CHECK(check.claims->subject == "alice");
    CHECK(check.claims->expires_s == now + 3600);
    CHECK(check.claims->not_before_s == now - 10);
    REQUIRE(check.claims->rooms);
    CHECK(*check.claims->rooms == std::vector<std::string>{"general", "dev"});
    CHECK(check.why.empty());
}

TEST_CASE("a token without nbf and rooms verifies without them") {
    const std::string token = sign_token(claims("bob", now + 60), secret, now);
    const TokenCheck check = verify_token(token, secret, now);
    REQUIRE(check.problem == TokenProblem::none);
    CHECK(check.claims->subject == "bob");
    CHECK_FALSE(check.claims->not_before_s);
    CHECK_FALSE(check.claims->rooms);
}

TEST_CASE("an empty rooms list is kept apart from no rooms") {
    TokenClaims in = claims("carol", now + 60);
    in.rooms.emplace();
    const TokenCheck check = verify_token(sign_token(in, secret, now), secret, now);
    REQUIRE(check.problem == TokenProblem::none);
    REQUIRE(check.claims->rooms);
    CHECK(check.claims->rooms->empty());
}

TEST_CASE("subjects and rooms outside ASCII survive the round trip") {
    TokenClaims in = claims("Zo\xc3\xab \"quoted\" \\ \xe2\x9c\x93", now + 60);
    in.rooms = std::vector<std::string>{"caf\xc3\xa9", "a,b", ""};
    const TokenCheck check = verify_token(sign_token(in, secret, now), secret, now);
    REQUIRE(check.problem == TokenProblem::none);
    CHECK(check.claims->subject == in.subject);
    CHECK(*check.claims->rooms == *in.rooms);
}

TEST_CASE("a token built outside wirechat (python3 hmac) is accepted: known answer") {
    // Built with python3's hmac and base64 (and checked with `openssl dgst -sha256 -hmac`):
    //   header  {"alg":"HS256","typ":"JWT"}
    //   payload {"sub":"alice","exp":2000000000,"nbf":1500000000,"rooms":["general","dev"]}
    //   secret  known-answer-secret-0123456789abcdef
    constexpr std::string_view token =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
        "eyJzdWIiOiJhbGljZSIsImV4cCI6MjAwMDAwMDAwMCwibmJmIjoxNTAwMDAwMDAwLCJyb29tcyI6WyJnZW5lcmFsIiwiZGV2Il19."
        "C4vzsFrO_3D9fqma5joQq-mBKVLs3PlJ4mFxT9pokiE";
    constexpr std::string_view key = "known-answer-secret-0123456789abcdef";
    const TokenCheck check = verify_token(token, key, now);
    REQUIRE(check.problem == TokenProblem::none);
    CHECK(check.claims->subject == "alice");
    CHECK(check.claims->expires_s == 2'000'000'000);
    CHECK(check.claims->not_before_s == 1'500'000'000);
    CHECK(*check.claims->rooms == std::vector<std::string>{"general", "dev"});
    // The same token with another secret, or after its exp, is refused.
    CHECK(problem_of(token, secret) == TokenProblem::signature);
    CHECK(problem_of(token, key, 2'000'000'000 + token_leeway_s + 1) == TokenProblem::expired);
}

TEST_CASE("sign_token writes an HS256 JWS that an independent HMAC agrees with") {
    TokenClaims in = claims("alice", now + 3600);
    in.rooms = std::vector<std::string>{"general"};
    const std::string token = sign_token(in, secret, now - 5);
    const std::size_t first = token.find('.');
    const std::size_t second = token.rfind('.');
    REQUIRE(first != std::string::npos);
    REQUIRE(second != first);
    // base64url of {"alg":"HS256","typ":"JWT"}
    CHECK(token.substr(0, first) == "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9");
    auto signature = base64url_decode(token.substr(second + 1));
    REQUIRE(signature);
    CHECK(*signature == hmac(secret, token.substr(0, second)));
    auto payload_text = base64url_decode(token.substr(first + 1, second - first - 1));
    REQUIRE(payload_text);
    const boost::json::value payload = boost::json::parse(*payload_text);
    REQUIRE(payload.is_object());
    CHECK(payload.at("sub").as_string() == "alice");
    CHECK(payload.at("exp").to_number<std::int64_t>() == now + 3600);
    CHECK(payload.at("iat").to_number<std::int64_t>() == now - 5);
    CHECK(payload.at("rooms").as_array() == boost::json::array{"general"});
    CHECK_FALSE(payload.as_object().contains("nbf"));
}

TEST_CASE("exp is enforced with 30 seconds of leeway") {
    REQUIRE(token_leeway_s == 30);
    const std::string token = sign_token(claims("alice", now), secret, now - 3600);
    CHECK(problem_of(token, secret, now - 1000) == TokenProblem::none);
    CHECK(problem_of(token, secret, now) == TokenProblem::none);
    CHECK(problem_of(token, secret, now + 30) == TokenProblem::none);
    CHECK(problem_of(token, secret, now + 31) == TokenProblem::expired);
    CHECK(problem_of(token, secret, now + 86'400) == TokenProblem::expired);
    CHECK(problem_of(sign_token(claims("alice", now - 31), secret, now - 3600)) == TokenProblem::expired);
    CHECK(problem_of(sign_token(claims("alice", now - 30), secret, now - 3600)) == TokenProblem::none);
}

TEST_CASE("nbf is enforced with 30 seconds of leeway") {
    TokenClaims in = claims("alice", now + 3600);
    in.not_before_s = now + 100;
    const std::string token = sign_token(in, secret, now);
    CHECK(problem_of(token, secret, now) == TokenProblem::not_yet_valid);
    CHECK(problem_of(token, secret, now + 69) == TokenProblem::not_yet_valid);
    CHECK(problem_of(token, secret, now + 70) == TokenProblem::none);
    CHECK(problem_of(token, secret, now + 100) == TokenProblem::none);
    CHECK(problem_of(token, secret, now + 3000) == TokenProblem::none);
}

TEST_CASE("exp and nbf may be written as fractions") {
    CHECK(problem_of(craft(hs256_header, R"({"sub":"a","exp":1700000000.9})"), secret, now + 30) ==
          TokenProblem::none);
    CHECK(problem_of(craft(hs256_header, R"({"sub":"a","exp":1700000000.9})"), secret, now + 31) ==
          TokenProblem::expired);
    CHECK(problem_of(craft(hs256_header, R"({"sub":"a","exp":1.7e9,"nbf":1.7e9})")) == TokenProblem::none);
}

TEST_CASE("exp and nbf far from now are judged without overflow") {
    CHECK(problem_of(craft(hs256_header, R"({"sub":"a","exp":9000000000000000000})")) == TokenProblem::none);
    CHECK(problem_of(craft(hs256_header, R"({"sub":"a","exp":-9000000000000000000})")) == TokenProblem::expired);
    CHECK(problem_of(craft(hs256_header, R"({"sub":"a","exp":0})")) == TokenProblem::expired);
    CHECK(problem_of(craft(hs256_header, R"({"sub":"a","exp":1700003600,"nbf":-9000000000000000000})")) ==
          TokenProblem::none);
    CHECK(problem_of(craft(hs256_header, R"({"sub":"a","exp":1700003600,"nbf":9000000000000000000})")) ==
          TokenProblem::not_yet_valid);
}

// The leeway must not overflow at the ends of int64: exp 9223372036854775807
// ("never expires") and nbf -9223372036854775808 are good claims.
TEST_CASE("exp and nbf at the ends of int64 do not overflow") {
    CHECK(problem_of(craft(hs256_header, R"({"sub":"a","exp":9223372036854775807})")) == TokenProblem::none);
    CHECK(problem_of(craft(hs256_header, R"({"sub":"a","exp":1700003600,"nbf":-9223372036854775808})")) ==
          TokenProblem::none);
}

TEST_CASE("a token signed with another secret is refused") {
    const std::string token = sign_token(claims("alice", now + 60), secret, now);
    CHECK(problem_of(token, "another secret, 32 bytes long...") == TokenProblem::signature);
    CHECK(problem_of(token, std::string(secret) + "x") == TokenProblem::signature);
    CHECK(problem_of(token, secret.substr(1)) == TokenProblem::signature);
    CHECK(problem_of(craft(hs256_header, valid_payload(), "wrong")) == TokenProblem::signature);
}

TEST_CASE("alg none is refused, signed or not") {
    const std::string header = base64url_encode(R"({"alg":"none","typ":"JWT"})");
    const std::string payload = base64url_encode(valid_payload());
    CHECK(problem_of(header + "." + payload + ".") == TokenProblem::algorithm);
    CHECK(problem_of(craft(R"({"alg":"none"})", valid_payload())) == TokenProblem::algorithm);
    CHECK(problem_of(craft(R"({"alg":"None"})", valid_payload())) == TokenProblem::algorithm);
}

TEST_CASE("algorithms other than HS256 are refused") {
    CHECK(problem_of(craft(R"({"alg":"HS512","typ":"JWT"})", valid_payload(), secret, EVP_sha512())) ==
          TokenProblem::algorithm);
    CHECK(problem_of(craft(R"({"alg":"HS384"})", valid_payload(), secret, EVP_sha384())) == TokenProblem::algorithm);
    CHECK(problem_of(craft(R"({"alg":"RS256"})", valid_payload())) == TokenProblem::algorithm);
    CHECK(problem_of(craft(R"({"alg":"hs256"})", valid_payload())) == TokenProblem::algorithm);
    CHECK(problem_of(craft(R"({"alg":"HS256 "})", valid_payload())) == TokenProblem::algorithm);
    // The HS256 signature of a token claiming HS512 does not help it.
    CHECK(problem_of(craft(R"({"alg":"HS512"})", valid_payload())) == TokenProblem::algorithm);
}

TEST_CASE("a header without alg, or with alg not a string, is refused") {
    CHECK(problem_of(craft(R"({"typ":"JWT"})", valid_payload())) == TokenProblem::algorithm);
    CHECK(problem_of(craft("{}", valid_payload())) == TokenProblem::algorithm);
    CHECK(problem_of(craft(R"({"alg":256})", valid_payload())) == TokenProblem::algorithm);
    CHECK(problem_of(craft(R"({"alg":null})", valid_payload())) == TokenProblem::algorithm);
    CHECK(problem_of(craft(R"({"alg":["HS256"]})", valid_payload())) == TokenProblem::algorithm);
}

TEST_CASE("a header with crit is refused") {
    CHECK(problem_of(craft(R"({"alg":"HS256","crit":["exp"]})", valid_payload())) == TokenProblem::algorithm);
    CHECK(problem_of(craft(R"({"alg":"HS256","crit":[]})", valid_payload())) == TokenProblem::algorithm);
    CHECK(problem_of(craft(R"({"crit":null,"alg":"HS256"})", valid_payload())) == TokenProblem::algorithm);
    // Other header members are ignored.
    CHECK(problem_of(craft(R"({"alg":"HS256","kid":"k1","typ":"at+jwt"})", valid_payload())) == TokenProblem::none);
}

TEST_CASE("a truncated token is refused") {
    const std::string token = sign_token(claims("alice", now + 60), secret, now);
    const std::size_t second = token.rfind('.');
    CHECK(problem_of(token.substr(0, second)) == TokenProblem::malformed);       // two parts
    CHECK(problem_of(token.substr(0, second + 1)) == TokenProblem::signature);   // empty signature
    CHECK(problem_of(token.substr(0, token.size() - 3)) == TokenProblem::signature);  // 30 bytes of 32
    CHECK(problem_of(token.substr(0, token.find('.'))) == TokenProblem::malformed);
    CHECK(problem_of(token.substr(0, token.find('.') + 1)) == TokenProblem::malformed);
    for (std::size_t size = 0; size < token.size(); ++size) {
        INFO(size);
        CHECK(problem_of(token.substr(0, size)) != TokenProblem::none);
    }
}

TEST_CASE("a token with more than three parts is refused") {
    const std::string token = sign_token(claims("alice", now + 60), secret, now);
    CHECK(problem_of(token + ".") == TokenProblem::malformed);
    CHECK(problem_of(token + ".e30") == TokenProblem::malformed);
    CHECK(problem_of("e30." + token) == TokenProblem::malformed);
    CHECK(problem_of("..") == TokenProblem::malformed);
    CHECK(problem_of("...") == TokenProblem::malformed);
}

TEST_CASE("an empty token is refused") {
    CHECK(problem_of("") == TokenProblem::malformed);
    CHECK(problem_of(".") == TokenProblem::malformed);
}

TEST_CASE("a token over max_token_bytes is refused before anything else") {
    REQUIRE(max_token_bytes == 4096);
    // The longest correctly signed token within the limit is accepted; one
    // more byte of payload takes it over and it is refused.
    std::size_t pad = 0;
    std::string fits;
    for (;; ++pad) {
        const std::string token =
            craft(hs256_header, R"({"sub":"alice","exp":1700003600,"pad":")" + std::string(pad, 'x') + "\"}");
        if (token.size() > max_token_bytes) break;
        fits = token;
    }
    REQUIRE(fits.size() >= max_token_bytes - 1);
    CHECK(problem_of(fits) == TokenProblem::none);
    const std::string over =
        craft(hs256_header, R"({"sub":"alice","exp":1700003600,"pad":")" + std::string(pad, 'x') + "\"}");
    REQUIRE(over.size() > max_token_bytes);
    CHECK(problem_of(over) == TokenProblem::malformed);
    CHECK(problem_of(std::string(1'000'000, 'a')) == TokenProblem::malformed);
    CHECK(problem_of(over, "wrong secret") == TokenProblem::malformed);
}

TEST_CASE("characters outside the base64url alphabet are refused") {
    const std::string header = base64url_encode(hs256_header);
    const std::string payload = base64url_encode(valid_payload());
    const std::string token = signed_parts(header, payload);
    const std::size_t second = token.rfind('.');

    // '+' and '/' (the standard alphabet) in the payload, even when signed as written.
    std::string plus = payload;
    plus[3] = '+';
    CHECK(problem_of(signed_parts(header, plus)) == TokenProblem::malformed);
    std::string slash = payload;
    slash[3] = '/';
    CHECK(problem_of(signed_parts(header, slash)) == TokenProblem::malformed);
    // Padding.
    CHECK(problem_of(token + "=") == TokenProblem::malformed);
    CHECK(problem_of(signed_parts(header + "=", payload)) == TokenProblem::malformed);
    CHECK(problem_of(signed_parts(header, payload + "==")) == TokenProblem::malformed);
    // Whitespace, in the signature.
    std::string space = token;
    space.insert(second + 5, " ");
    CHECK(problem_of(space) == TokenProblem::malformed);
    CHECK(problem_of(token + "\n") == TokenProblem::malformed);
    CHECK(problem_of(" " + token) == TokenProblem::malformed);
}

TEST_CASE("a signature with non-zero leftover bits is refused, not believed") {
    // 32 bytes are 43 characters: the last carries 4 bits and 2 zero bits.
    const std::string token = sign_token(claims("alice", now + 60), secret, now);
    constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const std::size_t last = alphabet.find(token.back());
    REQUIRE(last != std::string_view::npos);
    REQUIRE((last & 3) == 0);
    for (std::size_t low = 1; low < 4; ++low) {
        std::string other = token;
        other.back() = alphabet[last | low];
        INFO(other);
        CHECK(problem_of(other) == TokenProblem::malformed);
    }
}

TEST_CASE("a header or payload that is not a JSON object is refused") {
    CHECK(problem_of(craft("[1,2]", valid_payload())) == TokenProblem::malformed);
    CHECK(problem_of(craft("\"HS256\"", valid_payload())) == TokenProblem::malformed);
    CHECK(problem_of(craft("not json", valid_payload())) == TokenProblem::malformed);
    CHECK(problem_of(craft("", valid_payload())) == TokenProblem::malformed);
    CHECK(problem_of(craft(hs256_header, "\"alice\"")) == TokenProblem::malformed);
    CHECK(problem_of(craft(hs256_header, "42")) == TokenProblem::malformed);
    CHECK(problem_of(craft(hs256_header, "null")) == TokenProblem::malformed);
    CHECK(problem_of(craft(hs256_header, "[]")) == TokenProblem::malformed);
    CHECK(problem_of(craft(hs256_header, "")) == TokenProblem::malformed);
    CHECK(problem_of(craft(hs256_header, R"({"sub":"alice","exp":1700003600)")) == TokenProblem::malformed);
    CHECK(problem_of(craft(hs256_header, R"({"sub":"alice","exp":1700003600} {})")) == TokenProblem::malformed);
    CHECK(problem_of(craft(std::string(hs256_header) + "x", valid_payload())) == TokenProblem::malformed);
}

TEST_CASE("claims of the wrong shape are refused") {
    for (const char* payload : {
             R"({"exp":1700003600})",                                   // no sub
             R"({"sub":"","exp":1700003600})",                          // empty sub
             R"({"sub":42,"exp":1700003600})",                          // sub a number
             R"({"sub":null,"exp":1700003600})",                        // sub null
             R"({"sub":["alice"],"exp":1700003600})",                   // sub an array
             R"({"sub":"alice"})",                                      // no exp
             R"({"sub":"alice","exp":"1700003600"})",                   // exp a string
             R"({"sub":"alice","exp":null})",                           // exp null
             R"({"sub":"alice","exp":true})",                           // exp a boolean
             R"({"sub":"alice","exp":1e300})",                          // exp beyond any time
             R"({"sub":"alice","exp":18446744073709551615})",           // exp beyond int64
             R"({"sub":"alice","exp":1700003600,"nbf":"1700000000"})",  // nbf a string
             R"({"sub":"alice","exp":1700003600,"nbf":null})",          // nbf null
             R"({"sub":"alice","exp":1700003600,"rooms":"general"})",   // rooms a string
             R"({"sub":"alice","exp":1700003600,"rooms":{"general":1}})",
             R"({"sub":"alice","exp":1700003600,"rooms":["general",1]})",
             R"({"sub":"alice","exp":1700003600,"rooms":[null]})",
             R"({"sub":"alice","exp":1700003600,"rooms":[["general"]]})",
         }) {
        INFO(payload);
        CHECK(problem_of(craft(hs256_header, payload)) == TokenProblem::claims);
    }
    // Unknown claims are ignored.
    CHECK(problem_of(craft(hs256_header, R"({"sub":"alice","exp":1700003600,"aud":"x","iss":"y"})")) ==
          TokenProblem::none);
}

TEST_CASE("the claims of a badly signed token are not read") {
    // A bad signature is reported as such even when the claims are also wrong.
    CHECK(problem_of(craft(hs256_header, R"({"exp":"x"})", "wrong")) == TokenProblem::signature);
    CHECK(problem_of(craft(hs256_header, R"({"sub":"a","exp":1})", "wrong")) == TokenProblem::signature);
}

TEST_CASE("a flipped bit anywhere in the signature, or a changed payload, is refused") {
    const std::string token = sign_token(claims("alice", now + 60), secret, now);
    const std::size_t second = token.rfind('.');
    const auto signature = base64url_decode(token.substr(second + 1));
    REQUIRE(signature);
    REQUIRE(signature->size() == 32);
    for (std::size_t i = 0; i < signature->size(); ++i) {
        std::string flipped = *signature;
        flipped[i] = char(flipped[i] ^ 0x01);
        INFO(i);
        CHECK(problem_of(token.substr(0, second + 1) + base64url_encode(flipped)) == TokenProblem::signature);
    }
    // Another subject, with the original signature.
    const std::size_t first = token.find('.');
    const std::string forged = token.substr(0, first + 1) +
                               base64url_encode(R"({"sub":"admin","iat":1700000000,"exp":1700000060})") +
                               token.substr(second);
    CHECK(problem_of(forged) == TokenProblem::signature);
    // A signature one byte longer or shorter.
    CHECK(problem_of(token.substr(0, second + 1) + base64url_encode(*signature + std::string(1, '\0'))) == TokenProblem::signature);
    CHECK(problem_of(token.substr(0, second + 1) + base64url_encode(signature->substr(0, 31))) ==
          TokenProblem::signature);
}

TEST_CASE("base64url_encode matches RFC 4648 test vectors, url-safe, unpadded") {
    CHECK(base64url_encode("") == "");
    CHECK(base64url_encode("f") == "Zg");
    CHECK(base64url_encode("fo") == "Zm8");
    CHECK(base64url_encode("foo") == "Zm9v");
    CHECK(base64url_encode("foob") == "Zm9vYg");
    CHECK(base64url_encode("fooba") == "Zm9vYmE");
    CHECK(base64url_encode("foobar") == "Zm9vYmFy");
    // Where the alphabets differ: 62 and 63 are '-' and '_' (standard '+' and '/').
    CHECK(base64url_encode("\xfb\xef\xbe") == "----");
    CHECK(base64url_encode("\xff\xff\xff") == "____");
    CHECK(base64url_encode("\xfb\xff") == "-_8");
    CHECK(base64url_encode(std::string_view("\0\0\0", 3)) == "AAAA");
}

TEST_CASE("base64url_decode matches RFC 4648 test vectors") {
    CHECK(base64url_decode("") == std::string());
    CHECK(base64url_decode("Zg") == std::string("f"));
    CHECK(base64url_decode("Zm8") == std::string("fo"));
    CHECK(base64url_decode("Zm9v") == std::string("foo"));
    CHECK(base64url_decode("Zm9vYg") == std::string("foob"));
    CHECK(base64url_decode("Zm9vYmE") == std::string("fooba"));
    CHECK(base64url_decode("Zm9vYmFy") == std::string("foobar"));
    CHECK(base64url_decode("----") == std::string("\xfb\xef\xbe"));
    CHECK(base64url_decode("____") == std::string("\xff\xff\xff"));
    CHECK(base64url_decode("-_8") == std::string("\xfb\xff"));
}

TEST_CASE("base64url_decode refuses padding, other alphabets, impossible lengths and stray bits") {
    for (const char* bad : {"Zg==", "Zm8=", "Zg=", "=", "Zm9v=", "Z", "Zm9vY", "Zm9vYmF5Z", "Zm+v", "Zm/v", "+/8",
                            "Zm9 v", "Zm9v\n", " Zg", "Zm9v.", "Zh", "Zm9", "Zm9vYh", "Zm9vYmF", "-_9"}) {
        INFO(bad);
        CHECK_FALSE(base64url_decode(bad));
    }
    CHECK_FALSE(base64url_decode(std::string_view("Zm\0v", 4)));
    CHECK_FALSE(base64url_decode("Zm9v\xc3\xa9"));
}

TEST_CASE("base64url round-trips random bytes, and each value has one encoding") {
    std::mt19937 random(20);
    std::uniform_int_distribution<int> byte(0, 255);
    for (std::size_t size = 0; size < 300; ++size) {
        std::string bytes(size, '\0');
        for (char& c : bytes) c = char(byte(random));
        const std::string text = base64url_encode(bytes);
        INFO(size);
        CHECK(text.size() == (size * 4 + 2) / 3);
        CHECK(text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
              std::string::npos);
        const auto back = base64url_decode(text);
        REQUIRE(back);
        CHECK(*back == bytes);
    }
    // Every 2- and 3-character text decodes to something only if encoding it back gives the same text.
    constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    int accepted = 0;
    for (char a : alphabet)
        for (char b : alphabet) {
            const std::string two{a, b};
            if (const auto decoded = base64url_decode(two)) {
                ++accepted;
                CHECK(base64url_encode(*decoded) == two);
            }
            for (char c : alphabet) {
                const std::string three{a, b, c};
                if (const auto decoded = base64url_decode(three)) {
                    ++accepted;
                    CHECK(base64url_encode(*decoded) == three);
                }
            }
        }
    CHECK(accepted == 256 + 65536);
}
