// wirechat: HTTP/1.1 and WebSocket from scratch, serving a chat on one port.
//
// This file only reads the command line and starts the loop (or, with
// --workers, the processes that each run one: src/server/workers.h); see
// src/server/server.h for how the pieces fit together.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "access/ip.h"
#include "access/secret_file.h"
#include "cluster/redis_url.h"
#include "http/authority.h"
#include "ops/log.h"
#include "net/event_loop.h"
#include "net/listener.h"
#include "net/signals.h"
#include "server/server.h"
#include "server/workers.h"
#include "ws/handshake.h"

namespace {

namespace access = wirechat::access;
using wirechat::server::Options;

// What the command line asks for: the server's options, and how many
// processes serve them (server/workers.h).
struct Command {
    Options options;
    int workers = 1;
    wirechat::ops::Level log_level = wirechat::ops::Level::info;
    wirechat::ops::Format log_format = wirechat::ops::Format::text;
};

constexpr const char* usage = R"(usage: wirechat [options]

Serves the chat page and its WebSocket on one port: the page at /, the chat
WebSocket at ws://HOST:PORT/, an echo WebSocket at ws://HOST:PORT/echo, and an
HTTP echo (any method, body returned) at http://HOST:PORT/echo.

options:
  --host ADDR             address to listen on (default 0.0.0.0)
  --port N                port to listen on (default 3000; 0 picks a free one)
  --web DIR               directory of static files (default: the repo's web/)
  --max-message BYTES     largest WebSocket message accepted (default 1048576);
                          larger ones are closed with 1009
  --max-body BYTES        largest HTTP request body (default 1048576; 413 above)
  --allowed-origin ORIGIN let pages from ORIGIN (e.g. https://example.com)
                          open WebSockets here too; repeat for several. By
                          default only the server's own pages may (others get
                          403); '*' lets any page, 'null' sandboxed ones
  --max-connections N     connections in all (default 0: as many as the
                          descriptor limit allows); past it, requests get 503
                          with Retry-After
  --max-connections-per-ip N
                          connections per client address (an IPv4 address, or
                          an IPv6 /64; default 64, 0: no limit); past it, 429
  --handshake-rate N      WebSocket handshakes per second per client address,
                          sustained (default 10, 0: no limit); past it, 429
  --handshake-burst N     handshakes per client address at once (default 20)
  --exempt-ip CIDR        no per-address limit for these clients (e.g.
                          127.0.0.0/8); repeatable
  --trust-proxy CIDR      believe X-Forwarded-For and X-Forwarded-Proto from
                          these peers (a reverse proxy), for the per-address
                          limits, the origin check and the logs; repeatable
  --auth-secret-file FILE the chat requires a token signed with the secret in
                          FILE (HS256 JWT, at least 32 bytes of secret):
                          ws://HOST/?token=...; the token's "sub" is the
                          nickname. wirechat-cli token makes tokens
  --header-timeout MS     a request head must arrive within MS of its first byte
                          (default 10000; 408 after)
  --idle-timeout MS       close keep-alive connections idle this long (default 60000)
  --ping-interval MS      ping WebSockets silent this long (default 30000)
  --pong-timeout MS       drop a pinged WebSocket silent this long (default 10000)
  --max-pending BYTES     close a chat client with 1008 when this much output
                          waits for it unsent, the kernel's buffers full: it
                          stopped reading (default 4194304)
  --trace                 print every connection on stderr as it crosses the
                          wire: HTTP heads, the Sec-WebSocket-Accept
                          computation, one line per WebSocket frame in each
                          direction (colours only on a terminal)
  --trace=full            the same, with a hex dump of every frame
  --no-inspect            no inspector: the chat page cannot show its own
                          connection's wire ("Show the wire", /inspect)
  --deflate               compress WebSocket messages (permessage-deflate) with
                          clients that offer it; off by default
  --chat-rate N           chat envelopes per second per client, sustained
                          (default 10, 0: no limit); past it, the envelope is
                          answered with a rate_limited error
  --chat-burst N          chat envelopes per client at once (default 20)
  --history N             messages of each room a newcomer is sent, and kept
                          for clients that come back (default 100)
  --redis URL             share the chat with every wirechat process using
                          the same Redis: redis://[[USER]:PASSWORD@]HOST:PORT[/DB]
                          (the host is resolved once, at start). Without it
                          the chat lives in this process's memory
  --redis-prefix TEXT     start of every key and channel (default wirechat:),
                          so that several chats can share one Redis
  --redis-timeout MS      a Redis that does not answer within MS is taken for
                          gone: the connections are opened again (default 3000)
  --history-ttl SECONDS   with --redis, a room's history is dropped this long
                          after its last message (default 604800, a week)
  --redis-node-ttl MS     a node that stops beating (it beats every third of
                          this) is taken for dead this long after its last
                          beat: its users leave presence and their nicknames
                          are free again (default 15000)
  --reuse-port            let several wirechat processes share the port
                          (SO_REUSEPORT); with --redis they are one chat,
                          without it each has a chat of its own
  --admin HOST:PORT       a second, plain-HTTP listener for operations (e.g.
                          127.0.0.1:9100; port 0 picks a free one, named in
                          the "listening" log line): /metrics (Prometheus),
                          /healthz, /readyz. Off by default
  --log-level LEVEL       error, warn, info (default) or debug: what goes to
                          stderr, one line per event
  --log-format FORMAT     text (default) or json
  --access-log            log one line per HTTP request (method, path, status,
                          bytes, duration, peer); off by default
  --workers N             serve with N processes (1 to 64; default 1) sharing
                          the port, e.g. one per core, under a supervisor that
                          starts again any that dies. Each is a node of the
                          chat, so more than one needs --redis
  --no-io-uring           read and write each socket with its own system call
                          (read, writev), as strace then shows them; by
                          default io_uring receives from the sockets and
                          takes a tick's writes together, where the kernel
                          allows it
  --io-uring-writes-only  io_uring for the writes only; sockets are read after
                          epoll (what kernels before 6.1 get)
  --tls-cert FILE         serve https:// and wss:// on the port (TLS 1.2 and
                          1.3) with the certificate chain in FILE (PEM, the
                          server's certificate first); needs --tls-key
  --tls-key FILE          the certificate's private key (PEM)
  --help                  show this and exit

Started by systemd with a socket (LISTEN_FDS=1, LISTEN_PID), it serves that
socket instead of binding --host and --port (deploy/wirechat.socket).

On start it prints "listening on http://HOST:PORT" (https:// with
--tls-cert). SIGINT/SIGTERM shut down gracefully: no new connections,
responses in flight finish, WebSockets get a 1001 close. SIGHUP reads
--tls-cert and --tls-key again (a renewed certificate) without dropping a
connection; a pair that does not load is refused with a log line and the old
one stays (without TLS, SIGHUP changes nothing). With --workers, the line is
printed once every worker listens, and SIGINT/SIGTERM/SIGHUP to the
supervisor reach every worker. With --redis the server starts even when
Redis is out of reach: it serves pages and /echo, refuses chat connections
with 503 until Redis answers, and says on stderr what it is waiting for.
)";

struct UsageError {
    std::string message;
};

std::size_t parse_size(std::string_view flag, std::string_view text, std::size_t max) {
    std::size_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value == 0 || value > max)
        throw UsageError{std::string(flag) + ": expected a number from 1 to " +
                         std::to_string(max) + ", got '" + std::string(text) + "'"};
    return value;
}

