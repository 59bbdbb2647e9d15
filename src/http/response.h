// Writing HTTP/1.1 response heads (RFC 9112 4, RFC 9110 15).
//
// Responses are appended to a caller-owned buffer (typically the
// connection's output queue), so a response costs no allocation once that
// buffer has grown. The current time is a parameter: this code reads no clock.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"

namespace wirechat::http {

// The standard reason phrase ("OK", "Not Found", ...); empty for a status
// this table does not know (an empty reason phrase is valid HTTP/1.1).
std::string_view reason_phrase(int status);

// True for the statuses whose responses never carry content (RFC 9110
// 6.4.1): 1xx, 204 and 304. They get no Content-Length and no body.
bool status_forbids_content(int status);

struct ResponseHead {
    int status = 200;
    std::vector<Header> headers;                  // e.g. Content-Type, ETag, Allow, Upgrade...
    std::optional<std::uint64_t> content_length;  // emitted as Content-Length unless the
                                                  // status is 1xx/204/304 (never for those)
    bool close = false;                           // adds "Connection: close"
};

// Appends "HTTP/1.1 <status> <reason>\r\n", then Date (http_date(now)),
// Server: wirechat, the headers, Content-Length, Connection: close, and the
// blank line.
void append_response_head(std::string& out, const ResponseHead& head, std::time_t now);

// A complete small response (text/plain; charset=utf-8) with `body`, for
// errors and /echo. When head_only (a HEAD request) the body is left out but
// Content-Length still gives its size. `extra` headers follow Content-Type.
void append_simple_response(std::string& out, int status, std::string_view body, bool close,
                            bool head_only, std::time_t now,
                            std::span<const Header> extra = {});

}  // namespace wirechat::http
