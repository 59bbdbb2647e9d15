// The server's TLS session (tls::Session over tls::ServerContext) against a
// plain OpenSSL client, the two talking through memory. Every exchange is
// tried with the ciphertext delivered byte by byte, record by record, and
// all at once, since TCP may cut it anywhere.
#include <catch2/catch.hpp>

#include "../tls_test_cert.h"
#include "tls/server_context.h"
#include "tls/session.h"

#include <openssl/err.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

using wirechat::test::TestCert;
using wirechat::tls::ServerContext;
using wirechat::tls::Session;

namespace {

enum class Split { bytes, records, whole };

const char* name(Split split) {
    switch (split) {
        case Split::bytes: return "byte by byte";
        case Split::records: return "record by record";
        case Split::whole: return "all at once";
    }
    return "?";
}

// A TLS record's length, from its 5-byte header (type, version, length).
std::size_t record_length(const std::string& bytes, std::size_t at) {
    return 5 + ((std::uint8_t(bytes[at + 3]) << 8) | std::uint8_t(bytes[at + 4]));
}

// `bytes` cut the way `split` says.
std::vector<std::string> cut(const std::string& bytes, Split split) {
    std::vector<std::string> pieces;
    if (split == Split::whole) {
        if (!bytes.empty()) pieces.push_back(bytes);
        return pieces;
    }
    for (std::size_t at = 0; at < bytes.size();) {
        std::size_t n = split == Split::bytes ? 1 : std::min(record_length(bytes, at), bytes.size() - at);
        pieces.push_back(bytes.substr(at, n));
        at += n;
    }
    return pieces;
}

// An OpenSSL client configured as a careful one would be: it trusts the
// test certificate only, checks the host name, offers http/1.1.
struct ClientOptions {
    int min_version = TLS1_2_VERSION;
    int max_version = TLS1_3_VERSION;
    std::string cipher_list;  // TLS 1.2's; empty: OpenSSL's default
    std::string alpn = "http/1.1";
    std::string host = "localhost";
};

class Client {
public:
    Client(const TestCert& cert, const ClientOptions& options = {}, SSL_SESSION* resume = nullptr) {
        ctx_ = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_min_proto_version(ctx_, options.min_version);
        SSL_CTX_set_max_proto_version(ctx_, options.max_version);
        // OpenSSL's default security level refuses TLS 1.0/1.1 in the client
        // itself; level 0 lets it offer them, so that the server is what refuses.
        if (options.min_version < TLS1_2_VERSION) SSL_CTX_set_security_level(ctx_, 0);
        if (!options.cipher_list.empty()) SSL_CTX_set_cipher_list(ctx_, options.cipher_list.c_str());
        REQUIRE(SSL_CTX_load_verify_locations(ctx_, cert.cert_file.c_str(), nullptr) == 1);
        SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
        ssl_ = SSL_new(ctx_);
        SSL_set_connect_state(ssl_);
        SSL_set_tlsext_host_name(ssl_, options.host.c_str());
        SSL_set1_host(ssl_, options.host.c_str());
        if (!options.alpn.empty()) {
            std::string wire = std::string(1, char(options.alpn.size())) + options.alpn;
            SSL_set_alpn_protos(ssl_, reinterpret_cast<const unsigned char*>(wire.data()), unsigned(wire.size()));
        }
        if (resume) REQUIRE(SSL_set_session(ssl_, resume) == 1);
        in_ = BIO_new(BIO_s_mem());
        out_ = BIO_new(BIO_s_mem());
        BIO_set_mem_eof_return(in_, -1);
        SSL_set_bio(ssl_, in_, out_);
    }
    ~Client() {
        SSL_free(ssl_);
        SSL_CTX_free(ctx_);
    }

