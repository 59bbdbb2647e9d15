// The admin listener (--admin): /healthz, /readyz, /metrics. Each metric
// family moves as the traffic the test makes says it must; the text passes
// Prometheus's own checker (promtool), and a real Prometheus server, started
// here, scrapes a node and answers a PromQL query with the counts that
// traffic implies.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "harness.h"

using harness::RedisServer;
using harness::ServerProcess;
using harness::Socket;
using harness::WsClient;
using harness::next_envelope;
namespace json = boost::json;

namespace {

// A node with an admin listener (on a port it picks).
struct AdminNode : ServerProcess {
    explicit AdminNode(std::vector<std::string> more = {})
        : ServerProcess(harness::Launch{.admin = true}, std::move(more)) {}
    std::uint16_t admin() const { return admin_port(); }
};

harness::Response admin_get(std::uint16_t port, std::string_view path) {
    Socket s(port);
    s.send("GET " + std::string(path) + " HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n");
    auto response = harness::read_response(s);
    REQUIRE(response);
    return *response;
}

// The samples of a scrape: "name{labels}" -> value.
std::map<std::string, double> scrape(const AdminNode& node) {
    const harness::Response response = admin_get(node.admin(), "/metrics");
    REQUIRE(*response.find("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
    return harness::scrape_metrics(node.admin());
}

double value(const std::map<std::string, double>& samples, const std::string& key) {
    const auto found = samples.find(key);
    if (found == samples.end()) FAIL("no sample " << key);
    return found->second;
}

// How much `key` moved between two scrapes (absent before: from 0).
double moved(const std::map<std::string, double>& before, const std::map<std::string, double>& after,
             const std::string& key) {
    const auto was = before.find(key);
    return value(after, key) - (was == before.end() ? 0 : was->second);
}

}  // namespace

TEST_CASE("healthz, readyz and 404 elsewhere, none of them on the public port") {
    AdminNode node;
    CHECK(admin_get(node.admin(), "/healthz").status == 200);
    CHECK(admin_get(node.admin(), "/readyz").body == "ready\n");
    CHECK(admin_get(node.admin(), "/").status == 404);
    CHECK(admin_get(node.port(), "/metrics").status == 404);  // a static file that is not there
    // No WebSocket on the admin listener.
    Socket s(node.admin());
    s.send(harness::upgrade_request("/", harness::good_upgrade_fields));
    CHECK(harness::read_response(s)->status == 404);
}

TEST_CASE("readyz says 503 while Redis is out of reach, and 200 again when it is back") {
    RedisServer redis;
    AdminNode node({"--redis", redis.url()});
    REQUIRE(node.wait_until_chat_ready());
    CHECK(admin_get(node.admin(), "/readyz").status == 200);
    redis.stop();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    harness::Response ready = admin_get(node.admin(), "/readyz");
    while (ready.status == 200 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        ready = admin_get(node.admin(), "/readyz");
    }
    CHECK(ready.status == 503);
    CHECK(ready.body.find("Redis") != std::string::npos);
    CHECK(value(scrape(node), "wirechat_redis_connected") == 0);
    redis.start();
    REQUIRE(node.wait_until_chat_ready(15000));
    CHECK(admin_get(node.admin(), "/readyz").status == 200);
    const auto samples = scrape(node);
    CHECK(value(samples, "wirechat_redis_connected") == 1);
    CHECK(value(samples, "wirechat_redis_reconnects_total") >= 1);
    CHECK(value(samples, "wirechat_redis_command_duration_seconds_count") > 0);
}

TEST_CASE("connections, HTTP responses and handshakes are counted by kind, code and reason") {
    AdminNode node({"--allowed-origin", "http://good.example"});
    const auto before = scrape(node);
    {
        Socket page(node.port());
        page.send("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
        CHECK(harness::read_response(page)->status == 200);
        CHECK(harness::read_response(page)->status == 404);
        WsClient chat(node.port()), echo(node.port(), "/echo");
        next_envelope(chat, "welcome");
        for (const auto& [fields, status] :
             {std::pair{harness::good_upgrade_fields + "Origin: http://evil.example\r\n", 403},
              std::pair{std::string("Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n"),
                        426}}) {
            Socket refused(node.port());
            refused.send(harness::upgrade_request("/echo", fields));
            CHECK(harness::read_response(refused)->status == status);
        }
        {
            Socket nowhere(node.port());
            nowhere.send(harness::upgrade_request("/nowhere", harness::good_upgrade_fields));
            CHECK(harness::read_response(nowhere)->status == 404);
        }
        // The refused ones are closing; once they are gone, only the page's
        // keep-alive connection is HTTP.
        const auto settle = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        auto during = scrape(node);
        while (value(during, R"(wirechat_connections{kind="http"})") != 1 && std::chrono::steady_clock::now() < settle)
            during = scrape(node);
        CHECK(value(during, R"(wirechat_connections{kind="http"})") == 1);
        CHECK(value(during, R"(wirechat_connections{kind="websocket_chat"})") == 1);
        CHECK(value(during, R"(wirechat_connections{kind="websocket_echo"})") == 1);
        CHECK(value(during, R"(wirechat_connections{kind="admin"})") == 1);  // this scrape's
        CHECK(moved(before, during, "wirechat_connections_accepted_total") >= 7);  // 6 + the scrapes
        CHECK(moved(before, during, R"(wirechat_http_responses_total{code="404"})") == 2);
        CHECK(moved(before, during, R"(wirechat_http_responses_total{code="200"})") >= 2);  // the page, scrapes
        CHECK(moved(before, during, R"(wirechat_http_responses_total{code="101"})") == 2);
        CHECK(moved(before, during, R"(wirechat_http_responses_total{code="403"})") == 1);
        CHECK(moved(before, during, R"(wirechat_http_responses_total{code="426"})") == 1);
        CHECK(moved(before, during, R"(wirechat_websocket_handshakes_total{result="accepted",endpoint="chat"})") == 1);
        CHECK(moved(before, during, R"(wirechat_websocket_handshakes_total{result="accepted",endpoint="echo"})") == 1);
        CHECK(moved(before, during, R"(wirechat_websocket_handshakes_total{result="refused",reason="origin"})") == 1);
        CHECK(moved(before, during, R"(wirechat_websocket_handshakes_total{result="refused",reason="version"})") == 1);
        CHECK(moved(before, during,
                    R"(wirechat_websocket_handshakes_total{result="refused",reason="no_endpoint"})") == 1);
    }
    // Closed: the gauges go back down.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::map<std::string, double> after;
    do {
        after = scrape(node);
    } while (value(after, R"(wirechat_connections{kind="websocket_chat"})") != 0 &&
             std::chrono::steady_clock::now() < deadline);
    CHECK(value(after, R"(wirechat_connections{kind="websocket_chat"})") == 0);
    CHECK(value(after, R"(wirechat_connections{kind="websocket_echo"})") == 0);
}

TEST_CASE("messages, bytes and frames by endpoint and opcode, closes by code and side") {
    AdminNode node({"--max-message", "1000"});
    const auto before = scrape(node);
    {
        WsClient echo(node.port(), "/echo");
        for (int i = 0; i < 5; ++i) echo.send_text("hello");  // 11-byte frames
        for (int i = 0; i < 5; ++i) REQUIRE(echo.receive());
        echo.ping("p");
        REQUIRE(echo.receive_pong());
        echo.close(1000);
        CHECK(echo.wait_closed());
    }
    {  // A protocol error: the server closes with 1002.
        Socket s(node.port());
        s.send(harness::upgrade_request("/echo", harness::good_upgrade_fields));
        REQUIRE(harness::read_response(s, true)->status == 101);
        s.send(harness::client_frame(0x81, "hi", false));
        CHECK(s.receive_until_close().has_value());
    }
    {  // Too big: 1009.
        Socket s(node.port());
        s.send(harness::upgrade_request("/echo", harness::good_upgrade_fields));
        REQUIRE(harness::read_response(s, true)->status == 101);
        s.send(harness::client_frame(0x82, std::string(1001, 'x')));
        CHECK(s.receive_until_close().has_value());
    }
    {  // Gone without a word: 1006, the client's doing.
        Socket s(node.port());
        s.send(harness::upgrade_request("/echo", harness::good_upgrade_fields));
        REQUIRE(harness::read_response(s, true)->status == 101);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto after = scrape(node);
    CHECK(moved(before, after, R"(wirechat_websocket_messages_received_total{endpoint="echo"})") == 5);
    CHECK(moved(before, after, R"(wirechat_websocket_messages_sent_total{endpoint="echo"})") == 5);
    CHECK(moved(before, after, R"(wirechat_websocket_frames_received_total{opcode="text"})") == 6);  // + "hi"
    CHECK(moved(before, after, R"(wirechat_websocket_frames_received_total{opcode="binary"})") == 1);
    CHECK(moved(before, after, R"(wirechat_websocket_frames_received_total{opcode="ping"})") == 1);
    CHECK(moved(before, after, R"(wirechat_websocket_frames_sent_total{opcode="pong"})") == 1);
    CHECK(moved(before, after, R"(wirechat_websocket_frames_sent_total{opcode="text"})") == 5);
    CHECK(moved(before, after, R"(wirechat_websocket_frames_sent_total{opcode="close"})") == 3);
    // Frames as on the wire: 5 x (6 + 5) + ping (6 + 1) + close (6 + 2) received on the first.
    CHECK(moved(before, after, R"(wirechat_websocket_sent_bytes_total{endpoint="echo"})") >= 5 * 7 + 3 + 3 * 4);
    CHECK(moved(before, after, R"(wirechat_websocket_received_bytes_total{endpoint="echo"})") >=
          5 * 11 + 7 + 8);
    CHECK(moved(before, after, R"(wirechat_websocket_closes_total{code="1000",side="client"})") == 1);
    CHECK(moved(before, after, R"(wirechat_websocket_closes_total{code="1002",side="server"})") == 1);
    CHECK(moved(before, after, R"(wirechat_websocket_closes_total{code="1009",side="server"})") == 1);
    CHECK(moved(before, after, R"(wirechat_websocket_closes_total{code="1006",side="client"})") == 1);
}

TEST_CASE("the chat's families: rooms, members, envelopes by type, errors by code, broadcast latency") {
    AdminNode node;
    WsClient alice(node.port()), bob(node.port());
    next_envelope(alice, "welcome");
    next_envelope(bob, "welcome");
    const auto before = scrape(node);
    alice.send_text(R"({"type":"join","payload":"dev"})");
    next_envelope(alice, "joined");
    for (int i = 0; i < 3; ++i) {
        alice.send_text(R"({"type":"new_message","payload":"hi"})");
        next_envelope(alice, "new_message");
    }
    alice.send_text("not json");
    next_envelope(alice, "error");
    bob.send_texts(R"({"type":"rooms"})", 25);  // the burst is 20; in one write, no token comes back meanwhile
    for (int i = 0; i < 25; ++i) REQUIRE(bob.receive());
    const auto after = scrape(node);
    CHECK(value(after, "wirechat_chat_rooms") == 2);
    CHECK(value(after, "wirechat_chat_members") == 2);
    CHECK(moved(before, after, R"(wirechat_chat_envelopes_total{type="join"})") == 1);
    CHECK(moved(before, after, R"(wirechat_chat_envelopes_total{type="new_message"})") == 3);
    CHECK(moved(before, after, R"(wirechat_chat_envelopes_total{type="rooms"})") == 20);
    CHECK(moved(before, after, R"(wirechat_chat_errors_total{code="bad_json"})") == 1);
    CHECK(moved(before, after, R"(wirechat_chat_errors_total{code="rate_limited"})") == 5);
    CHECK(moved(before, after, "wirechat_broadcast_latency_seconds_count") == 3);
    CHECK(value(after, "wirechat_loop_tick_duration_seconds_count") > 0);
    CHECK(value(after, "wirechat_chat_too_slow_total") == 0);
    CHECK(value(after, "wirechat_output_pending_bytes") >= 0);
    CHECK(value(after, "wirechat_process_open_fds") >= 6);
    CHECK(value(after, "wirechat_process_max_fds") >= value(after, "wirechat_process_open_fds"));
    CHECK(value(after, "wirechat_process_resident_memory_bytes") > 1e6);
    const double now = double(std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch()).count());
    CHECK(value(after, "wirechat_process_start_time_seconds") > now - 120);
    CHECK(value(after, "wirechat_process_start_time_seconds") <= now + 1);
}

namespace {

// Runs `args` with `input` on its standard input, to its exit: its status
// and what it printed (both streams).
std::pair<int, std::string> run_with_input(std::vector<std::string> args, const std::string& input) {
    const std::string in_path = std::filesystem::temp_directory_path() / ("wirechat-in-" + std::to_string(getpid()));
    const std::string out_path = in_path + ".out";
    std::ofstream(in_path) << input;
    const pid_t pid = fork();
    if (pid == 0) {
        freopen(in_path.c_str(), "r", stdin);
        freopen(out_path.c_str(), "w", stdout);
        dup2(STDOUT_FILENO, STDERR_FILENO);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    std::ifstream out(out_path);
    std::string text((std::istreambuf_iterator<char>(out)), {});
    std::filesystem::remove(in_path);
    std::filesystem::remove(out_path);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

}  // namespace

TEST_CASE("/metrics passes Prometheus's own checker (promtool)") {
    AdminNode node({"--deflate"});
    WsClient chat(node.port());
    next_envelope(chat, "welcome");
    chat.send_text(R"({"type":"new_message","payload":"hi"})");
    next_envelope(chat, "new_message");
    const harness::Response metrics = admin_get(node.admin(), "/metrics");
    const auto [status, output] = run_with_input({"/usr/bin/promtool", "check", "metrics"}, metrics.body);
    INFO(output);
    CHECK(status == 0);
}

TEST_CASE("a real Prometheus scrapes a node, and a PromQL query counts the traffic") {
    AdminNode node;
    // Seven echo messages, then Prometheus is started and asked.
    {
        WsClient echo(node.port(), "/echo");
        for (int i = 0; i < 7; ++i) echo.send_text("seven");
        for (int i = 0; i < 7; ++i) REQUIRE(echo.receive());
    }
    char dir[] = "/tmp/wirechat-prometheus.XXXXXX";
    REQUIRE(mkdtemp(dir));
    std::ofstream(std::string(dir) + "/prometheus.yml")
        << "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: wirechat\n    static_configs:\n"
        << "      - targets: ['127.0.0.1:" << node.admin() << "']\n";
    std::uint16_t prometheus_port = 0;
    pid_t prometheus = -1;
    // Started on a free port; again on another if that one was taken meanwhile.
    auto start_prometheus = [&] {
        prometheus_port = harness::free_port();
        prometheus = fork();
        if (prometheus == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            freopen((std::string(dir) + "/prometheus.log").c_str(), "w", stderr);
            execl("/usr/bin/prometheus", "prometheus",
                  ("--config.file=" + std::string(dir) + "/prometheus.yml").c_str(),
                  ("--storage.tsdb.path=" + std::string(dir) + "/data").c_str(),
                  ("--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port)).c_str(), nullptr);
            _exit(127);
        }
    };
    start_prometheus();
    const std::string query = "/api/v1/query?query=sum(wirechat_websocket_messages_received_total"
                              "%7Bendpoint%3D%22echo%22%7D)";
    std::string answer;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        if (waitpid(prometheus, nullptr, WNOHANG) == prometheus) start_prometheus();  // it could not listen
        try {
            Socket s(prometheus_port);
            s.send("GET " + query + " HTTP/1.1\r\nHost: prometheus\r\nConnection: close\r\n\r\n");
            auto response = harness::read_response(s);
            if (!response || response->status != 200) continue;
            const json::value result = json::parse(response->body).at("data").at("result");
            if (result.as_array().empty()) continue;  // not scraped yet
            answer = json::value_to<std::string>(result.at(0).at("value").at(1));
            break;
        } catch (const std::exception&) {
            // not listening yet
        }
    }
    kill(prometheus, SIGTERM);
    waitpid(prometheus, nullptr, 0);
    std::filesystem::remove_all(dir);
    CHECK(answer == "7");
}

TEST_CASE("logs: one JSON object per line, the access log, levels, and never a chat message") {
    char dir[] = "/tmp/wirechat-log.XXXXXX";
    REQUIRE(mkdtemp(dir));
    const std::string path = std::string(dir) + "/stderr";
    {
        ServerProcess node(harness::Launch{.stderr_path = path}, {"--log-format", "json", "--access-log"});
        {  // (closed before the server stops)
            Socket page(node.port());
            page.send("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
            REQUIRE(harness::read_response(page)->status == 200);
            REQUIRE(harness::read_response(page)->status == 404);
            WsClient chat(node.port(), "/?nickname=alice");
            next_envelope(chat, "welcome");
            chat.send_text(R"({"type":"new_message","payload":"a secret nobody logs"})");
            next_envelope(chat, "new_message");
            Socket broken(node.port());
            broken.send(harness::upgrade_request("/echo", harness::good_upgrade_fields));
            REQUIRE(harness::read_response(broken, true)->status == 101);
            broken.send(harness::client_frame(0x81, "hi", false));
            CHECK(broken.receive_until_close().has_value());
            chat.close(1000);
            CHECK(chat.wait_closed());
        }
        CHECK(node.terminate() == 0);
    }
    std::ifstream file(path);
    std::vector<json::object> lines;
    for (std::string line; std::getline(file, line);) {
        INFO(line);
        REQUIRE_NOTHROW(lines.push_back(json::parse(line).as_object()));
        CHECK(line.find("secret") == std::string::npos);
    }
    auto events = [&](std::string_view name) {
        std::vector<json::object> found;
        for (const json::object& line : lines)
            if (line.at("event").as_string() == name) found.push_back(line);
        return found;
    };
    REQUIRE(events("listening").size() == 1);
    CHECK(events("listening")[0].at("level") == "info");
    REQUIRE(events("stopped").size() == 1);
    const auto access = events("access");
    REQUIRE(access.size() == 4);  // the page, the 404, two upgrades (101 each)
    CHECK(access[0].at("method") == "GET");
    CHECK(access[0].at("path") == "/");
    CHECK(access[0].at("status") == 200);
    CHECK(access[0].at("bytes").to_number<std::int64_t>() > 1000);
    CHECK(access[0].at("peer").as_string().starts_with("127.0.0.1:"));
    CHECK(access[1].at("path") == "/nowhere");
    CHECK(access[1].at("status") == 404);
    CHECK(access[2].at("status") == 101);
    const auto errors = events("websocket_error");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].at("level") == "warn");
    CHECK(errors[0].at("code") == 1002);
    CHECK(errors[0].at("endpoint") == "echo");

    // At --log-level error, nothing of that is said.
    {
        ServerProcess quiet(harness::Launch{.stderr_path = path}, {"--log-level", "error", "--access-log"});
        Socket page(quiet.port());
        page.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        CHECK(harness::read_response(page)->status == 200);
        CHECK(quiet.terminate() == 0);
    }
    std::ifstream again(path);
    CHECK(std::string((std::istreambuf_iterator<char>(again)), {}).empty());
    std::filesystem::remove_all(dir);
}
