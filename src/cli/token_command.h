// `wirechat-cli token`: mints a signed identity for a server started with
// --auth-secret-file, for tests and for backends written in shell.
//
//   wirechat-cli token --sub alice --ttl 1h [--rooms a,b] --secret-file FILE
//
// prints the token on stdout; the chat's URL takes it as ?token=, the page's
// as #token=.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wirechat::cli {

// "90" and "90s" are seconds; "15m", "1h" and "7d" minutes, hours and days.
// nullopt for anything else, zero, or more than ten years.
std::optional<std::int64_t> parse_duration(std::string_view text);

// argv after "token". Returns the exit status: 0 with the token printed,
// 2 with a usage error on stderr, 1 if the secret cannot be read.
int run_token_command(int argc, char** argv);

}  // namespace wirechat::cli
