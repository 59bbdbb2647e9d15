// The server's answer to the upgrade request, read by the client: the
// status line and the fields of an HTTP/1.1 response head.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"

namespace wirechat::cli {

struct ResponseHead {
    int status = 0;
    std::string reason;
    std::vector<http::Header> fields;
    // The first field with this name (case-insensitive), or nullptr.
    const std::string* find(std::string_view name) const;
};

// `head` is the text before the blank line (the CRLF CRLF may be included).
// nullopt if the status line is not "HTTP/1.x NNN reason" or a field has no
// colon.
std::optional<ResponseHead> parse_response_head(std::string_view head);

}  // namespace wirechat::cli
