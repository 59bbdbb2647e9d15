// Everything the command line can change, with the defaults a user gets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "access/admission.h"
#include "access/origin.h"
#include "cluster/redis_engine.h"
#include "trace/style.h"

namespace wirechat::server {

struct Options {
    std::string host = "0.0.0.0";
    std::uint16_t port = 3000;
    std::string web_dir;                        // static files; required
    std::size_t max_message = 1024 * 1024;      // WebSocket message, reassembled
    std::size_t max_body = 1024 * 1024;         // HTTP request body
    // Who gets in (docs/security.md). Pages of other origins than the
    // server's own may open WebSockets only when --allowed-origin lists them.
    access::OriginPolicy origins;
    // --max-connections, --max-connections-per-ip, --handshake-rate,
    // --handshake-burst, --exempt-ip.
    access::AdmissionLimits admission;
    // --trust-proxy: peers whose X-Forwarded-For (and X-Forwarded-Proto) is
    // believed. Empty: nobody's.
    std::vector<access::Cidr> trusted_proxies;
    // --auth-secret-file: the chat then requires a token signed with this
    // (access/token.h). Empty: anyone may chat, under any free nickname.
    std::string auth_secret;
    // SO_REUSEPORT: several processes share the port, the kernel balances
    // connections. Without `redis` each process has its own chat, which
    // suits /echo and static files (benchmarks), not a chat that must be one.
    bool share_port = false;
    // Read and write through io_uring where the kernel allows
    // (net/io_batch.h): a tick's writes together, and receives that stay
    // armed. batch_io false: one system call per socket, every read and
    // write visible to strace; ring_receives false: io_uring for the writes
    // only. Used by main for the loop.
    bool batch_io = true;
    bool ring_receives = true;

    // HTTP: a request head must arrive within this time of its first byte
    // (slowloris gets 408); an idle keep-alive connection is closed after
    // idle_ms; a request body must make progress at least this often.
    int header_timeout_ms = 10'000;
    int idle_timeout_ms = 60'000;
    int body_timeout_ms = 30'000;
    // WebSocket: ping a connection silent for ping_interval_ms; drop it if
    // nothing (pong or otherwise) arrives within pong_timeout_ms; after we
    // send a close, wait close_timeout_ms for the peer's.
    int ping_interval_ms = 30'000;
    int pong_timeout_ms = 10'000;
    int close_timeout_ms = 5'000;
    // The chat: the last messages of each room that a newcomer is sent.
    std::size_t history = 100;
    // --chat-rate, --chat-burst: chat envelopes per client, sustained per
    // second and at once (a token bucket; app/rate_limiter.h). chat_rate 0:
    // no limit (a benchmark's single publisher).
    double chat_rate = 10;
    double chat_burst = 20;
    // --redis: the chat is shared, through this Redis, with every other
    // wirechat process using it (and the same prefix). Without it the chat
    // lives in this process's memory.
    std::optional<cluster::RedisOptions> redis;
    // A chat client whose unsent output passes this is closed with 1008.
    std::size_t slow_consumer_bytes = 4 * 1024 * 1024;
    // --deflate: agree to permessage-deflate (RFC 7692) when a client offers
    // it. Off by default: see the README ("Compression").
    bool deflate = false;
    // Graceful shutdown waits at most this long for connections to finish.
    int shutdown_grace_ms = 5'000;
    // --admin HOST:PORT: a second, plain-HTTP listener on the same loop
    // for /metrics, /healthz and /readyz (server/admin.h). Off without it.
    struct Address {
        std::string host;
        std::uint16_t port = 0;
    };
    std::optional<Address> admin;
    // A chat connection may ask to be inspectable (?inspect=1) and be
    // streamed to an inspector at /inspect (server/inspection.h).
    // --no-inspect: no inspector endpoint, and no connection is inspectable.
    bool inspect = true;
    // --access-log: one log line per HTTP request answered.
    bool access_log = false;
    // --tls-cert FILE --tls-key FILE: the public port speaks TLS (https://,
    // wss://) with this certificate chain and key (PEM). Empty: plain.
    std::string tls_cert;
    std::string tls_key;
    // --trace: every connection's heads, handshake and frames on stderr.
    // Empty: no tracing at all.
    std::optional<trace::Detail> trace;
};

}  // namespace wirechat::server
