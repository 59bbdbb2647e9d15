#include "cli/stream.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace wirechat::cli {

namespace {

bool is_ip_address(const std::string& host) {
    unsigned char address[16];
    return inet_pton(AF_INET, host.c_str(), address) == 1 || inet_pton(AF_INET6, host.c_str(), address) == 1;
}

std::string last_openssl_error() {
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    const char* reason = code ? ERR_reason_error_string(code) : nullptr;
    return reason ? reason : "the connection closed";
}

}  // namespace

Stream::~Stream() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    ::close(fd_);
}

void Stream::start_tls(const TlsOptions& options) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (!ctx_) throw std::runtime_error("cannot set up TLS");
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    // A server that closes TCP without close_notify ends the stream like
    // an EOF: the WebSocket closing handshake, not TLS, says whether the
    // conversation ended cleanly.
    SSL_CTX_set_options(ctx_, SSL_OP_IGNORE_UNEXPECTED_EOF);
    if (!options.insecure) {
        const bool trusted = options.ca_file.empty()
                                 ? SSL_CTX_set_default_verify_paths(ctx_) == 1
                                 : SSL_CTX_load_verify_locations(ctx_, options.ca_file.c_str(), nullptr) == 1;
        if (!trusted) throw std::runtime_error("cannot read the certificates in '" + options.ca_file + "'");
        SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    }
    ssl_ = SSL_new(ctx_);
    if (!ssl_) throw std::runtime_error("cannot set up TLS");
    // A name goes in SNI and is what the certificate must name; an address
    // is never sent as SNI (RFC 6066 3) and is checked as an address.
    X509_VERIFY_PARAM* check = SSL_get0_param(ssl_);
    if (is_ip_address(options.host)) {
        X509_VERIFY_PARAM_set1_ip_asc(check, options.host.c_str());
    } else {
        SSL_set_tlsext_host_name(ssl_, options.host.c_str());
        X509_VERIFY_PARAM_set1_host(check, options.host.c_str(), 0);
    }
    static constexpr unsigned char http11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_set_alpn_protos(ssl_, http11, sizeof http11);
    SSL_set_fd(ssl_, fd_);
    ERR_clear_error();
    if (SSL_connect(ssl_) != 1) {
        const long verified = SSL_get_verify_result(ssl_);
        if (verified != X509_V_OK)
            throw std::runtime_error(std::string("certificate verify failed: ") +
                                     X509_verify_cert_error_string(verified) +
                                     " (--cacert FILE to trust it, --insecure not to check)");
        throw std::runtime_error("TLS handshake failed: " + last_openssl_error());
    }
}

std::string Stream::describe_tls() const {
    if (!ssl_) return "";
    return std::string(SSL_get_version(ssl_)) + " " + SSL_get_cipher_name(ssl_);
}

void Stream::send_all(const char* data, std::size_t size) {
    while (size > 0) {
        ssize_t n;
        if (ssl_) {
            ERR_clear_error();
            const int written = SSL_write(ssl_, data, int(std::min<std::size_t>(size, 1 << 30)));
            if (written <= 0) throw std::runtime_error("sending failed: " + last_openssl_error());
            n = written;
        } else {
            n = ::send(fd_, data, size, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw std::runtime_error(std::string("sending failed: ") + std::strerror(errno));
        }
        data += n;
        size -= std::size_t(n);
    }
}

ssize_t Stream::receive(char* data, std::size_t size) {
    if (!ssl_) {
        const ssize_t n = ::recv(fd_, data, size, 0);
        return n < 0 ? -errno : n;
    }
    ERR_clear_error();
    const int n = SSL_read(ssl_, data, int(std::min<std::size_t>(size, 1 << 30)));
    if (n > 0) return n;
    switch (SSL_get_error(ssl_, n)) {
        case SSL_ERROR_ZERO_RETURN: return 0;  // close_notify
        case SSL_ERROR_SYSCALL: return errno ? -errno : 0;  // EOF without close_notify: an EOF all the same
        default: return -EPROTO;
    }
}

}  // namespace wirechat::cli
