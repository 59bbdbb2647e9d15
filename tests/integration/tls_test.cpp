// The server with --tls-cert/--tls-key: https:// and wss:// on one port,
// checked with independent clients (curl, openssl s_client, OpenSSL's own
// client API) and with wirechat-cli, and what a TLS port must survive: old
// versions, plain HTTP, garbage, handshakes that never finish, certificate
// reloads.
#include <catch2/catch.hpp>

#include "../tls_test_cert.h"
#include "harness.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using harness::ServerProcess;
using harness::Socket;
using wirechat::test::TestCert;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> tls_args(const TestCert& cert) {
    return {"--tls-cert", cert.cert_file, "--tls-key", cert.key_file};
}

// A command's standard output (stderr joined to it) and exit status.
struct Output {
    int status;
    std::string text;
};
Output run(const std::string& command) {
    Output out{-1, {}};
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    if (!pipe) return out;
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.text.append(buffer, n);
    const int status = pclose(pipe);
    out.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
}

std::string read_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::stringstream bytes;
    bytes << file.rdbuf();
    return bytes.str();
}

// A blocking TLS client on a loopback socket: OpenSSL's client, trusting
// the test certificate only and checking the host name, as a browser does.
class TlsClient {
public:
    // `receive_buffer` > 0: a small socket buffer, for a client that
    // reads slowly.
    TlsClient(std::uint16_t port, const std::string& ca_file, int receive_buffer = 0) : socket_(port) {
        timeval timeout{5, 0};  // nothing in these tests may hang
        setsockopt(socket_.fd(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        if (receive_buffer > 0)
            setsockopt(socket_.fd(), SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
        ctx_ = SSL_CTX_new(TLS_client_method());
        SSL_CTX_load_verify_locations(ctx_, ca_file.c_str(), nullptr);
        SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
        ssl_ = SSL_new(ctx_);
        SSL_set_tlsext_host_name(ssl_, "localhost");
        SSL_set1_host(ssl_, "localhost");
        SSL_set_fd(ssl_, socket_.fd());
        connected_ = SSL_connect(ssl_) == 1;
        ERR_clear_error();
    }
    ~TlsClient() {
        SSL_free(ssl_);
        SSL_CTX_free(ctx_);
    }
    bool connected() const { return connected_; }
    SSL* ssl() { return ssl_; }
    // The common name of the certificate the server presented.
    std::string peer_name() {
        X509* peer = SSL_get1_peer_certificate(ssl_);
        if (!peer) return "";
        char cn[128] = {};
        X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
        X509_free(peer);
        return cn;
    }
    void send(std::string_view bytes) {
        REQUIRE(SSL_write(ssl_, bytes.data(), int(bytes.size())) == int(bytes.size()));
    }
    // Exactly n bytes, or what came before the peer closed or went silent.
    std::string receive(std::size_t n) {
        std::string bytes;
        char buffer[16384];
        while (bytes.size() < n) {
            int got = SSL_read(ssl_, buffer, int(std::min(sizeof buffer, n - bytes.size())));
            if (got <= 0) break;
            bytes.append(buffer, std::size_t(got));
        }
        ERR_clear_error();
        return bytes;
    }
    // One response head and its Content-Length body.
    std::string response() {
        std::string head;
        while (head.find("\r\n\r\n") == std::string::npos) {
            std::string byte = receive(1);
            if (byte.empty()) return head;
            head += byte;
        }
        const auto at = head.find("Content-Length: ");
        const std::size_t length = at == std::string::npos ? 0 : std::stoul(head.substr(at + 16));
        return head + receive(length);
    }

private:
    Socket socket_;
    SSL_CTX* ctx_;
    SSL* ssl_;
    bool connected_;
};

// Polls until `done` holds, at most `ms`.
template <typename Fn>
bool eventually(Fn done, int ms = 3000) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(ms);
    while (Clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
}

}  // namespace

TEST_CASE("tls: curl gets the page and the HTTP echo over https, TLS 1.3 and 1.2", "[tls]") {
    TestCert cert;
    ServerProcess server(tls_args(cert));
    const std::string base = "curl -sS --max-time 10 --cacert " + cert.cert_file + " ";
    const std::string url = "https://localhost:" + std::to_string(server.port());

    Output page = run(base + "-o " + cert.dir + "/page.html -w '%{http_code}' " + url + "/");
    CHECK(page.text == "200");
    CHECK(read_file(cert.dir + "/page.html") == read_file(harness::web_dir() + "/index.html"));

    Output echo = run(base + "--tlsv1.2 --tls-max 1.2 -d 'over TLS 1.2' " + url + "/echo");
    CHECK(echo.text == "over TLS 1.2");
    Output verbose = run(base + "-v -o /dev/null " + url + "/echo");
    CHECK(verbose.text.find("SSL connection using TLSv1.3") != std::string::npos);
    CHECK(verbose.text.find("ALPN: server accepted http/1.1") != std::string::npos);

    // A client that does not trust the certificate is not served.
    CHECK(run("curl -sS --max-time 10 -o /dev/null " + url + "/").status != 0);
}

TEST_CASE("tls: a large static file is read and encrypted, not sent with sendfile", "[tls]") {
    TestCert cert;
    // A web directory of our own with a 3 MiB file in it (bytes that
    // would show a record out of order or repeated).
    std::string web = cert.dir + "/web";
    fs::create_directory(web);
    std::string big(3 * 1024 * 1024 + 17, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = char((i * 2654435761u) >> 13);
    std::ofstream(web + "/big.bin", std::ios::binary) << big;
    std::ofstream(web + "/index.html") << "index";
    std::vector<std::string> args = tls_args(cert);
    args.insert(args.end(), {"--web", web});
    ServerProcess server(args);

    Output got = run("curl -sS --max-time 20 --cacert " + cert.cert_file + " -o " + cert.dir + "/got.bin -w '%{http_code}' " +
                     "https://localhost:" + std::to_string(server.port()) + "/big.bin");
    CHECK(got.text == "200");
    CHECK(read_file(cert.dir + "/got.bin") == big);

    // A client that reads slowly gets it all the same: the server waits
    // for room, and encrypts more as the socket drains.
    TlsClient slow(server.port(), cert.cert_file, 64 * 1024);
    REQUIRE(slow.connected());
    slow.send("GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the server's writes hit a full socket
    std::string response = slow.response();
    REQUIRE(response.size() > big.size());
    CHECK(response.substr(response.size() - big.size()) == big);
}

TEST_CASE("tls: TLS 1.0 and 1.1 are refused, 1.2 is not", "[tls]") {
    TestCert cert;
    ServerProcess server(tls_args(cert));
    // SECLEVEL=0: so that the client offers the old versions, and the
    // refusal is the server's.
    const std::string s_client = "echo | timeout 10 openssl s_client -connect 127.0.0.1:" +
                                 std::to_string(server.port()) + " -cipher DEFAULT@SECLEVEL=0 ";
    for (const char* version : {"-tls1", "-tls1_1"}) {
        Output old = run(s_client + version);
        INFO(old.text);
        CHECK(old.status != 0);
        CHECK(old.text.find("alert protocol version") != std::string::npos);
    }
    Output good = run(s_client + "-tls1_2 -CAfile " + cert.cert_file);
    INFO(good.text);
    CHECK(good.status == 0);
    CHECK(good.text.find("Verify return code: 0 (ok)") != std::string::npos);
    CHECK(good.text.find("Protocol  : TLSv1.2") != std::string::npos);
}

TEST_CASE("tls: plain HTTP sent to the TLS port gets a 400 in plain HTTP, then the close", "[tls]") {
    TestCert cert;
    ServerProcess server(tls_args(cert));
    Socket plain(server.port());
    plain.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    auto answer = plain.receive_until_close(3000);
    REQUIRE(answer);
    CHECK(answer->starts_with("HTTP/1.1 400 Bad Request\r\n"));
    CHECK(answer->find("plain HTTP request was sent to HTTPS port") != std::string::npos);

    // And curl says so to a user who forgot the s.
    Output curl = run("curl -sS --max-time 5 http://127.0.0.1:" + std::to_string(server.port()) + "/");
    CHECK(curl.text.find("The plain HTTP request was sent to HTTPS port.") != std::string::npos);
}

TEST_CASE("tls: garbage and unfinished handshakes close the connection, and disturb nobody", "[tls]") {
    TestCert cert;
    std::vector<std::string> args = tls_args(cert);
    args.insert(args.end(), {"--header-timeout", "500"});
    ServerProcess server(args);
    TlsClient bystander(server.port(), cert.cert_file);
    REQUIRE(bystander.connected());

    SECTION("a record that is no TLS") {
        Socket garbage(server.port());
        garbage.send(std::string("\x16\x03\x01\x00\x20", 5) + std::string(32, '\xee'));
        auto answer = garbage.receive_until_close(2000);
        REQUIRE(answer);
        // At most a fatal alert (content type 21), never data.
        if (!answer->empty()) CHECK((*answer)[0] == '\x15');
    }
    SECTION("bytes that are not even a record") {
        Socket garbage(server.port());
        garbage.send(std::string("\x00\xff\x13\x37 nonsense", 13));
        CHECK(garbage.receive_until_close(2000));
    }
    SECTION("a handshake that stops halfway is closed after --header-timeout") {
        const auto start = Clock::now();
        Socket slow(server.port());
        slow.send(std::string("\x16\x03\x01\x02\x00\x01", 6));  // a ClientHello that never comes
        auto answer = slow.receive_until_close(5000);
        const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
        REQUIRE(answer);
        CHECK(waited >= 400);
        CHECK(waited < 3000);
    }
    SECTION("a client that connects and says nothing is closed after --header-timeout") {
        Socket silent(server.port());
        CHECK(silent.receive_until_close(5000));
    }
    // The other client was served all along.
    bystander.send("GET /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nstill");
    CHECK(bystander.response().ends_with("\r\n\r\nstill"));
}

TEST_CASE("tls: a WebSocket over TLS, and --trace shows the handshake and the decrypted frames", "[tls]") {
    TestCert cert;
    harness::Launch launch;
    launch.stderr_path = cert.dir + "/server.log";
    std::vector<std::string> args = tls_args(cert);
    args.push_back("--trace");
    ServerProcess server(launch, args);

    TlsClient client(server.port(), cert.cert_file);
    REQUIRE(client.connected());
    client.send(harness::upgrade_request("/echo", harness::good_upgrade_fields));
    std::string head = client.response();
    REQUIRE(head.starts_with("HTTP/1.1 101 "));
    client.send(harness::client_frame(0x81, "secret hello"));
    CHECK(client.receive(2 + 12) == std::string("\x81\x0c", 2) + "secret hello");

    CHECK(eventually([&] { return read_file(launch.stderr_path).find("secret hello") != std::string::npos; }));
    const std::string log = read_file(launch.stderr_path);
    CHECK(log.find("#1 tls TLSv1.3 TLS_AES_128_GCM_SHA256 alpn=none sni=localhost full handshake") !=
          std::string::npos);
    CHECK(log.find("#1 <- text   FIN=1 RSV=000 MASK=1") != std::string::npos);
}

TEST_CASE("tls: on a TLS port the page's own origin is https://", "[tls]") {
    TestCert cert;
    ServerProcess server(tls_args(cert));
    const std::string host = "localhost:" + std::to_string(server.port());
    auto upgrade_from = [&](const std::string& origin) {
        TlsClient client(server.port(), cert.cert_file);
        REQUIRE(client.connected());
        client.send("GET / HTTP/1.1\r\nHost: " + host + "\r\nOrigin: " + origin + "\r\n" +
                    harness::good_upgrade_fields + "\r\n");
        const std::string head = client.response();
        return head.substr(0, head.find("\r\n"));
    };
    CHECK(upgrade_from("https://" + host).starts_with("HTTP/1.1 101 "));
    // The same host and port over plain http is another origin.
    CHECK(upgrade_from("http://" + host).starts_with("HTTP/1.1 403 "));
}

TEST_CASE("tls: SIGHUP reloads the certificate without dropping a connection, and refuses a bad pair", "[tls]") {
    TestCert first("first");
    TestCert second("second");
    // The server's files, which a renewal replaces.
    TestCert files("files");
    fs::copy_file(first.cert_file, files.cert_file, fs::copy_options::overwrite_existing);
    fs::copy_file(first.key_file, files.key_file, fs::copy_options::overwrite_existing);
    harness::Launch launch;
    launch.stderr_path = files.dir + "/server.log";
    ServerProcess server(launch, tls_args(files));

    TlsClient before(server.port(), first.cert_file);
    REQUIRE(before.connected());
    CHECK(before.peer_name() == "first");
    const std::string request = "GET /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nhi";
    before.send(request);
    CHECK(before.response().ends_with("hi"));

    fs::copy_file(second.cert_file, files.cert_file, fs::copy_options::overwrite_existing);
    fs::copy_file(second.key_file, files.key_file, fs::copy_options::overwrite_existing);
    REQUIRE(::kill(server.pid(), SIGHUP) == 0);
    CHECK(eventually([&] { return read_file(launch.stderr_path).find("tls_reloaded") != std::string::npos; }));
    TlsClient after(server.port(), second.cert_file);
    REQUIRE(after.connected());
    CHECK(after.peer_name() == "second");
    // The connection made before the reload goes on.
    before.send(request);
    CHECK(before.response().ends_with("hi"));

    // A renewal gone wrong: the key file is not a key.
    std::ofstream(files.key_file) << "not a key\n";
    REQUIRE(::kill(server.pid(), SIGHUP) == 0);
    CHECK(eventually([&] { return read_file(launch.stderr_path).find("tls_reload_refused") != std::string::npos; }));
    CHECK(read_file(launch.stderr_path).find("cannot load the private key from '" + files.key_file + "'") !=
          std::string::npos);
    TlsClient still(server.port(), second.cert_file);
    REQUIRE(still.connected());
    CHECK(still.peer_name() == "second");
    CHECK(server.terminate() == 0);
}

TEST_CASE("tls: reloads under load drop no connection and fail no request", "[tls]") {
    TestCert first("first");
    TestCert second("second");
    TestCert files("files");
    fs::copy_file(first.cert_file, files.cert_file, fs::copy_options::overwrite_existing);
    fs::copy_file(first.key_file, files.key_file, fs::copy_options::overwrite_existing);
    // Clients trust both, since new connections may get either.
    const std::string both = files.dir + "/both.pem";
    std::ofstream(both) << read_file(first.cert_file) << read_file(second.cert_file);
    harness::Launch launch;
    launch.stderr_path = files.dir + "/server.log";
    ServerProcess server(launch, tls_args(files));

    // Each client keeps one connection busy with requests, and every tenth
    // request also makes a new connection; meanwhile the pair changes
    // under the server ten times.
    std::atomic<bool> stop{false};
    std::atomic<int> answered{0}, failed{0}, new_connections{0};
    auto client = [&](int id) {
        TlsClient kept(server.port(), both);
        if (!kept.connected()) {
            ++failed;
            return;
        }
        const std::string body = "client " + std::to_string(id);
        const std::string request = "GET /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: " +
                                    std::to_string(body.size()) + "\r\n\r\n" + body;
        for (int i = 0; !stop; ++i) {
            if (SSL_write(kept.ssl(), request.data(), int(request.size())) != int(request.size())) {
                ++failed;
                return;
            }
            if (kept.response().ends_with(body)) ++answered;
            else ++failed;
            if (i % 10 == 0) {
                TlsClient fresh(server.port(), both);
                if (fresh.connected()) ++new_connections;
                else ++failed;
            }
        }
    };
    const auto reloads = [&] {
        const std::string log = read_file(launch.stderr_path);
        int n = 0;
        for (std::size_t at = 0; (at = log.find("tls_reloaded", at)) != std::string::npos; ++at) ++n;
        return n;
    };
    std::vector<std::thread> clients;
    for (int id = 0; id < 6; ++id) clients.emplace_back(client, id);
    int done = 0;
    for (int reload = 0; reload < 10; ++reload) {
        const TestCert& next = reload % 2 == 0 ? second : first;
        fs::copy_file(next.cert_file, files.cert_file, fs::copy_options::overwrite_existing);
        fs::copy_file(next.key_file, files.key_file, fs::copy_options::overwrite_existing);
        ::kill(server.pid(), SIGHUP);
        // The next pair is written only once the server has read this one
        // (a renewal that replaced the files while the server read them
        // would rightly be refused).
        if (eventually([&] { return reloads() == reload + 1; })) ++done;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    stop = true;
    for (std::thread& t : clients) t.join();

    CHECK(failed == 0);
    CHECK(answered > 60);
    CHECK(new_connections > 6);
    CHECK(done == 10);
    CHECK(read_file(launch.stderr_path).find("tls_reload_refused") == std::string::npos);
}

TEST_CASE("tls: the options go together and a bad pair stops the start with the reason", "[tls]") {
    TestCert cert;
    auto alone = harness::run_to_exit({"--tls-cert", cert.cert_file});
    CHECK(alone.status == 2);
    CHECK(alone.output.find("--tls-cert and --tls-key go together") != std::string::npos);
    auto missing = harness::run_to_exit({"--host", "127.0.0.1", "--port", "0", "--tls-cert", cert.dir + "/none.pem", "--tls-key", cert.key_file});
    CHECK(missing.status == 1);
    CHECK(missing.output.find("cannot load the certificate chain from '" + cert.dir + "/none.pem'") !=
          std::string::npos);
}

TEST_CASE("tls: wirechat-cli speaks wss://, checking the certificate and the name unless told not to", "[tls]") {
    TestCert cert;
    ServerProcess server(tls_args(cert));
    const std::string port = std::to_string(server.port());
    const std::string cli = std::string("echo hello | ") + WIRECHAT_CLI_BINARY + " ";

    Output trusted = run(cli + "--cacert " + cert.cert_file + " wss://localhost:" + port + "/echo");
    INFO(trusted.text);
    CHECK(trusted.status == 0);
    CHECK(trusted.text.find("hello\n") != std::string::npos);
    CHECK(trusted.text.find("connected to wss://localhost:" + port + "/echo") != std::string::npos);
    // By address: the certificate names 127.0.0.1 too.
    CHECK(run(cli + "--cacert " + cert.cert_file + " wss://127.0.0.1:" + port + "/echo").status == 0);

    Output untrusted = run(cli + "wss://localhost:" + port + "/echo");
    CHECK(untrusted.status == 1);
    CHECK(untrusted.text.find("certificate verify failed: self-signed certificate") != std::string::npos);
    CHECK(untrusted.text.find("hello") == std::string::npos);

    Output insecure = run(cli + "--insecure wss://localhost:" + port + "/echo");
    CHECK(insecure.status == 0);
    CHECK(insecure.text.find("hello\n") != std::string::npos);

    // A trusted certificate for another name is refused all the same.
    TestCert elsewhere("elsewhere", "DNS:example.com");
    ServerProcess other(tls_args(elsewhere));
    Output wrong_name =
        run(cli + "--cacert " + elsewhere.cert_file + " wss://localhost:" + std::to_string(other.port()) + "/echo");
    CHECK(wrong_name.status == 1);
    CHECK(wrong_name.text.find("certificate verify failed: hostname mismatch") != std::string::npos);

    // And ws:// to the TLS port fails with the server's 400, not a hang.
    Output plain = run(cli + "ws://127.0.0.1:" + port + "/echo");
    CHECK(plain.status == 1);
    CHECK(plain.text.find("refused the upgrade: 400") != std::string::npos);
}

TEST_CASE("tls: SIGHUP without --tls-cert changes nothing and stops nothing", "[tls]") {
    char log_path[] = "/tmp/wirechat-hup-XXXXXX";
    const int log_fd = mkstemp(log_path);
    REQUIRE(log_fd >= 0);
    ::close(log_fd);
    harness::Launch launch;
    launch.stderr_path = log_path;
    ServerProcess server(launch);
    REQUIRE(::kill(server.pid(), SIGHUP) == 0);
    CHECK(eventually([&] { return read_file(log_path).find("reload reloaded=") != std::string::npos; }));
    Socket socket(server.port());
    socket.send("GET /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok");
    auto response = harness::read_response(socket);
    REQUIRE(response);
    CHECK(response->body == "ok");
    CHECK(server.terminate() == 0);
    std::remove(log_path);
}

TEST_CASE("tls: with --workers, SIGHUP to the supervisor reloads every worker", "[tls]") {
    harness::RedisServer redis;
    TestCert cert;
    harness::Launch launch;
    launch.stderr_path = cert.dir + "/server.log";
    std::vector<std::string> args = tls_args(cert);
    args.insert(args.end(), {"--workers", "2", "--redis", redis.url()});
    ServerProcess server(launch, args);
    const auto count = [&](std::string_view what) {
        const std::string log = read_file(launch.stderr_path);
        int n = 0;
        for (std::size_t at = 0; (at = log.find(what, at)) != std::string::npos; ++at) ++n;
        return n;
    };
    REQUIRE(eventually([&] { return count(" listening ") == 2; }, 10000));
    REQUIRE(::kill(server.pid(), SIGHUP) == 0);
    CHECK(eventually([&] { return count("tls_reloaded") == 2; }));
    // Both still serve (the kernel spreads connections over them).
    for (int i = 0; i < 4; ++i) {
        TlsClient client(server.port(), cert.cert_file);
        CHECK(client.connected());
    }
    CHECK(server.terminate(10000) == 0);
}
