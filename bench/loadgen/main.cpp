// wirechat-loadgen: the benchmark's own load generator. See bench/README.md.
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "scenario.h"

namespace {

using wirechat::bench::Settings;

constexpr const char* usage = R"(usage: wirechat-loadgen SCENARIO --port N [options]

Scenarios (each prints one "RESULT scenario=... key=value ..." line; any
protocol error, refused handshake, unexpected close or wrong echo exits 1):
  echo       N connections, each keeping K messages in flight to an echo
             endpoint; every echo is checked. msgs/s, p50/p99 round trip, and
             the server's CPU time per message.
  idle       N connections that stay idle: the server's RSS growth per
             connection (start the server fresh; needs --server-pid) and
             the handshake rate; with --chat, N chat clients.
  broadcast  N clients in the chat's lobby; one message at a time, the time
             until each client has it (p50/p99, all delivered); with --rate,
             a steady stream and the delivered messages/s; every client must
             get every message exactly once.

options:
  --port N[,N...]     server port(s) on 127.0.0.1 (required); with several
                      (the nodes of a cluster), client i connects to the
                      (i mod count)-th: the clients are split evenly
  --path P            WebSocket path (default /echo; broadcast, idle --chat: /;
                      --protocol socketio: /socket.io/?EIO=4&transport=websocket)
  --protocol NAME     wirechat (default), socketio or raw. socketio:
                      broadcast speaks Engine.IO v4 / Socket.IO v5 over the
                      WebSocket ("new_message" events; bench/peers/socketio).
                      raw: broadcast to a plain pub/sub server that sends
                      every message, unchanged, to every client (the sender
                      too): text frames of --size bytes, and every copy must
                      be byte for byte what was sent
  --server-pid PID[,PID...]  read the server's CPU time and RSS from
                      /proc/PID, summed over all the PIDs (a cluster's nodes)
  --redis-pid PID     broadcast: also report this process's CPU per delivery
                      (redis-server), apart from the server's
  --chat              idle: chat clients; each counts once it has its welcome,
                      and the probe is a rooms request instead of an echo
  --rooms R           idle: spread the clients over rooms r<k>
                      (?room= in the URL), consecutive clients in one room
  --room-offset K     number the rooms from K (several loadgens, one chat)
  --connections N     (default 100)
  --size BYTES        echo payload size, broadcast --protocol raw message
                      size (default 32)
  --inflight K        echo messages outstanding per connection (default 1)
  --text              echo text frames (default binary)
  --json              echo, idle: JSON-like chat text of --size bytes (text
                      frames) that compresses like real chat traffic; idle
                      sends it instead of its 16-byte probe
  --deflate           offer permessage-deflate as browsers do; a server that
                      does not agree fails the run (wire_bytes_per_echo in
                      the echo result shows how much the echoes shrank)
  --tls               wss://: TLS to the server (certificates are not checked)
  --warmup S          echo: seconds before measuring (default 0.5)
  --duration S        echo, broadcast --rate: seconds measured (default 5)
  --sources K         connect from 127.0.0.1 .. 127.0.0.K (for > 28,000 connections)
  --connect-batch N   handshakes in flight while opening (default 256)
  --rounds N          broadcast: messages timed one by one (default 5)
  --rate R            broadcast: then R messages/s for --duration seconds
  --senders K         broadcast: the first K clients send, in turn (default:
                      enough to keep each under the chat's 10/s; 1: one
                      publisher, for wirechat --chat-rate 0 and the peers)
  --hold S            idle: keep the connections open S seconds after the result
)";

[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr, "wirechat-loadgen: %s (see --help)\n", message.c_str());
    std::exit(2);
}

double number(std::string_view flag, std::string_view text) {
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < 0)
        usage_error(std::string(flag) + ": expected a non-negative number, got '" + std::string(text) + "'");
    return value;
}

std::size_t count(std::string_view flag, std::string_view text) {
    double value = number(flag, text);
    if (value != double(std::size_t(value))) usage_error(std::string(flag) + ": expected a whole number");
    return std::size_t(value);
}

