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

// The ciphertext from the peer waits in a memory BIO.
BIO* new_input_bio() {
    BIO* bio = BIO_new(BIO_s_mem());
    if (!bio) return nullptr;
    // Reading an empty BIO means "more later" (a retry), not end of file.
    BIO_set_mem_eof_return(bio, -1);
    return bio;
}

// What OpenSSL writes is appended to a string of the session's own: the
// caller takes it from there and clear_output() empties it, keeping its
// capacity, in O(1). (A memory BIO's reset zeroes its whole buffer every
// time.)
int append_output(BIO* bio, const char* data, int size) {
    static_cast<std::string*>(BIO_get_data(bio))->append(data, std::size_t(size));
    return size;
}
long output_ctrl(BIO*, int command, long, void*) {
    // Flushing is a success (everything is in the string already); every
    // other question gets OpenSSL's "not supported".
    return command == BIO_CTRL_FLUSH ? 1 : 0;
}
int output_create(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
}
const BIO_METHOD* output_method() {
    static BIO_METHOD* method = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "wirechat TLS output");
        if (m) {
            BIO_meth_set_write(m, append_output);
            BIO_meth_set_ctrl(m, output_ctrl);
            BIO_meth_set_create(m, output_create);
        }
        return m;
    }();
    return method;
}
// Past this, an emptied output gives its memory back: an idle connection
// keeps no buffer sized for the file it once sent.
constexpr std::size_t kept_output_capacity = 64 * 1024;

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
    in_ = new_input_bio();
    out_ = output_method() ? BIO_new(output_method()) : nullptr;
    if (out_) BIO_set_data(out_, &output_);
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

void Session::note_error(int result) {
    switch (SSL_get_error(ssl_, result)) {
        case SSL_ERROR_WANT_READ:
        case SSL_ERROR_WANT_WRITE:
            return;  // more input first (the output BIO never refuses)
        case SSL_ERROR_ZERO_RETURN:
            state_ = State::peer_closed;
            return;
        default:
            fail(Failure::protocol, openssl_error());
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
            note_error(result);
            return 0;
        }
        state_ = State::open;
    }
    if (out.empty()) return 0;
    int n = SSL_read(ssl_, out.data(), clamp(out.size()));
    if (n > 0) return std::size_t(n);
    note_error(n);
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

void Session::clear_output() {
    output_.clear();
    if (output_.capacity() > kept_output_capacity) std::string().swap(output_);
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
