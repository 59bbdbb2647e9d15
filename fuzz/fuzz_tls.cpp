// Our TLS glue (tls::Session over tls::ServerContext, the server's own
// hardened context) fed arbitrary bytes as if they came from a client, in
// chunks the input chooses. OpenSSL parses the records; what is ours is
// what surrounds it: the memory BIOs, the plain-HTTP check, the states and
// what leaves.
//
// Input: one mode byte, then the chunking prefix (fuzz_support.h), then the
// bytes. Mode bit 0: first complete a real handshake with an OpenSSL client
// (the fuzzer's bytes then arrive as the client's records after it);
// otherwise they are the first bytes the server ever sees.
//
// Properties:
//   - no crash, no leak (ASan, LeakSanitizer), no plaintext before the
//     handshake (random bytes cannot finish one);
//   - a first byte that is a capital letter is plain HTTP, recognised before
//     OpenSSL sees anything, and nothing is sent;
//   - a failed session stays failed and yields nothing more;
//   - whatever the session writes is whole, well-formed TLS records;
//   - the outcome (state, failure kind) is the same whole and chunked.
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../tests/tls_test_cert.h"
#include "fuzz_support.h"
#include "tls/server_context.h"
#include "tls/session.h"

using namespace wirechat;
using tls::Session;

namespace {

// Made once: a certificate costs a key generation. Its files go as soon as
// the context has read them (the process ends without unwinding, so a
// member would leave them in /tmp).
struct Setup {
    std::unique_ptr<tls::ServerContext> server;
    SSL_CTX* client = nullptr;
    Setup() {
        const test::TestCert cert;
        server = std::make_unique<tls::ServerContext>(cert.cert_file, cert.key_file);
        client = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_verify(client, SSL_VERIFY_NONE, nullptr);
    }
};
Setup& setup() {
    static Setup* s = new Setup();  // never destroyed: libFuzzer exits without unwinding
    return *s;
}

// Every record whole: a header (type 20-24, version 3.x, length at most
// 2^14 + 256) followed by that many bytes. One record may carry another
// version: when OpenSSL refuses the version a first ClientHello offers, it
// stamps its protocol_version alert (a plaintext alert, 2 bytes: fatal, 70)
// with the client's own legacy_version, so that the client can read it.
void check_records(std::string_view out) {
    constexpr std::uint8_t alert = 21, fatal = 2, protocol_version = 70;
    while (!out.empty()) {
        FUZZ_CHECK(out.size() >= 5);
        const auto type = std::uint8_t(out[0]);
        FUZZ_CHECK(type >= 20 && type <= 24);
        const std::size_t length = (std::size_t(std::uint8_t(out[3])) << 8) | std::uint8_t(out[4]);
        if (out[1] != 3)
            FUZZ_CHECK(type == alert && length == 2 && out.size() >= 7 && std::uint8_t(out[5]) == fatal &&
                       std::uint8_t(out[6]) == protocol_version);
        FUZZ_CHECK(length <= 16384 + 256);
        FUZZ_CHECK(out.size() >= 5 + length);
        out.remove_prefix(5 + length);
    }
}

std::string take(Session& session) {
    std::string out(session.output());
    session.clear_output();
    check_records(out);
    return out;
}

// A client handshake with `session` through memory; true when both finished.
bool handshake(Session& session, SSL* client) {
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in, -1);
    SSL_set_bio(client, in, out);
    SSL_set_connect_state(client);
    std::uint8_t scratch[4096];
    for (int round = 0; round < 6; ++round) {
        SSL_do_handshake(client);
        char buffer[16384];
        int n;
        while ((n = BIO_read(out, buffer, sizeof buffer)) > 0)
            session.receive(std::span(reinterpret_cast<const std::uint8_t*>(buffer), std::size_t(n)));
        FUZZ_CHECK(session.read(scratch) == 0);  // the client sent no data
        std::string reply = take(session);
        BIO_write(in, reply.data(), int(reply.size()));
        if (session.open() && SSL_is_init_finished(client)) return true;
    }
    return false;
}

struct Outcome {
    Session::State state;
    Session::Failure failure;
    std::string plaintext;
};

Outcome run(bool after_handshake, fuzz::Chunker chunker) {
    Setup& s = setup();
    Session session(s.server->new_ssl());
    std::unique_ptr<SSL, decltype(&SSL_free)> client(SSL_new(s.client), SSL_free);
    if (after_handshake) FUZZ_CHECK(handshake(session, client.get()));

    std::span<const std::uint8_t> input = chunker.payload();
    const bool looks_like_http = !after_handshake && !input.empty() && input[0] >= 'A' && input[0] <= 'Z';
    Outcome outcome;
    std::uint8_t buffer[4096];
    while (!input.empty()) {
        const std::size_t n = chunker.next(input.size());
        const bool failed_before = session.state() == Session::State::failed;
        session.receive(input.first(n));
        input = input.subspan(n);
        while (std::size_t got = session.read(buffer)) {
            FUZZ_CHECK(session.open() || session.state() == Session::State::peer_closed);
            outcome.plaintext.append(reinterpret_cast<const char*>(buffer), got);
        }
        const std::string sent = take(session);
        if (failed_before) {
            FUZZ_CHECK(session.state() == Session::State::failed);
            FUZZ_CHECK(sent.empty());
        }
        if (looks_like_http) {
            FUZZ_CHECK(session.failure() == Session::Failure::plain_http);
            FUZZ_CHECK(sent.empty());
        }
    }
    // Before a handshake, random bytes cannot make plaintext.
    if (!after_handshake) FUZZ_CHECK(outcome.plaintext.empty());
    outcome.state = session.state();
    outcome.failure = session.failure();
    ERR_clear_error();
    return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const bool after_handshake = data[0] & 1;
    fuzz::Chunker chunked(std::span(data + 1, size - 1));
    // The same bytes whole: a chunking prefix that says "no sizes".
    std::vector<std::uint8_t> unchunked{0};
    unchunked.insert(unchunked.end(), chunked.payload().begin(), chunked.payload().end());
    const Outcome whole = run(after_handshake, fuzz::Chunker(unchunked));
    const Outcome parts = run(after_handshake, chunked);
    FUZZ_CHECK(whole.state == parts.state);
    FUZZ_CHECK(whole.failure == parts.failure);
    FUZZ_CHECK(whole.plaintext == parts.plaintext);
    return 0;
}