// "A,B,C": whole numbers, at least one.
std::vector<std::size_t> counts(std::string_view flag, std::string_view text) {
    std::vector<std::size_t> out;
    while (true) {
        const std::size_t comma = text.find(',');
        out.push_back(count(flag, text.substr(0, comma)));
        if (comma == std::string_view::npos) return out;
        text.remove_prefix(comma + 1);
    }
}

Settings parse(int argc, char** argv, std::string& scenario) {
    Settings s;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::fputs(usage, stdout);
            std::exit(0);
        }
        if (!arg.starts_with("--")) {
            if (!scenario.empty()) usage_error("unexpected argument '" + std::string(arg) + "'");
            scenario = arg;
            continue;
        }
        if (arg == "--text") {
            s.text = true;
            continue;
        }
        if (arg == "--json") {
            s.json = s.text = true;
            continue;
        }
        if (arg == "--deflate") {
            s.deflate = true;
            continue;
        }
        if (arg == "--tls") {
            s.tls = true;
            continue;
        }
        if (arg == "--chat") {
            s.chat = true;
            continue;
        }
        if (i + 1 == argc) usage_error(std::string(arg) + " needs a value");
        std::string_view value = argv[++i];
        if (arg == "--port") {
            s.ports.clear();
            for (std::size_t port : counts(arg, value)) {
                if (port == 0 || port > 65535) usage_error("--port: expected 1 to 65535");
                s.ports.push_back(std::uint16_t(port));
            }
        } else if (arg == "--path") s.path = value;
        else if (arg == "--protocol") {
            if (value != "wirechat" && value != "socketio" && value != "raw")
                usage_error("--protocol: wirechat, socketio or raw");
            s.socketio = value == "socketio";
            s.raw = value == "raw";
        } else if (arg == "--server-pid") {
            s.server_pids.clear();
            for (std::size_t pid : counts(arg, value)) s.server_pids.push_back(pid_t(pid));
        } else if (arg == "--redis-pid") s.redis_pid = pid_t(count(arg, value));
        else if (arg == "--rooms") s.rooms = count(arg, value);
        else if (arg == "--room-offset") s.room_offset = count(arg, value);
        else if (arg == "--connections") s.connections = count(arg, value);
        else if (arg == "--size") s.size = count(arg, value);
        else if (arg == "--inflight") s.inflight = count(arg, value);
        else if (arg == "--warmup") s.warmup_s = number(arg, value);
        else if (arg == "--duration") s.duration_s = number(arg, value);
        else if (arg == "--sources") s.sources = int(std::clamp<std::size_t>(count(arg, value), 1, 254));
        else if (arg == "--connect-batch") s.connect_batch = std::max<std::size_t>(1, count(arg, value));
        else if (arg == "--rounds") s.rounds = int(count(arg, value));
        else if (arg == "--rate") s.rate = number(arg, value);
        else if (arg == "--senders") s.senders = count(arg, value);
        else if (arg == "--hold") s.hold_s = number(arg, value);
        else usage_error("unknown option " + std::string(arg));
    }
    if (scenario.empty()) usage_error("which scenario? echo, idle or broadcast");
    if (s.connections == 0) usage_error("--connections must be at least 1");
    if (s.ports.empty()) usage_error("--port is required");
    if ((s.socketio || s.raw) && scenario != "broadcast") usage_error("--protocol socketio and raw: broadcast only");
    if ((s.chat || s.rooms > 0) && scenario != "idle") usage_error("--chat and --rooms: idle only");
    if (s.path.empty()) {
        if (s.socketio) s.path = "/socket.io/?EIO=4&transport=websocket";
        else s.path = scenario == "broadcast" || s.chat ? "/" : "/echo";
    }
    return s;
}

// Thousands of connections need thousands of descriptors: take the hard limit.
void raise_fd_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string name;
    Settings settings = parse(argc, argv, name);
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();
    try {
        std::unique_ptr<wirechat::bench::Scenario> scenario;
        if (name == "echo") scenario = wirechat::bench::make_echo(settings);
        else if (name == "idle") scenario = wirechat::bench::make_idle(settings);
        else if (name == "broadcast") scenario = wirechat::bench::make_broadcast(settings);
        else usage_error("unknown scenario '" + name + "'");
        scenario->run();
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "wirechat-loadgen: FAILED: %s\n", e.what());
        return 1;
    }
}
