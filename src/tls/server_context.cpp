#include "tls/server_context.h"

#include "tls/openssl_error.h"

#include <openssl/err.h>

#include <cstring>
#include <stdexcept>

namespace wirechat::tls {

namespace {

// TLS 1.2: ECDHE only (forward secrecy), AEAD only, in our order
// (SSL_OP_CIPHER_SERVER_PREFERENCE). AES-GCM first: with AES instructions,
// which every server CPU of the last decade has, it is the fastest;
// ChaCha20-Poly1305 for clients that share no GCM suite with us.
constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
// TLS 1.3: all three suites are AEAD with forward secrecy; AES-128 first,
// as fast as any and strong enough (OpenSSL's default puts AES-256 first).
constexpr const char* tls13_suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
// Key exchange groups: X25519 first (fast, no point validation pitfalls),
// then the NIST curves some clients still need.
constexpr const char* groups = "X25519:P-256:P-384";
// ALPN in wire format: length-prefixed names.
constexpr unsigned char http11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
// What a ticket key set is, for OpenSSL 3: name, HMAC key, AES key.
constexpr std::size_t ticket_keys_size = 16 + 32 + 32;

// We speak HTTP/1.1 only: pick it, or refuse a client that offered ALPN
// without it (RFC 7301, 3.2). A client that offers no ALPN is not asked.
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* offered,
                unsigned int offered_len, void*) {
    unsigned char* chosen = nullptr;
    if (SSL_select_next_proto(&chosen, out_len, http11, sizeof http11, offered, offered_len) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = chosen;
    return SSL_TLSEXT_ERR_OK;
}

// A context with every default of server_context.h, without a certificate.
SSL_CTX* new_hardened_ctx() {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) return nullptr;
    bool ok = SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 &&
              SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1 &&
              SSL_CTX_set_cipher_list(ctx, tls12_ciphers) == 1 && SSL_CTX_set_ciphersuites(ctx, tls13_suites) == 1 &&
              SSL_CTX_set1_groups_list(ctx, groups) == 1;
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_alpn_select_cb(ctx, select_alpn, nullptr);
    // Resumption: tickets carry the session, the cache (for TLS 1.2
    // session ids) is the server's own. The id context names what a
    // session is good for.
    static constexpr unsigned char id_context[] = "wirechat";
    ok = ok && SSL_CTX_set_session_id_context(ctx, id_context, sizeof id_context - 1) == 1;
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    if (!ok) {
        SSL_CTX_free(ctx);
        return nullptr;
    }
    return ctx;
}

// A hardened context holding the pair in the two files, or null with `error` set.
SSL_CTX* load(const std::string& cert_file, const std::string& key_file, std::string& error) {
    ERR_clear_error();
    SSL_CTX* ctx = new_hardened_ctx();
    if (!ctx) {
        error = "cannot set up TLS: " + openssl_error();
        return nullptr;
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
        error = "cannot load the certificate chain from '" + cert_file + "': " + openssl_error();
    } else if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        // (Also where the key is not the certificate's: "key values mismatch".)
        error = "cannot load the private key from '" + key_file + "': " + openssl_error();
    } else {
        return ctx;
    }
    SSL_CTX_free(ctx);
    return nullptr;
}

}  // namespace

ServerContext::ServerContext(std::string cert_file, std::string key_file)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {
    std::string error;
    ctx_ = load(cert_file_, key_file_, error);
    if (!ctx_) throw std::runtime_error(error);
}

ServerContext::~ServerContext() { SSL_CTX_free(ctx_); }

bool ServerContext::reload(std::string& error) {
    SSL_CTX* fresh = load(cert_file_, key_file_, error);
    if (!fresh) return false;
    // Tickets issued before the reload stay good: the new context encrypts
    // and decrypts them with the old keys.
    unsigned char keys[ticket_keys_size];
    if (SSL_CTX_get_tlsext_ticket_keys(ctx_, keys, sizeof keys) == 1)
        SSL_CTX_set_tlsext_ticket_keys(fresh, keys, sizeof keys);
    OPENSSL_cleanse(keys, sizeof keys);
    // Open connections hold their own reference to the old context.
    SSL_CTX_free(ctx_);
    ctx_ = fresh;
    return true;
}

SSL* ServerContext::new_ssl() const {
    SSL* ssl = SSL_new(ctx_);
    if (ssl) SSL_set_accept_state(ssl);
    return ssl;
}

}  // namespace wirechat::tls
