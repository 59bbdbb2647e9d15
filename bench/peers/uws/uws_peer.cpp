// uWebSockets (the C++ library by uNetworking) as a benchmark peer, built
// from a checkout the user points to (bench/peers/uws/build.sh; none of the
// library's code is in this repository).
//   uws-peer PORT echo      every message comes back unchanged, text or binary
//   uws-peer PORT fanout    every connection subscribes to one topic ("room")
//                           when it opens; every message is published to it
//                           with app.publish, so every subscriber, the sender
//                           included, gets it once, unchanged, text or binary:
//                           uWebSockets' own pub/sub
// Any path is taken. Settings are the library's defaults where they suit the
// benchmark: compression off, pings sent automatically. Changed: messages up
// to 16 MiB (the default is 16 KiB, too small for the largest sizes),
// idleTimeout at its maximum, 960 s (default 120 s), and 64 MiB of
// backpressure per connection (default 64 KiB, which would drop messages of
// a fan-out burst) without closing the connection when it is reached.
#include "App.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <unistd.h>

namespace {

struct PerSocketData {};

constexpr std::string_view topic = "room";

void stop(int) { _exit(0); }

} // namespace

int main(int argc, char **argv) {
    int port = argc == 3 ? std::atoi(argv[1]) : 0;
    bool fanout = argc == 3 && std::strcmp(argv[2], "fanout") == 0;
    if (port <= 0 || port > 65535 || (!fanout && std::strcmp(argv[2], "echo") != 0)) {
        std::fprintf(stderr, "usage: %s PORT echo|fanout\n", argv[0]);
        return 2;
    }
    std::signal(SIGINT, stop);
    std::signal(SIGTERM, stop);

    uWS::App app;
    uWS::App::WebSocketBehavior<PerSocketData> behavior{
        .compression = uWS::DISABLED,
        .maxPayloadLength = 16 * 1024 * 1024,
        .idleTimeout = 960,
        .maxBackpressure = 64 * 1024 * 1024,
        .closeOnBackpressureLimit = false,
        .sendPingsAutomatically = true,
    };
    if (fanout) {
        behavior.open = [](auto *ws) { ws->subscribe(topic); };
        behavior.message = [&app](auto *, std::string_view message, uWS::OpCode opCode) {
            app.publish(topic, message, opCode);
        };
    } else {
        behavior.message = [](auto *ws, std::string_view message, uWS::OpCode opCode) {
            ws->send(message, opCode);
        };
    }
    // Exclusive: uSockets otherwise sets SO_REUSEPORT, and a second server on
    // a port already taken would share it silently instead of failing.
    app.ws<PerSocketData>("/*", std::move(behavior))
        .listen("127.0.0.1", port, LIBUS_LISTEN_EXCLUSIVE_PORT, [&](us_listen_socket_t *listening) {
            if (!listening) {
                std::fprintf(stderr, "uws-peer: cannot listen on 127.0.0.1:%d\n", port);
                std::exit(1);
            }
            std::printf("listening on 127.0.0.1:%d (uWebSockets %s)\n", port, fanout ? "fanout" : "echo");
            std::fflush(stdout);
        })
        .run();
    return 0;
}
