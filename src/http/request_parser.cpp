#include "http/request_parser.h"

#include "http/grammar.h"
#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>

namespace wirechat::http {

namespace {

void skip_ows(std::string_view& s) {
    while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
}

// Field values may hold HTAB, SP, VCHAR and obs-text; any other control
// character (NUL, CR, LF, DEL...) is refused rather than passed on.
bool is_field_value(std::string_view s) {
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
    }
    return true;
}

// 1*DIGIT into `value`; false if empty, not digits, or past 2^64-1.
bool parse_decimal(std::string_view s, std::uint64_t& value) {
    if (s.empty()) return false;
    value = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        auto digit = std::uint64_t(c - '0');
        if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return false;
        value = value * 10 + digit;
    }
    return true;
}

// quoted-string (RFC 9110 5.6.4) at the front of `s`, which is advanced past it.
bool skip_quoted_string(std::string_view& s) {
    if (s.empty() || s.front() != '"') return false;
    s.remove_prefix(1);
    while (!s.empty()) {
        auto c = static_cast<unsigned char>(s.front());
        s.remove_prefix(1);
        if (c == '"') return true;
        if (c == '\\') {
            if (s.empty()) return false;
            c = static_cast<unsigned char>(s.front());
            s.remove_prefix(1);
        }
        if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
    }
    return false;
}

// chunk-ext (RFC 9112 7.1.1): *( BWS ";" BWS name [ BWS "=" BWS value ] ).
// Extensions carry nothing this server uses, so they are checked and dropped.
bool skip_chunk_extensions(std::string_view s) {
    while (!s.empty()) {
        skip_ows(s);
        if (s.empty() || s.front() != ';') return false;
        s.remove_prefix(1);
        skip_ows(s);
        std::size_t name_end = 0;
        while (name_end < s.size() && is_tchar(s[name_end])) ++name_end;
        if (name_end == 0) return false;
        s.remove_prefix(name_end);
        skip_ows(s);
        if (s.empty() || s.front() != '=') continue;
        s.remove_prefix(1);
        skip_ows(s);
        if (!s.empty() && s.front() == '"') {
            if (!skip_quoted_string(s)) return false;
        } else {
            std::size_t value_end = 0;
            while (value_end < s.size() && is_tchar(s[value_end])) ++value_end;
            if (value_end == 0) return false;
            s.remove_prefix(value_end);
        }
    }
    return true;
}

}  // namespace

RequestParser::RequestParser(ParserLimits limits) : limits_(limits) {}

void RequestParser::reset() {
    request_.clear();
    state_ = State::request_line;
    line_.clear();
    header_bytes_ = 0;
    header_count_ = 0;
    content_length_ = 0;
    chunked_ = false;
    remaining_ = 0;
    expects_continue_ = false;
    error_status_ = 0;
    error_reason_ = {};
}

bool RequestParser::reject(int status, std::string_view reason) {
    state_ = State::failed;
    error_status_ = status;
    error_reason_ = reason;
    line_.clear();
    return false;
}

// The longest line content (without its line ending) the current state
// accepts; past it the line is refused before its end even arrives.
std::size_t RequestParser::line_budget() const {
    switch (state_) {
        case State::request_line:
        case State::chunk_size_line: return limits_.max_request_line;
        case State::header_line:
        case State::trailer_line:
            return limits_.max_header_bytes - std::min(header_bytes_, limits_.max_header_bytes);
        default: return 0;  // chunk_data_end: nothing may precede its CRLF
    }
}

