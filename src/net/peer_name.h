// Who is at the other end of a socket, for logs and traces.
#pragma once

#include <string>

namespace wirechat::net {

// "127.0.0.1:5678" or "[::1]:5678", as getpeername(2) says; "?" if it cannot.
std::string peer_name(int fd);

}  // namespace wirechat::net