    // Ciphertext the client wants to send.
    std::string take_output() {
        std::string bytes;
        char buffer[4096];
        int n;
        while ((n = BIO_read(out_, buffer, sizeof buffer)) > 0) bytes.append(buffer, std::size_t(n));
        return bytes;
    }
    void receive(const std::string& ciphertext) { BIO_write(in_, ciphertext.data(), int(ciphertext.size())); }
    // Drives the handshake; true once done.
    bool handshake() { return SSL_do_handshake(ssl_) == 1; }
    void write(const std::string& plaintext) {
        REQUIRE(SSL_write(ssl_, plaintext.data(), int(plaintext.size())) == int(plaintext.size()));
    }
    std::string read_all() {
        std::string text;
        char buffer[4096];
        int n;
        while ((n = SSL_read(ssl_, buffer, sizeof buffer)) > 0) text.append(buffer, std::size_t(n));
        return text;
    }
    SSL* ssl() { return ssl_; }

private:
    SSL_CTX* ctx_;
    SSL* ssl_;
    BIO* in_;
    BIO* out_;
};

// Our session, delivered to the way `split` says; gathers its plaintext.
struct Server {
    explicit Server(const ServerContext& context) : session(context.new_ssl()) {}

    void receive(const std::string& ciphertext, Split split) {
        for (const std::string& piece : cut(ciphertext, split)) {
            session.receive(std::span(reinterpret_cast<const std::uint8_t*>(piece.data()), piece.size()));
            read_all();
        }
    }
    void read_all() {
        std::uint8_t buffer[1000];  // smaller than a record: read() is called again for the rest
        while (std::size_t n = session.read(buffer)) plaintext.append(reinterpret_cast<char*>(buffer), n);
    }
    std::string take_output() {
        std::string bytes(session.output());
        session.clear_output();
        return bytes;
    }
    void write(const std::string& text) {
        session.write(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    }

    Session session;
    std::string plaintext;
};

// Runs the handshake to its end (or until neither side has anything to
// say); true if both sides finished it.
bool handshake(Client& client, Server& server, Split split) {
    for (int round = 0; round < 10; ++round) {
        bool client_done = client.handshake();
        std::string to_server = client.take_output();
        server.receive(to_server, split);
        std::string to_client = server.take_output();
        client.receive(to_client);
        if (client_done && server.session.open()) return true;
        if (to_server.empty() && to_client.empty() && server.session.state() != Session::State::handshaking)
            break;
    }
    return client.handshake() && server.session.open();
}

const Split splits[] = {Split::bytes, Split::records, Split::whole};

}  // namespace

TEST_CASE("tls session: a handshake and data both ways, in every split", "[tls]") {
    TestCert cert;
    ServerContext context(cert.cert_file, cert.key_file);
    for (Split split : splits) {
        SECTION(name(split)) {
            Client client(cert);
            Server server(context);
            REQUIRE(handshake(client, server, split));
            CHECK(server.session.take_handshake_done());
            CHECK_FALSE(server.session.take_handshake_done());  // once

            auto summary = server.session.summary();
            CHECK(summary.version == "TLSv1.3");
            CHECK(summary.alpn == "http/1.1");
            CHECK(summary.sni == "localhost");
            CHECK_FALSE(summary.resumed);
            CHECK(describe(summary) ==
                  "TLSv1.3 " + summary.cipher + " alpn=http/1.1 sni=localhost full handshake");

            // Several records at once, one of them larger than a record.
            std::string request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
            std::string big(40'000, 'x');
            for (std::size_t i = 0; i < big.size(); ++i) big[i] = char('a' + i % 26);
            client.write(request);
            client.write(big);
            server.receive(client.take_output(), split);
            CHECK(server.plaintext == request + big);

            server.write("HTTP/1.1 200 OK\r\n\r\n");
            server.write(big);
            client.receive(server.take_output());
            CHECK(client.read_all() == "HTTP/1.1 200 OK\r\n\r\n" + big);
        }
    }
}

TEST_CASE("tls session: the peer's close_notify ends its input", "[tls]") {
    TestCert cert;
    ServerContext context(cert.cert_file, cert.key_file);
    Client client(cert);
    Server server(context);
    REQUIRE(handshake(client, server, Split::whole));
    client.write("last words");
    SSL_shutdown(client.ssl());
    server.receive(client.take_output(), Split::bytes);
    CHECK(server.plaintext == "last words");
    CHECK(server.session.state() == Session::State::peer_closed);

    // Ours goes out once.
    server.session.shut_down();
    server.session.shut_down();
    client.receive(server.take_output());
    client.read_all();
    CHECK((SSL_get_shutdown(client.ssl()) & SSL_RECEIVED_SHUTDOWN) != 0);
}

TEST_CASE("tls session: TLS 1.2 agrees to an ECDHE AEAD cipher, with the server's preference", "[tls]") {
    TestCert cert;
    ServerContext context(cert.cert_file, cert.key_file);
    // The client prefers ChaCha20; the server's list puts AES-GCM first.
    Client client(cert, {.max_version = TLS1_2_VERSION,
                         .cipher_list = "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256"});
    Server server(context);
    REQUIRE(handshake(client, server, Split::records));
    auto summary = server.session.summary();
    CHECK(summary.version == "TLSv1.2");
    CHECK(summary.cipher == "ECDHE-ECDSA-AES128-GCM-SHA256");
}

TEST_CASE("tls session: what the hardened defaults refuse", "[tls]") {
    TestCert cert;
    ServerContext context(cert.cert_file, cert.key_file);
    ClientOptions options;
    SECTION("TLS 1.1") {
        options.min_version = TLS1_1_VERSION;
        options.max_version = TLS1_1_VERSION;
    }
    SECTION("TLS 1.0") {
        options.min_version = TLS1_VERSION;
        options.max_version = TLS1_VERSION;
    }
    SECTION("TLS 1.2 with CBC ciphers only") {
        options.max_version = TLS1_2_VERSION;
        options.cipher_list = "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA";
    }
    SECTION("TLS 1.2 without forward secrecy") {
        options.max_version = TLS1_2_VERSION;
        options.cipher_list = "AES128-GCM-SHA256";
    }
    SECTION("ALPN without http/1.1") {
        options.alpn = "h2";
    }
    Client client(cert, options);
    Server server(context);
    CHECK_FALSE(handshake(client, server, Split::whole));
    CHECK(server.session.state() == Session::State::failed);
    CHECK(server.session.failure() == Session::Failure::protocol);
    CHECK_FALSE(server.session.failure_reason().empty());
    CHECK_FALSE(server.session.take_handshake_done());
    // The client is told why, with an alert (21), not left waiting.
    // (Not asserted for what the client refused itself before sending.)
    std::string alert = server.take_output();
    if (!alert.empty()) CHECK(alert[0] == 21);
    ERR_clear_error();
}

TEST_CASE("tls session: plain HTTP is recognised before OpenSSL sees it", "[tls]") {
    TestCert cert;
    ServerContext context(cert.cert_file, cert.key_file);
    Server server(context);
    server.receive("G", Split::whole);
    CHECK(server.session.failure() == Session::Failure::plain_http);
    server.receive("ET / HTTP/1.1\r\n\r\n", Split::whole);
    CHECK(server.plaintext.empty());
    CHECK(server.take_output().empty());
    // The answer the connection sends instead is well-formed HTTP.
    const std::string_view answer = wirechat::tls::plain_http_answer;
    const auto body = answer.substr(answer.find("\r\n\r\n") + 4);
    CHECK(answer.starts_with("HTTP/1.1 400 "));
    CHECK(answer.find("Content-Length: " + std::to_string(body.size()) + "\r\n") != std::string_view::npos);
}

TEST_CASE("tls session: garbage fails the session in every split", "[tls]") {
    TestCert cert;
    ServerContext context(cert.cert_file, cert.key_file);
    for (Split split : {Split::bytes, Split::whole}) {
        SECTION(name(split)) {
            Server server(context);
            // A handshake record header announcing a ClientHello, then nonsense.
            std::string garbage = std::string("\x16\x03\x01\x00\x40", 5) + std::string(64, '\x7f');
            server.receive(garbage, split);
            CHECK(server.session.state() == Session::State::failed);
            CHECK(server.session.failure() == Session::Failure::protocol);
            CHECK(server.plaintext.empty());
            // Nothing more is decrypted after a failure.
            server.receive(garbage, split);
            CHECK(server.plaintext.empty());
        }
    }
    SECTION("a forged application record after the handshake") {
        Client client(cert);
        Server server(context);
        REQUIRE(handshake(client, server, Split::whole));
        server.receive(std::string("\x17\x03\x03\x00\x20", 5) + std::string(32, '\x01'), Split::whole);
        CHECK(server.session.state() == Session::State::failed);
        CHECK(server.plaintext.empty());
    }
}

TEST_CASE("tls session: a ticket resumes the session", "[tls]") {
    TestCert cert;
    ServerContext context(cert.cert_file, cert.key_file);
    SSL_SESSION* ticket = nullptr;
    {
        Client client(cert);
        Server server(context);
        REQUIRE(handshake(client, server, Split::whole));
        // TLS 1.3 tickets arrive after the handshake, with the first data.
        server.write("hello");
        client.receive(server.take_output());
        CHECK(client.read_all() == "hello");
        ticket = SSL_get1_session(client.ssl());
        REQUIRE(ticket);
        REQUIRE(SSL_SESSION_is_resumable(ticket) == 1);
        // A client keeps only sessions it closed cleanly (OpenSSL drops
        // the others as possibly truncated).
        SSL_shutdown(client.ssl());
    }
    Client client(cert, {}, ticket);
    Server server(context);
    REQUIRE(handshake(client, server, Split::records));
    CHECK(SSL_session_reused(client.ssl()) == 1);
    CHECK(server.session.summary().resumed);
    SSL_SESSION_free(ticket);
}

TEST_CASE("tls context: loading and reloading", "[tls]") {
    TestCert first("first");
    TestCert second("second");

    SECTION("a missing file or a key of another certificate is refused with the reason") {
        CHECK_THROWS_WITH(ServerContext(first.dir + "/nothing.pem", first.key_file),
                          Catch::Contains("cannot load the certificate chain from"));
        CHECK_THROWS_WITH(ServerContext(first.cert_file, second.key_file),
                          Catch::Contains("key values mismatch"));
    }

    SECTION("a good new pair is used by new sessions; a bad one leaves the old") {
        ServerContext context(first.cert_file, first.key_file);
        auto presented = [&](const TestCert& trusted) {
            Client client(trusted);
            Server server(context);
            if (!handshake(client, server, Split::whole)) return std::string("(refused)");
            X509* peer = SSL_get1_peer_certificate(client.ssl());
            char cn[64] = {};
            X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
            X509_free(peer);
            return std::string(cn);
        };
        CHECK(presented(first) == "first");

        // A session opened before the reload keeps going after it.
        Client early(first);
        Server early_server(context);
        REQUIRE(handshake(early, early_server, Split::whole));

        // Renewal: the files now hold the second pair.
        std::filesystem::copy_file(second.cert_file, first.cert_file,
                                   std::filesystem::copy_options::overwrite_existing);
        std::filesystem::copy_file(second.key_file, first.key_file,
                                   std::filesystem::copy_options::overwrite_existing);
        std::string error;
        REQUIRE(context.reload(error));
        CHECK(presented(second) == "second");
        early.write("still here");
        early_server.receive(early.take_output(), Split::whole);
        CHECK(early_server.plaintext == "still here");

        // A broken renewal: a certificate without its key.
        {
            std::ofstream(first.key_file) << "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n";
        }
        CHECK_FALSE(context.reload(error));
        CHECK(error.find("cannot load the private key") != std::string::npos);
        CHECK(presented(second) == "second");
        ERR_clear_error();
    }
}
