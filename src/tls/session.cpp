#include "tls/session.h"

#include "tls/openssl_error.h"

#include <openssl/err.h>

#include <climits>

namespace wirechat::tls {

namespace {

// OpenSSL's calls take an int length.
int clamp(std::size_t size) { return size > INT_MAX ? INT_MAX : int(size); }

// A TLS connection opens with a handshake record (content type 22); an HTTP
// request opens with its method, in capital letters.
bool starts_like_http(std::uint8_t first) { return first >= 'A' && first <= 'Z'; }

BIO* new_memory_bio() {
    BIO* bio = BIO_new(BIO_s_mem());
    if (!bio) return nullptr;
    // Reading an empty BIO means "more later" (a retry), not end of file.
    BIO_set_mem_eof_return(bio, -1);
    return bio;
}

}  // namespace

const std::string_view plain_http_answer =
    "HTTP/1.1 400 Bad Request\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 47\r\n"
    "Connection: close\r\n"
    "\r\n"
    "The plain HTTP request was sent to HTTPS port.\n";

std::string describe(const HandshakeSummary& s) {
    std::string text = s.version + " " + s.cipher;
    text += " alpn=" + (s.alpn.empty() ? std::string("none") : s.alpn);
    text += " sni=" + (s.sni.empty() ? std::string("none") : s.sni);
    text += s.resumed ? " resumed" : " full handshake";
    return text;
}

Session::Session(SSL* ssl) : ssl_(ssl) {
    if (!ssl_) {
        fail(Failure::protocol, "out of memory");
        return;
    }
    in_ = new_memory_bio();
    out_ = new_memory_bio();
    if (!in_ || !out_) {
        BIO_free(in_);
        BIO_free(out_);
        in_ = out_ = nullptr;
        fail(Failure::protocol, "out of memory");
        return;
    }
    SSL_set_bio(ssl_, in_, out_);  // ssl_ owns them from here
}

Session::~Session() { SSL_free(ssl_); }

void Session::fail(Failure failure, std::string reason) {
    state_ = State::failed;
    failure_ = failure;
    failure_reason_ = std::move(reason);
}

void Session::receive(std::span<const std::uint8_t> ciphertext) {
    if (ciphertext.empty() || state_ == State::failed) return;
    if (!received_any_) {
        received_any_ = true;
        if (SSL_is_server(ssl_) && starts_like_http(ciphertext[0])) {
            fail(Failure::plain_http, "plain HTTP sent to the TLS port");
            return;
        }
    }
    // A memory BIO grows to take everything: it never refuses a write.
    BIO_write(in_, ciphertext.data(), clamp(ciphertext.size()));
}

bool Session::wants_more(int result) {
    switch (SSL_get_error(ssl_, result)) {
        case SSL_ERROR_WANT_READ:
        case SSL_ERROR_WANT_WRITE:
            return true;
        case SSL_ERROR_ZERO_RETURN:
            state_ = State::peer_closed;
            return false;
        default:
            fail(Failure::protocol, openssl_error());
            return false;
    }
}

std::size_t Session::read(std::span<std::uint8_t> out) {
    if (state_ == State::failed || state_ == State::peer_closed) return 0;
    // The queue is per thread and shared with every other session: what an
    // earlier call left there must not be taken for this call's error.
    ERR_clear_error();
    if (state_ == State::handshaking) {
        int result = SSL_do_handshake(ssl_);
        if (result != 1) {
            wants_more(result);
            return 0;
        }
        state_ = State::open;
    }
    if (out.empty()) return 0;
    int n = SSL_read(ssl_, out.data(), clamp(out.size()));
    if (n > 0) return std::size_t(n);
    wants_more(n);
    return 0;
}

void Session::write(std::span<const std::uint8_t> plaintext) {
    if (state_ != State::open && state_ != State::peer_closed) return;
    if (shut_down_) return;
    ERR_clear_error();
    while (!plaintext.empty()) {
        int n = SSL_write(ssl_, plaintext.data(), clamp(plaintext.size()));
        if (n <= 0) {
            fail(Failure::protocol, openssl_error());
            return;
        }
        plaintext = plaintext.subspan(std::size_t(n));
    }
}

void Session::shut_down() {
    if (shut_down_ || (state_ != State::open && state_ != State::peer_closed)) return;
    shut_down_ = true;
    ERR_clear_error();
    SSL_shutdown(ssl_);  // queues close_notify; we do not wait for the peer's
}

std::string_view Session::output() const {
    if (!out_) return {};
    char* data = nullptr;
    long size = BIO_get_mem_data(out_, &data);
    return size > 0 ? std::string_view(data, std::size_t(size)) : std::string_view();
}

void Session::clear_output() {
    if (out_) (void)BIO_reset(out_);
}

bool Session::holds_input() const {
    return in_ && (BIO_ctrl_pending(in_) > 0 || SSL_pending(ssl_) > 0);
}

bool Session::take_handshake_done() {
    if (handshake_reported_ || state_ == State::handshaking || !SSL_is_init_finished(ssl_)) return false;
    handshake_reported_ = true;
    return true;
}

HandshakeSummary Session::summary() const {
    HandshakeSummary s;
    if (!ssl_) return s;
    s.version = SSL_get_version(ssl_);
    if (const char* cipher = SSL_get_cipher_name(ssl_)) s.cipher = cipher;
    const unsigned char* alpn = nullptr;
    unsigned int alpn_len = 0;
    SSL_get0_alpn_selected(ssl_, &alpn, &alpn_len);
    if (alpn) s.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_len);
    if (const char* sni = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name)) s.sni = sni;
    s.resumed = SSL_session_reused(ssl_) == 1;
    return s;
}

}  // namespace wirechat::tls
