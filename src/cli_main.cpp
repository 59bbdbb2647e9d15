// wirechat-cli: a command-line WebSocket client built on wirechat's own codec
// (the client role of ws::Endpoint). This file reads the command line; see
// src/cli/client.h for the connection itself.
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "cli/client.h"
#include "cli/token_command.h"
#include "ws/close_code.h"

namespace {

using wirechat::cli::ClientOptions;

constexpr const char* usage = R"(usage: wirechat-cli [options] ws[s]://HOST[:PORT][/PATH]
       wirechat-cli token --sub NICKNAME --ttl DURATION [--rooms LIST] --secret-file FILE

Connects to a WebSocket server, sends each line of stdin as a message and
prints each message that arrives on stdout, one per line. At the end of stdin
it waits for the answers to what it sent, closes with code 1000 and waits for
the server's close. Status lines and the trace go to stderr.

options:
  --binary        send lines as binary messages (received binary is shown in hex)
  --ping          ping once connected and report the round-trip time
  --close CODE    the close code to send at the end of stdin (default 1000)
  --trace         show the handshake and every frame in both directions, one
                  line each (the same format as wirechat --trace)
  --trace=full    the same, with a hex dump of every frame
  --json          speak the wirechat chat protocol (docs/protocol.md): lines
                  become new_message envelopes, envelopes are shown as text
                  ("[lobby] alice: hello"). A line "/TYPE ARG" is sent as
                  {"type":"TYPE","payload":"ARG"} and a bare "/TYPE" as
                  {"type":"TYPE"}: "/nick NAME" (short for /nickname),
                  "/join ROOM", "/rooms", or a type the server does not know
                  ("/frobnicate x" gets "! unknown_type: ..."). "//text" sends
                  the message "/text"
  --nick NAME     with --json: choose this nickname once connected
  --cacert FILE   wss://: trust the certificates in FILE (PEM) instead of the
                  system's (e.g. a self-signed one, scripts/dev-cert.sh)
  --insecure      wss://: do not check the server's certificate or name
                  (the connection is still encrypted, but to anyone)
  --help          show this and exit

exit status: 0 after a clean closing handshake (ours, or the server's with
1000 or 1001), 1 if the connection failed or ended otherwise (e.g. the server
closed with 1003), 2 for a usage error.

The second form prints a signed token for a server started with
--auth-secret-file (wirechat-cli token --help says more).

example:
  echo hello | wirechat-cli --trace ws://127.0.0.1:3000/echo
  wirechat-cli --cacert build/dev-cert/cert.pem --json wss://localhost:3000/
)";

struct UsageError {
    std::string message;
};

std::uint16_t parse_close_code(std::string_view text) {
    unsigned code = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), code);
    if (ec != std::errc{} || end != text.data() + text.size() || code > 65535 ||
        !wirechat::ws::is_valid_close_code(static_cast<std::uint16_t>(code)))
        throw UsageError{"--close: '" + std::string(text) +
                         "' is not a code a close frame may carry (1000-1003, 1007-1011, 3000-4999)"};
    return static_cast<std::uint16_t>(code);
}

ClientOptions parse(int argc, char** argv) {
    ClientOptions options;
    std::string_view url;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&]() -> std::string_view {
            if (i + 1 == argc) throw UsageError{std::string(arg) + " needs a value"};
            return argv[++i];
        };
        if (arg == "--help" || arg == "-h") {
            std::fputs(usage, stdout);
            std::exit(0);
        } else if (arg == "--binary") {
            options.binary = true;
        } else if (arg == "--ping") {
            options.ping = true;
        } else if (arg == "--close") {
            options.close_code = parse_close_code(value());
        } else if (arg == "--trace" || arg == "--trace=lines") {
            options.trace = wirechat::trace::Detail::lines;
        } else if (arg == "--trace=full") {
            options.trace = wirechat::trace::Detail::full;
        } else if (arg == "--json") {
            options.json = true;
        } else if (arg == "--nick") {
            options.nickname = value();
        } else if (arg == "--cacert") {
            options.ca_file = value();
        } else if (arg == "--insecure") {
            options.insecure = true;
        } else if (arg.starts_with("-")) {
            throw UsageError{"unknown option " + std::string(arg) + " (see --help)"};
        } else if (url.empty()) {
            url = arg;
        } else {
            throw UsageError{"unexpected argument '" + std::string(arg) + "'"};
        }
    }
    if (url.empty()) throw UsageError{"which server? give a ws:// URL (see --help)"};
    if (!options.nickname.empty() && !options.json) throw UsageError{"--nick goes with --json"};
    if (options.binary && options.json) throw UsageError{"--binary and --json do not mix: the chat speaks text"};
    if (!options.ca_file.empty() && options.insecure)
        throw UsageError{"--cacert and --insecure do not mix: trust that file, or check nothing"};
    std::string error;
    auto parsed = wirechat::cli::parse_ws_url(url, error);
    if (!parsed) throw UsageError{error};
    options.url = std::move(*parsed);
    if (!options.url.secure && (!options.ca_file.empty() || options.insecure))
        throw UsageError{"--cacert and --insecure are for wss:// URLs"};
    return options;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string_view(argv[1]) == "token") return wirechat::cli::run_token_command(argc - 2, argv + 2);
    try {
        return wirechat::cli::run_client(parse(argc, argv));
    } catch (const UsageError& e) {
        std::fprintf(stderr, "wirechat-cli: %s\n", e.message.c_str());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "wirechat-cli: %s\n", e.what());
        return 1;
    }
}
