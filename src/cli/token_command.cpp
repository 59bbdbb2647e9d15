#include "cli/token_command.h"

#include <charconv>
#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <vector>

#include "access/secret_file.h"
#include "access/token.h"
#include "http/grammar.h"

namespace wirechat::cli {

namespace {

constexpr const char* usage = R"(usage: wirechat-cli token --sub NICKNAME --ttl DURATION [--rooms ROOM,ROOM...]
                         --secret-file FILE

Prints a token (an HS256 JSON Web Token) for a wirechat server started with
--auth-secret-file FILE: the chat then takes ws://HOST/?token=TOKEN, and the
page http://HOST/#token=TOKEN, as NICKNAME.

  --sub NICKNAME      the nickname the holder chats under
  --ttl DURATION      how long the token is good for: 90s, 15m, 1h, 7d
  --rooms LIST        the only rooms the holder may be in (default: any)
  --secret-file FILE  the same secret file as the server's
)";

}  // namespace

std::optional<std::int64_t> parse_duration(std::string_view text) {
    std::int64_t unit = 1;
    if (!text.empty()) {
        switch (text.back()) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        default: unit = 0;
        }
        if (unit != 0) text.remove_suffix(1);
        else unit = 1;
    }
    std::int64_t count = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || count <= 0 ||
        count > 10 * 366 * 86400 / unit)
        return std::nullopt;
    return count * unit;
}

int run_token_command(int argc, char** argv) {
    std::optional<std::string> subject, secret_file;
    std::optional<std::int64_t> ttl;
    std::optional<std::vector<std::string>> rooms;
    try {
        for (int i = 0; i < argc; ++i) {
            const std::string_view arg = argv[i];
            if (arg == "--help" || arg == "-h") {
                std::fputs(usage, stdout);
                return 0;
            }
            if (i + 1 == argc) throw std::invalid_argument(std::string(arg) + " needs a value (see --help)");
            const std::string_view value = argv[++i];
            if (arg == "--sub") {
                subject = value;
            } else if (arg == "--ttl") {
                ttl = parse_duration(value);
                if (!ttl) throw std::invalid_argument("--ttl: expected a duration like 90s, 15m, 1h or 7d, got '" +
                                                      std::string(value) + "'");
            } else if (arg == "--rooms") {
                rooms.emplace();
                for (std::string_view room : http::ListElements(value))
                    if (!room.empty()) rooms->emplace_back(room);
            } else if (arg == "--secret-file") {
                secret_file = value;
            } else {
                throw std::invalid_argument("unknown option " + std::string(arg) + " (see --help)");
            }
        }
        if (!subject || subject->empty() || !ttl || !secret_file)
            throw std::invalid_argument("--sub, --ttl and --secret-file are required (see --help)");
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "wirechat-cli token: %s\n", e.what());
        return 2;
    }
    try {
        const std::string secret = access::read_secret_file(*secret_file);
        const std::int64_t now = std::time(nullptr);
        const access::TokenClaims claims{.subject = *subject, .expires_s = now + *ttl, .rooms = rooms};
        std::printf("%s\n", access::sign_token(claims, secret, now).c_str());
        return 0;
    } catch (const std::runtime_error& e) {
        std::fprintf(stderr, "wirechat-cli token: %s\n", e.what());
        return 1;
    }
}

}  // namespace wirechat::cli
