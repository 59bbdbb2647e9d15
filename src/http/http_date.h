// HTTP dates (RFC 9110 5.6.7): the IMF-fixdate every response carries in its
// Date field, in Last-Modified, and that clients send back in
// If-Modified-Since. Pure functions of their argument; no clock is read here.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace wirechat::http {

// "Sun, 06 Nov 1994 08:49:37 GMT" (always 29 characters).
std::string http_date(std::time_t t);
// Appends the same text to `out`, without a temporary string; used by the
// response writer on every response.
void append_http_date(std::string& out, std::time_t t);

// Accepts the IMF-fixdate and, as RFC 9110 asks of recipients, the two
// obsolete forms: RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime
// ("Sun Nov  6 08:49:37 1994"). nullopt for anything malformed or impossible
// (e.g. 31 Apr).
std::optional<std::time_t> parse_http_date(std::string_view text);

}  // namespace wirechat::http
