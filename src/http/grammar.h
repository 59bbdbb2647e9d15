// The small pieces of HTTP's grammar (RFC 9110 5.6) that the parser, the
// static files, and the WebSocket handshake all need.
#pragma once

#include <string_view>

namespace wirechat::http {

// tchar: the characters of methods, field names, codings, extension names.
bool is_tchar(char c);
bool is_token(std::string_view s);
// OWS: optional whitespace, spaces and horizontal tabs.
bool is_ows(char c);
std::string_view trim_ows(std::string_view s);
// The value of a hexadecimal digit, or -1.
int hex_value(char c);

}  // namespace wirechat::http