// Finds the end of the current line from `pos` on. A line that ends inside
// `bytes` and was not started earlier is returned as a view into `bytes`
// (no copy); otherwise its pieces are gathered in line_. The line ending (LF
// or CRLF) is not part of the returned line. Lengths are checked before
// anything is buffered, so line_ stays within the budget (+1 for a CR whose
// LF has not arrived yet).
RequestParser::LineStatus RequestParser::next_line(std::string_view bytes, std::size_t& pos,
                                                   std::size_t budget,
                                                   std::string_view& line) {
    std::string_view rest = bytes.substr(pos);
    std::size_t lf = rest.find('\n');
    std::string_view piece = rest.substr(0, lf);
    std::size_t total = line_.size() + piece.size();
    char last = !piece.empty() ? piece.back() : (!line_.empty() ? line_.back() : '\0');
    std::size_t content = total - (total > 0 && last == '\r' ? 1 : 0);
    if (lf == std::string_view::npos) {
        // The line may still end in CRLF, so a trailing CR does not count yet.
        if (content > budget) return LineStatus::too_long;
        line_.append(piece);
        pos = bytes.size();
        return LineStatus::partial;
    }
    if (content > budget) return LineStatus::too_long;
    pos += lf + 1;
    if (line_.empty()) {
        line = piece;
    } else {
        line_.append(piece);
        line = line_;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return LineStatus::complete;
}

ParseResult RequestParser::feed(std::string_view bytes) {
    std::size_t pos = 0;
    for (;;) {
        switch (state_) {
            case State::failed: return {ParseEvent::error, 0};
            case State::complete: return {ParseEvent::message_complete, 0};
            case State::body_start:
                if (chunked_) {
                    state_ = State::chunk_size_line;
                } else if (content_length_ > 0) {
                    remaining_ = content_length_;
                    state_ = State::fixed_body;
                } else {
                    state_ = State::complete;
                    return {ParseEvent::message_complete, pos};
                }
                break;
            case State::fixed_body:
            case State::chunk_data: {
                std::size_t take = std::size_t(
                    std::min<std::uint64_t>(remaining_, bytes.size() - pos));
                request_.body.append(bytes.substr(pos, take));
                pos += take;
                remaining_ -= take;
                if (remaining_ > 0) return {ParseEvent::need_more, pos};
                if (state_ == State::chunk_data) {
                    state_ = State::chunk_data_end;
                    break;
                }
                state_ = State::complete;
                return {ParseEvent::message_complete, pos};
            }
            default: {  // every other state reads a line
                std::string_view line;
                switch (next_line(bytes, pos, line_budget(), line)) {
                    case LineStatus::partial: return {ParseEvent::need_more, pos};
                    case LineStatus::too_long: reject_long_line(); return {ParseEvent::error, 0};
                    case LineStatus::complete: break;
                }
                std::optional<ParseResult> event = on_line(line, pos);
                line_.clear();
                if (event) return *event;
            }
        }
    }
}

void RequestParser::reject_long_line() {
    switch (state_) {
        case State::request_line: reject(414, "request line too long"); break;
        case State::chunk_size_line: reject(400, "chunk size line too long"); break;
        case State::chunk_data_end: reject(400, "chunk data not followed by CRLF"); break;
        default: reject(431, "header section too large"); break;
    }
}

// Handles one complete line (ending at `pos`); nullopt means carry on with
// the next line in the new state.
std::optional<ParseResult> RequestParser::on_line(std::string_view line, std::size_t pos) {
    constexpr std::nullopt_t carry_on = std::nullopt;
    constexpr ParseResult error{ParseEvent::error, 0};
    // Only CRLF and LF end lines; a CR elsewhere is how requests get smuggled
    // past parsers that disagree about it.
    if (line.find('\r') != std::string_view::npos) {
        reject(400, "bare CR");
        return error;
    }
    switch (state_) {
        case State::request_line:
            // RFC 9112 2.2: ignore at least one empty line before the request.
            if (line.empty()) return carry_on;
            if (!parse_request_line(line)) return error;
            state_ = State::header_line;
            return carry_on;
        case State::header_line:
            if (line.empty()) {
                if (!finish_head()) return error;
                state_ = State::body_start;
                return ParseResult{ParseEvent::head_complete, pos};
            }
            if (!parse_field_line(line, true)) return error;
            return carry_on;
        case State::chunk_size_line:
            if (!parse_chunk_size_line(line)) return error;
            return carry_on;
        case State::chunk_data_end:
            state_ = State::chunk_size_line;
            return carry_on;
        case State::trailer_line:
            if (line.empty()) {
                state_ = State::complete;
                return ParseResult{ParseEvent::message_complete, pos};
            }
            if (!parse_field_line(line, false)) return error;
            return carry_on;
        default: return carry_on;  // not a line-reading state; unreachable
    }
}

// request-line = method SP request-target SP HTTP-version
bool RequestParser::parse_request_line(std::string_view line) {
    std::size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos) return reject(400, "malformed request line");
    std::size_t sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) return reject(400, "malformed request line");
    std::string_view method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string_view version = line.substr(sp2 + 1);
    if (!is_token(method)) return reject(400, "invalid method");
    request_.method.assign(method);
    if (!parse_target(target)) return false;
    // HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive.
    if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[5] < '0' ||
        version[5] > '9' || version[6] != '.' || version[7] < '0' || version[7] > '9')
        return reject(400, "malformed HTTP version");
    if (version[5] != '1' || (version[7] != '0' && version[7] != '1'))
        return reject(505, "only HTTP/1.0 and HTTP/1.1 are supported");
    request_.version_minor = version[7] - '0';
    return true;
}

