// The HS256 secret, read from a file (--auth-secret-file in the server,
// --secret-file in `wirechat-cli token`), so that it never appears in a
// process list or a shell's history.
#pragma once

#include <string>

namespace wirechat::access {

// The file's bytes, less trailing newlines (what `echo` and editors add).
// Throws std::runtime_error with a one-line message when the file cannot be
// read or the secret is shorter than min_secret_bytes (access/token.h).
std::string read_secret_file(const std::string& path);

}  // namespace wirechat::access
