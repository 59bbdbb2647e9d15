// An HTTP/1.1 request as the parser hands it over: the request line, the
// header fields in arrival order, and the (already de-chunked) body.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wirechat::http {

struct Header {
    std::string name;   // as received; compare with iequals()
    std::string value;  // leading/trailing whitespace (OWS) already stripped
};

struct Request {
    std::string method;
    std::string target;    // as received: origin-form ("/a?b") or absolute-form
    std::string path;      // the target's path, still percent-encoded ("/a")
    std::string query;     // after '?', without it; empty if none
    int version_minor = 1; // HTTP/1.<version_minor>: 0 or 1
    std::vector<Header> headers;
    std::string body;

    // The first field with this name (case-insensitive), or nullptr.
    const std::string* find(std::string_view name) const;
    // True if any field with this name holds `token` in its comma list,
    // case-insensitively (e.g. "Connection: keep-alive, Upgrade").
    bool has_token(std::string_view name, std::string_view token) const;
    // HTTP/1.1 persists unless "Connection: close"; 1.0 only with "keep-alive".
    bool keep_alive() const;
    // Forget everything but keep the capacity, for the next request.
    void clear();
};

bool iequals(std::string_view a, std::string_view b);

}  // namespace wirechat::http