bool RequestParser::parse_target(std::string_view target) {
    if (target.empty()) return reject(400, "empty request target");
    for (char ch : target) {
        auto c = static_cast<unsigned char>(ch);
        // Visible ASCII only; a fragment never belongs in a request target.
        if (c <= 0x20 || c >= 0x7f || c == '#') return reject(400, "invalid request target");
    }
    request_.target.assign(target);
    std::string_view path_and_query;
    if (target == "*") {  // asterisk-form
        if (request_.method != "OPTIONS") return reject(400, "'*' is only for OPTIONS");
        request_.path.assign(target);
        return true;
    }
    if (target.front() == '/') {  // origin-form
        path_and_query = target;
    } else {  // absolute-form: "http://authority/path?query"
        std::size_t scheme_end = target.find("://");
        if (scheme_end == std::string_view::npos) return reject(400, "invalid request target");
        std::string_view scheme = target.substr(0, scheme_end);
        if (!iequals(scheme, "http") && !iequals(scheme, "https"))
            return reject(400, "unsupported URI scheme");
        std::string_view after = target.substr(scheme_end + 3);
        std::size_t authority_end = after.find_first_of("/?");
        if (authority_end == 0) return reject(400, "missing host in request target");
        path_and_query = authority_end == std::string_view::npos ? std::string_view{}
                                                                 : after.substr(authority_end);
    }
    std::size_t question = path_and_query.find('?');
    std::string_view path = path_and_query.substr(0, question);
    if (question != std::string_view::npos) request_.query.assign(path_and_query.substr(question + 1));
    request_.path.assign(path.empty() ? std::string_view("/") : path);
    return true;
}

// field-line = field-name ":" OWS field-value OWS
bool RequestParser::parse_field_line(std::string_view line, bool keep) {
    if (is_ows(line.front())) return reject(400, "obsolete line folding");
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return reject(400, "header line without ':'");
    std::string_view name = line.substr(0, colon);
    if (!name.empty() && is_ows(name.back())) return reject(400, "whitespace before ':'");
    if (!is_token(name)) return reject(400, "invalid header name");
    std::string_view value = trim_ows(line.substr(colon + 1));
    if (!is_field_value(value)) return reject(400, "invalid character in header value");
    // The line's length already passed line_budget(); only the count is left.
    header_bytes_ += line.size();
    if (++header_count_ > limits_.max_header_count) return reject(431, "too many header fields");
    if (keep) request_.headers.push_back(Header{std::string(name), std::string(value)});
    return true;
}

// The checks that need the whole header section: Host, and the framing of
// the body (RFC 9112 6.3).
bool RequestParser::finish_head() {
    std::size_t hosts = 0;
    bool has_content_length = false;
    bool has_transfer_encoding = false;
    bool transfer_coding_ok = true;  // exactly one coding overall, and it is "chunked"
    std::size_t codings = 0;
    for (const Header& h : request_.headers) {
        if (iequals(h.name, "Host")) {
            ++hosts;
        } else if (iequals(h.name, "Content-Length")) {
            // A list of identical values ("5, 5") is what proxies make of
            // repeated fields; anything else is ambiguous framing.
            for (std::string_view item : ListElements(h.value)) {
                std::uint64_t value;
                if (!parse_decimal(item, value)) return reject(400, "invalid Content-Length");
                if (has_content_length && value != content_length_)
                    return reject(400, "conflicting Content-Length values");
                content_length_ = value;
                has_content_length = true;
            }
        } else if (iequals(h.name, "Transfer-Encoding")) {
            has_transfer_encoding = true;
            for (std::string_view coding : ListElements(h.value)) {
                if (coding.empty()) continue;
                ++codings;
                if (!iequals(coding, "chunked")) transfer_coding_ok = false;
            }
        }
    }
    if (hosts > 1) return reject(400, "more than one Host field");
    if (hosts == 0 && request_.version_minor == 1) return reject(400, "missing Host field");
    if (has_transfer_encoding) {
        // Either framing alone is unambiguous; both together is the classic
        // request-smuggling setup, so it is refused outright.
        if (has_content_length)
            return reject(400, "both Content-Length and Transfer-Encoding");
        // HTTP/1.0 has no Transfer-Encoding, so an intermediary may not have
        // understood it either (RFC 9112 6.1): the framing cannot be trusted.
        if (request_.version_minor == 0)
            return reject(400, "Transfer-Encoding in an HTTP/1.0 request");
        if (!transfer_coding_ok || codings != 1)
            return reject(501, "unsupported transfer coding");
        chunked_ = true;
    }
    if (content_length_ > limits_.max_body) return reject(413, "request body too large");
    bool has_body = chunked_ || content_length_ > 0;
    expects_continue_ = has_body && request_.version_minor == 1 &&
                        request_.has_token("Expect", "100-continue");
    return true;
}

// chunk-size [ chunk-ext ]
bool RequestParser::parse_chunk_size_line(std::string_view line) {
    std::size_t digits = 0;
    std::uint64_t size = 0;
    while (digits < line.size() && hex_value(line[digits]) >= 0) {
        if (size > (std::numeric_limits<std::uint64_t>::max() >> 4))
            return reject(400, "chunk size overflows");
        size = (size << 4) | std::uint64_t(hex_value(line[digits]));
        ++digits;
    }
    if (digits == 0) return reject(400, "invalid chunk size");
    if (!skip_chunk_extensions(line.substr(digits))) return reject(400, "invalid chunk extension");
    if (size == 0) {
        state_ = State::trailer_line;
        return true;
    }
    if (size > limits_.max_body - request_.body.size()) return reject(413, "request body too large");
    remaining_ = size;
    state_ = State::chunk_data;
    return true;
}

}  // namespace wirechat::http
