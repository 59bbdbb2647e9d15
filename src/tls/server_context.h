// The server's TLS configuration: one OpenSSL SSL_CTX holding the
// certificate chain, the private key and the hardened defaults, from which
// every accepted connection's session is made.
//
// The defaults, and why (the README's "HTTPS" section says the same for
// users):
//   - TLS 1.2 and 1.3 only. 1.0 and 1.1 lack AEAD ciphers and rely on
//     SHA-1/MD5 in the handshake; every browser dropped them in 2020.
//   - For 1.2, only ECDHE key exchange (forward secrecy: a stolen key does
//     not decrypt recorded traffic) with AEAD ciphers (AES-GCM,
//     ChaCha20-Poly1305): no CBC (padding oracles), no RSA key transport,
//     no static DH. The server's order wins, so a client cannot steer a
//     connection to the weakest cipher it shares with us. 1.3's suites are
//     all AEAD with forward secrecy already: AES-128-GCM is put first.
//   - ALPN: http/1.1 and nothing else (we speak no HTTP/2); a client that
//     offers ALPN without it is refused, as RFC 7301 asks.
//   - Session resumption by tickets (1.2 and 1.3), so that a reconnecting
//     page skips the key exchange; the ticket keys survive a reload.
//   - No TLS compression (CRIME), no renegotiation (a client could make us
//     redo the expensive part of the handshake at will).
//   - OpenSSL releases a connection's record buffers while it is idle: an
//     idle chat client should cost little memory.
#pragma once

#include <memory>
#include <string>

#include <openssl/ssl.h>

namespace wirechat::tls {

class ServerContext {
public:
    // Loads the PEM files (the certificate chain, leaf first, and its
    // private key). Throws std::runtime_error with a one-line message when
    // a file cannot be read or the key does not match the certificate.
    ServerContext(std::string cert_file, std::string key_file);
    ~ServerContext();
    ServerContext(const ServerContext&) = delete;
    ServerContext& operator=(const ServerContext&) = delete;

    // Reads the same two files again (a renewed certificate). On success,
    // sessions made from now on use the new pair, and open connections keep
    // the one they started with. On failure nothing changes and `error`
    // says why.
    bool reload(std::string& error);

    // A new SSL for one accepted connection, in the server role, or null if
    // OpenSSL is out of memory. The caller owns it (tls::Session takes it).
    SSL* new_ssl() const;

    const std::string& cert_file() const { return cert_file_; }
    const std::string& key_file() const { return key_file_; }

private:
    std::string cert_file_;
    std::string key_file_;
    SSL_CTX* ctx_ = nullptr;
};

}  // namespace wirechat::tls