// A limit, where 0 means none.
std::size_t parse_limit(std::string_view flag, std::string_view text, std::size_t max) {
    return text == "0" ? 0 : parse_size(flag, text, max);
}

access::Cidr parse_block(std::string_view flag, std::string_view text) {
    std::optional<access::Cidr> block = access::parse_cidr(text);
    if (!block)
        throw UsageError{std::string(flag) + ": expected an address or a block (10.0.0.0/8, 2001:db8::/32), got '" +
                         std::string(text) + "'"};
    return *block;
}

int milliseconds(std::string_view flag, std::string_view text) {
    return int(parse_size(flag, text, 24 * 3600 * 1000));
}

constexpr std::string_view valued_flags[] = {
    "--host",          "--port",           "--web",          "--max-message",   "--max-body",
    "--allowed-origin", "--header-timeout", "--idle-timeout", "--ping-interval", "--pong-timeout",
    "--max-pending",   "--history",        "--redis",        "--redis-prefix",  "--redis-timeout",
    "--history-ttl",   "--redis-node-ttl", "--workers",      "--admin",         "--log-level",
    "--log-format",    "--max-connections", "--max-connections-per-ip", "--handshake-rate",
    "--handshake-burst", "--exempt-ip",    "--trust-proxy",   "--auth-secret-file", "--tls-cert",
    "--tls-key",       "--chat-rate",      "--chat-burst"};

