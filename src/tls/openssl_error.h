// OpenSSL reports errors in a per-thread queue; this turns what is in it
// into one line for a log or an exception, and empties it.
#pragma once

#include <string>

namespace wirechat::tls {

// "error:0A000086:SSL routines::certificate verify failed; ..." without the
// codes: the reasons only, joined by "; ". "unknown error" if the queue is
// empty.
std::string openssl_error();

}  // namespace wirechat::tls
