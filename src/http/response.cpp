#include "http/response.h"

#include <charconv>

#include "http/http_date.h"

namespace wirechat::http {

namespace {

void append_number(std::string& out, std::uint64_t value) {
    char digits[20];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, end);
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
    out.append(name);
    out.append(": ");
    out.append(value);
    out.append("\r\n");
}

}  // namespace

std::string_view reason_phrase(int status) {
    switch (status) {
        case 100: return "Continue";
        case 101: return "Switching Protocols";
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 204: return "No Content";
        case 206: return "Partial Content";
        case 301: return "Moved Permanently";
        case 302: return "Found";
        case 303: return "See Other";
        case 304: return "Not Modified";
        case 307: return "Temporary Redirect";
        case 308: return "Permanent Redirect";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 406: return "Not Acceptable";
        case 408: return "Request Timeout";
        case 409: return "Conflict";
        case 410: return "Gone";
        case 411: return "Length Required";
        case 412: return "Precondition Failed";
        case 413: return "Content Too Large";
        case 414: return "URI Too Long";
        case 415: return "Unsupported Media Type";
        case 416: return "Range Not Satisfiable";
        case 417: return "Expectation Failed";
        case 426: return "Upgrade Required";
        case 429: return "Too Many Requests";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        case 505: return "HTTP Version Not Supported";
        default: return "";
    }
}

bool status_forbids_content(int status) {
    return (status >= 100 && status < 200) || status == 204 || status == 304;
}

namespace {

// A status line needs exactly three digits; anything else is a caller bug
// that must not turn into a malformed response on the wire.
int sane_status(int status) { return (status >= 100 && status <= 999) ? status : 500; }

void append_start(std::string& out, int status, std::time_t now) {
    out.append("HTTP/1.1 ");
    append_number(out, std::uint64_t(status));
    out.push_back(' ');
    out.append(reason_phrase(status));
    out.append("\r\nDate: ");
    append_http_date(out, now);
    out.append("\r\nServer: wirechat\r\n");
}

void append_end(std::string& out, int status, std::optional<std::uint64_t> content_length,
                bool close) {
    if (content_length && !status_forbids_content(status)) {
        out.append("Content-Length: ");
        append_number(out, *content_length);
        out.append("\r\n");
    }
    if (close) out.append("Connection: close\r\n");
    out.append("\r\n");
}

}  // namespace

void append_response_head(std::string& out, const ResponseHead& head, std::time_t now) {
    int status = sane_status(head.status);
    append_start(out, status, now);
    for (const Header& h : head.headers) append_field(out, h.name, h.value);
    append_end(out, status, head.content_length, head.close);
}

// Written field by field rather than through a ResponseHead, so that an error
// answer costs no allocation beyond the output buffer.
void append_simple_response(std::string& out, int status, std::string_view body, bool close,
                            bool head_only, std::time_t now, std::span<const Header> extra) {
    status = sane_status(status);
    append_start(out, status, now);
    append_field(out, "Content-Type", "text/plain; charset=utf-8");
    for (const Header& h : extra) append_field(out, h.name, h.value);
    append_end(out, status, body.size(), close);
    if (!head_only && !status_forbids_content(status)) out.append(body);
}

}  // namespace wirechat::http
