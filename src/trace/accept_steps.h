// The Sec-WebSocket-Accept computation (RFC 6455 4.2.2), step by step, so a
// trace can show how the server's answer follows from the client's key.
#pragma once

#include <string>
#include <string_view>

namespace wirechat::trace {

struct AcceptSteps {
    std::string key;           // Sec-WebSocket-Key, as sent
    std::string concatenated;  // key + the GUID 258EAFA5-E914-47DA-95CA-C5AB0DC85B11
    std::string sha1_hex;      // SHA-1 of that, 40 hex digits
    std::string accept;        // base64 of the 20 SHA-1 bytes
};

AcceptSteps accept_steps(std::string_view key);

// For the key of RFC 6455 1.3:
//   accept = base64(SHA-1("dGhlIHNhbXBsZSBub25jZQ==" + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
//          = base64(b37a4f2cc0624f1690f64606cf385945b2bec4ea) = s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
// as one line.
std::string describe_accept(const AcceptSteps& steps);

}  // namespace wirechat::trace
