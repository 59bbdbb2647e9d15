// wirechat-cli's connection to the server: a blocking TCP socket, and for
// wss:// OpenSSL's client on top of it. The client reads and writes through
// this, and never needs to know which of the two it has.
//
// TLS here is checked the way a browser checks it: the server's chain must
// lead to a trusted certificate (the system's, or only --cacert's) and name
// the host we asked for (or its IP address). --insecure skips both, for a
// self-signed certificate one has no file of; the handshake still encrypts.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

#include <openssl/ssl.h>

namespace wirechat::cli {

struct TlsOptions {
    std::string host;     // for SNI and the name check
    std::string ca_file;  // trust only this file's certificates; empty: the system's
    bool insecure = false;
};

class Stream {
public:
    // Takes ownership of `fd`, a connected blocking socket.
    explicit Stream(int fd) : fd_(fd) {}
    ~Stream();
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;

    // The TLS handshake; throws std::runtime_error with a one-line reason
    // ("certificate verify failed: self-signed certificate").
    void start_tls(const TlsOptions& options);
    // "TLSv1.3 TLS_AES_128_GCM_SHA256", or empty without TLS.
    std::string describe_tls() const;

    // All of it, or throws.
    void send_all(const char* data, std::size_t size);
    // Up to `size` bytes: > 0, 0 at EOF, < 0 (-errno) on an error.
    ssize_t receive(char* data, std::size_t size);
    // Whether decrypted bytes wait inside OpenSSL: read them before polling
    // the socket, which has nothing more to say about them.
    bool buffered() const { return ssl_ && SSL_pending(ssl_) > 0; }
    int fd() const { return fd_; }

private:
    int fd_;
    SSL_CTX* ctx_ = nullptr;
    SSL* ssl_ = nullptr;
};

}  // namespace wirechat::cli