// The host of a --redis URL as a numeric address: resolved here, once, so
// that reconnecting never blocks the loop on a name lookup.
std::string resolve(const std::string& host) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (const int error = getaddrinfo(host.c_str(), nullptr, &hints, &found); error != 0)
        throw UsageError{"--redis: cannot resolve '" + host + "': " + gai_strerror(error)};
    char address[INET6_ADDRSTRLEN] = "";
    getnameinfo(found->ai_addr, found->ai_addrlen, address, sizeof address, nullptr, 0, NI_NUMERICHOST);
    freeaddrinfo(found);
    return address;
}

Command parse(int argc, char** argv) {
    Command command;
    Options& options = command.options;
    options.web_dir = WIRECHAT_DEFAULT_WEB_DIR;
    wirechat::cluster::RedisOptions redis;
    std::optional<std::string> redis_url;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::fputs(usage, stdout);
            std::exit(0);
        }
        if (arg == "--trace" || arg == "--trace=lines") {
            options.trace = wirechat::trace::Detail::lines;
            continue;
        }
        if (arg == "--trace=full") {
            options.trace = wirechat::trace::Detail::full;
            continue;
        }
        if (arg.starts_with("--trace="))
            throw UsageError{"--trace takes no value or =full, not '" + std::string(arg.substr(8)) + "'"};
        if (arg == "--deflate") {
            options.deflate = true;
            continue;
        }
        if (arg == "--reuse-port") {
            options.share_port = true;
            continue;
        }
        if (arg == "--no-inspect") {
            options.inspect = false;
            continue;
        }
        if (arg == "--access-log") {
            options.access_log = true;
            continue;
        }
        if (arg == "--no-io-uring") {
            options.batch_io = false;
            continue;
        }
        if (arg == "--io-uring-writes-only") {
            options.ring_receives = false;
            continue;
        }
        std::string_view value;
        if (auto eq = arg.find('='); eq != std::string_view::npos && arg.starts_with("--")) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
        }
        if (std::find(std::begin(valued_flags), std::end(valued_flags), arg) == std::end(valued_flags))
            throw UsageError{arg.starts_with("-") ? "unknown option " + std::string(arg) + " (see --help)"
                                                  : "unexpected argument '" + std::string(arg) + "'"};
        if (value.data() == nullptr) {
            if (i + 1 == argc) throw UsageError{std::string(arg) + " needs a value"};
            value = argv[++i];
        }
        if (arg == "--host") options.host = value;
        else if (arg == "--port") {
            std::size_t port = value == "0" ? 0 : parse_size(arg, value, 65535);
            options.port = static_cast<std::uint16_t>(port);
        } else if (arg == "--web") options.web_dir = value;
        else if (arg == "--max-message") options.max_message = parse_size(arg, value, std::size_t(1) << 31);
        else if (arg == "--max-body") options.max_body = parse_size(arg, value, std::size_t(1) << 31);
        else if (arg == "--allowed-origin") {
            if (!options.origins.allow(value))
                throw UsageError{"--allowed-origin: expected an origin (https://example.com[:PORT]), 'null' or '*', got '" +
                                 std::string(value) + "'"};
        }
        else if (arg == "--max-connections") options.admission.max_connections = parse_limit(arg, value, 10'000'000);
        else if (arg == "--max-connections-per-ip") options.admission.max_per_address = parse_limit(arg, value, 10'000'000);
        else if (arg == "--handshake-rate") options.admission.handshakes_per_second = double(parse_limit(arg, value, 1'000'000));
        else if (arg == "--handshake-burst") options.admission.handshake_burst = double(parse_size(arg, value, 1'000'000));
        else if (arg == "--exempt-ip") options.admission.exempt.push_back(parse_block(arg, value));
        else if (arg == "--trust-proxy") options.trusted_proxies.push_back(parse_block(arg, value));
        else if (arg == "--auth-secret-file") {
            try {
                options.auth_secret = access::read_secret_file(std::string(value));
            } catch (const std::runtime_error& e) {
                throw UsageError{"--auth-secret-file: " + std::string(e.what())};
            }
        }
        else if (arg == "--header-timeout") options.header_timeout_ms = milliseconds(arg, value);
        else if (arg == "--idle-timeout") options.idle_timeout_ms = milliseconds(arg, value);
        else if (arg == "--ping-interval") options.ping_interval_ms = milliseconds(arg, value);
        else if (arg == "--max-pending") options.slow_consumer_bytes = parse_size(arg, value, std::size_t(1) << 31);
        else if (arg == "--chat-rate") options.chat_rate = double(parse_limit(arg, value, 1'000'000));
        else if (arg == "--chat-burst") options.chat_burst = double(parse_size(arg, value, 1'000'000));
        else if (arg == "--history") options.history = parse_size(arg, value, 100'000);
        else if (arg == "--redis") redis_url = value;
        else if (arg == "--redis-prefix") redis.prefix = value;
        else if (arg == "--redis-timeout") redis.timeout_ms = milliseconds(arg, value);
        else if (arg == "--history-ttl") redis.history_ttl_s = int(parse_size(arg, value, 10 * 365 * 24 * 3600));
        else if (arg == "--redis-node-ttl") {
            redis.node_ttl_ms = milliseconds(arg, value);
            if (redis.node_ttl_ms < 300) throw UsageError{"--redis-node-ttl: at least 300 ms"};
            redis.heartbeat_ms = redis.node_ttl_ms / 3;
        }
        else if (arg == "--tls-cert") options.tls_cert = value;
        else if (arg == "--tls-key") options.tls_key = value;
        else if (arg == "--workers") command.workers = int(parse_size(arg, value, 64));
        else if (arg == "--admin") {
            std::string error;
            auto address = wirechat::http::parse_host_port(value, 0, error, true);
            if (!address || value.find(':') == std::string_view::npos)
                throw UsageError{"--admin: expected HOST:PORT, e.g. 127.0.0.1:9100, got '" + std::string(value) + "'"};
            options.admin = Options::Address{address->host, address->port};
        } else if (arg == "--log-level") {
            if (!wirechat::ops::parse_level(value, command.log_level))
                throw UsageError{"--log-level: error, warn, info or debug, not '" + std::string(value) + "'"};
        } else if (arg == "--log-format") {
            if (!wirechat::ops::parse_format(value, command.log_format))
                throw UsageError{"--log-format: text or json, not '" + std::string(value) + "'"};
        }
        else options.pong_timeout_ms = milliseconds(arg, value);  // --pong-timeout
    }
    // Each worker is a server of its own: only a shared store makes their
    // clients one chat.
    if (command.workers > 1 && !redis_url)
        throw UsageError{"--workers " + std::to_string(command.workers) +
                         " needs --redis: without it each worker would have a chat of its own"};
    if (command.workers > 1 && wirechat::net::socket_activation_requested())
        throw UsageError{"--workers cannot share a socket passed by systemd (LISTEN_FDS): one process serves it"};
    if (options.tls_cert.empty() != options.tls_key.empty())
        throw UsageError{"--tls-cert and --tls-key go together"};
    struct stat st{};
    if (stat(options.web_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw UsageError{"--web: '" + options.web_dir + "' is not a directory"};
    if (redis_url) {
        std::string error;
        const auto url = wirechat::cluster::parse_redis_url(*redis_url, error);
        if (!url) throw UsageError{"--redis: " + error + ", got '" + *redis_url + "'"};
        redis.target = {.address = resolve(url->host), .port = url->port, .user = url->user,
                         .password = url->password, .db = url->db};
        options.redis = std::move(redis);
    }
    return command;
}

// One server process: the whole of wirechat without --workers, and each
// worker with it.
int serve(const Options& options) {
    try {
        wirechat::net::EventLoop loop(options.batch_io, options.ring_receives);
        wirechat::server::Server server(loop, options);
        wirechat::net::ignore_sigpipe();
        wirechat::net::SignalEvents shutdown(loop, {SIGINT, SIGTERM}, [&] { server.shut_down(); });
        wirechat::net::SignalEvents reload(loop, {SIGHUP}, [&] { server.reload(); });
        std::printf("listening on %s://%s:%u\n", options.tls_cert.empty() ? "http" : "https", options.host.c_str(),
                    unsigned(server.port()));
        std::fflush(stdout);
        using wirechat::ops::Field;
        wirechat::ops::log(wirechat::ops::Level::info, "listening",
                           {Field("host", options.host), Field("port", unsigned(server.port())),
                            Field("engine", options.redis ? "redis" : "memory"),
                            Field("admin_port", unsigned(server.admin_port())), Field("pid", int(getpid()))});
        loop.run();
        wirechat::ops::log(wirechat::ops::Level::info, "stopped", {Field("pid", int(getpid()))});
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "wirechat: %s\n", e.what());
        return 1;
    }
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const Command command = parse(argc, argv);
        wirechat::ops::configure_log(command.log_level, command.log_format);
        wirechat::ws::verify_accept_computation();  // before listening (ws/handshake.h)
        // One worker is the single process wirechat always was: no supervisor.
        if (command.workers == 1) return serve(command.options);
        return wirechat::server::run_workers(command.options, command.workers, serve);
    } catch (const UsageError& e) {
        std::fprintf(stderr, "wirechat: %s\n", e.message.c_str());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "wirechat: %s\n", e.what());
        return 1;
    }
}
