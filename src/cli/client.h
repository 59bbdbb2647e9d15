// wirechat-cli's connection: the client role of our own WebSocket codec over
// a blocking socket, with poll() to wait for the terminal and the server at
// the same time. The protocol work is all in ws::Endpoint; this file only
// moves bytes between the socket, stdin and stdout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cli/url.h"
#include "trace/style.h"

namespace wirechat::cli {

struct ClientOptions {
    WsUrl url;
    bool binary = false;               // stdin lines go as binary messages
    bool ping = false;                 // ping once connected and report the round trip
    std::uint16_t close_code = 1000;   // sent when stdin ends
    std::optional<trace::Detail> trace;
    bool json = false;                 // speak the chat protocol (cli/chat_view.h)
    std::string nickname;              // --json: chosen right after connecting
    std::string ca_file;               // wss://: --cacert, trusted instead of the system's
    bool insecure = false;             // wss://: --insecure, no certificate or name check
};

// Connects, then sends each stdin line as a message and prints each message
// that arrives on stdout (status and trace go to stderr). At the end of
// stdin it makes sure every answer has arrived (a ping: the server answers
// in order, so its pong comes after them), closes with `close_code` and
// waits for the server's close. Returns the exit status: 0 after a clean
// closing handshake that we started or that the server started with 1000
// or 1001, 1 otherwise (including the server refusing what we sent, e.g.
// 1003 for binary to the chat).
int run_client(const ClientOptions& options);

}  // namespace wirechat::cli
