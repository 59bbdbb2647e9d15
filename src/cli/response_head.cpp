#include "cli/response_head.h"

#include "http/grammar.h"

namespace wirechat::cli {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

const std::string* ResponseHead::find(std::string_view name) const {
    for (const http::Header& field : fields)
        if (http::iequals(field.name, name)) return &field.value;
    return nullptr;
}

std::optional<ResponseHead> parse_response_head(std::string_view head) {
    if (const std::size_t end = head.find("\r\n\r\n"); end != std::string_view::npos)
        head = head.substr(0, end);
    const std::size_t eol = head.find("\r\n");
    const std::string_view status_line = head.substr(0, eol);
    // "HTTP/1.1 101 Switching Protocols": 12 characters before the reason.
    if (status_line.size() < 12 || !status_line.starts_with("HTTP/1.") || !is_digit(status_line[7]) ||
        status_line[8] != ' ' || !is_digit(status_line[9]) || !is_digit(status_line[10]) ||
        !is_digit(status_line[11]) || (status_line.size() > 12 && status_line[12] != ' '))
        return std::nullopt;
    ResponseHead response;
    response.status = (status_line[9] - '0') * 100 + (status_line[10] - '0') * 10 + (status_line[11] - '0');
    if (status_line.size() > 13) response.reason = status_line.substr(13);

    std::string_view rest = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);
    while (!rest.empty()) {
        const std::size_t line_end = rest.find("\r\n");
        const std::string_view line = rest.substr(0, line_end);
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) return std::nullopt;
        response.fields.push_back({std::string(line.substr(0, colon)), std::string(http::trim_ows(line.substr(colon + 1)))});
        if (line_end == std::string_view::npos) break;
        rest.remove_prefix(line_end + 2);
    }
    return response;
}

}  // namespace wirechat::cli
