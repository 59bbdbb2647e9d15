// One TLS connection, sans I/O: ciphertext from the peer goes in, plaintext
// comes out; plaintext to send goes in, ciphertext to write comes out. No
// socket, no clock: the caller moves the bytes (net::Connection does, on
// the event loop) and OpenSSL only ever sees two memory BIOs, so it never
// blocks and never makes a system call of its own.
//
//   receive(ciphertext) -> read(buffer) until 0 -> plaintext, handshake progress
//   write(plaintext)                          -> ciphertext in output()
//   output() / clear_output()                 -> what must go on the wire, in order
//
// After every receive()/read()/write()/shut_down(), output() may hold
// bytes (handshake messages, session tickets, alerts, records): send them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <openssl/ssl.h>

namespace wirechat::tls {

// What the handshake agreed, for --trace and logs.
struct HandshakeSummary {
    std::string version;  // "TLSv1.3"
    std::string cipher;   // "TLS_AES_128_GCM_SHA256"
    std::string alpn;     // "http/1.1", or empty
    std::string sni;      // the host name the client asked for, or empty
    bool resumed = false;
};
// "TLSv1.3 TLS_AES_128_GCM_SHA256 alpn=http/1.1 sni=localhost full handshake"
std::string describe(const HandshakeSummary& summary);

// The answer to plain HTTP sent to a TLS port, written unencrypted: the
// client speaks HTTP, so HTTP is what it can read (nginx answers the same
// way). The connection closes after it.
extern const std::string_view plain_http_answer;

class Session {
public:
    enum class State {
        handshaking,
        open,         // application data flows both ways
        peer_closed,  // the peer sent close_notify: it sends no more
        failed,       // see failure()
    };
    enum class Failure {
        none,
        plain_http,  // the first bytes were an HTTP request, not a TLS record
        protocol,    // anything else OpenSSL refused: garbage, an old version, a bad record
    };

    // Takes ownership of `ssl`, whose role (SSL_set_accept_state or
    // SSL_set_connect_state) is already set; null makes a failed session.
    explicit Session(SSL* ssl);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Ciphertext from the peer. Copied: the caller's buffer is free again
    // when this returns. Nothing is decrypted until read().
    void receive(std::span<const std::uint8_t> ciphertext);
    // Advances the handshake and decrypts into `out`: the number of
    // plaintext bytes written there. 0 means nothing more for now (more
    // ciphertext is needed) or that the state changed: see state().
    std::size_t read(std::span<std::uint8_t> out);
    // Encrypts all of `plaintext` into output(). Only while open (bytes
    // given at other times are dropped: nobody can read them).
    void write(std::span<const std::uint8_t> plaintext);
    // Queues close_notify (once): we will send no more.
    void shut_down();

    // Ciphertext to send, in order (and, for plain HTTP, nothing: the
    // caller answers that itself with plain_http_answer).
    std::string_view output() const { return output_; }
    void clear_output();

    // Whether received ciphertext (or decrypted plaintext) waits for read().
    bool holds_input() const;

    State state() const { return state_; }
    bool open() const { return state_ == State::open; }
    Failure failure() const { return failure_; }
    // Why it failed, from OpenSSL, for a log line.
    const std::string& failure_reason() const { return failure_reason_; }
    // True once, on the first call after the handshake has finished.
    bool take_handshake_done();
    HandshakeSummary summary() const;

private:
    void fail(Failure failure, std::string reason);
    // After an SSL call returned `result` (not a success): nothing to do
    // until more input comes, or the peer closed, or the session failed.
    void note_error(int result);

    SSL* ssl_;
    BIO* in_ = nullptr;   // owned by ssl_
    BIO* out_ = nullptr;  // owned by ssl_; appends to output_
    std::string output_;
    State state_ = State::handshaking;
    Failure failure_ = Failure::none;
    std::string failure_reason_;
    bool received_any_ = false;
    bool handshake_reported_ = false;
    bool shut_down_ = false;
};

}  // namespace wirechat::tls
