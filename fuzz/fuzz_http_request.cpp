// The HTTP/1.1 request parser, fed the input in chunks the input chooses.
//
// Properties:
// - chunking changes nothing: the requests (and the error, if any) are the
//   same as when the whole input is fed at once;
// - every `consumed` is within the bytes fed, and an event is only returned
//   when the parser says so (need_more consumes everything);
// - the limits hold for every accepted request;
// - an accepted request, written out again, parses to the same request.
// Small limits are used so that the fuzzer can actually reach them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "http/request_parser.h"

using namespace wirechat;

namespace {

constexpr http::ParserLimits small_limits{
    .max_request_line = 200, .max_header_bytes = 600, .max_header_count = 12, .max_body = 2000};

// What the parser made of the input: the requests it completed, in order,
// then how it ended.
struct Outcome {
    std::vector<http::Request> requests;
    int error_status = 0;
    std::string error_reason;
};

bool same_request(const http::Request& a, const http::Request& b) {
    if (a.method != b.method || a.target != b.target || a.path != b.path || a.query != b.query ||
        a.version_minor != b.version_minor || a.body != b.body ||
        a.headers.size() != b.headers.size())
        return false;
    for (std::size_t i = 0; i < a.headers.size(); ++i)
        if (a.headers[i].name != b.headers[i].name || a.headers[i].value != b.headers[i].value)
            return false;
    return true;
}

void check_limits(const http::Request& request) {
    FUZZ_CHECK(request.target.size() <= small_limits.max_request_line);
    FUZZ_CHECK(request.headers.size() <= small_limits.max_header_count);
    FUZZ_CHECK(request.body.size() <= small_limits.max_body);
    std::size_t header_bytes = 0;
    for (const http::Header& h : request.headers) header_bytes += h.name.size() + 1 + h.value.size();
    FUZZ_CHECK(header_bytes <= small_limits.max_header_bytes);
    FUZZ_CHECK(request.version_minor == 0 || request.version_minor == 1);
    FUZZ_CHECK(!request.method.empty() && !request.path.empty());
}

// Feeds `input` cut by `chunker` (or whole, without one), handling events
// the way a connection does: continue after head_complete, reset after
// message_complete, stop at an error.
Outcome run(std::span<const std::uint8_t> input, fuzz::Chunker* chunker) {
    Outcome outcome;
    http::RequestParser parser(small_limits);
    std::size_t pos = 0;
    while (pos < input.size() || pos == 0) {
        const std::size_t size = chunker ? chunker->next(input.size() - pos) : input.size() - pos;
        std::string_view chunk = fuzz::as_text(input.subspan(pos, size));
        pos += size;
        for (;;) {
            const http::ParseResult r = parser.feed(chunk);
            FUZZ_CHECK(r.consumed <= chunk.size());
            chunk.remove_prefix(r.consumed);
            if (r.event == http::ParseEvent::need_more) {
                FUZZ_CHECK(chunk.empty());
                break;
            }
            if (r.event == http::ParseEvent::error) {
                FUZZ_CHECK(r.consumed == 0);
                outcome.error_status = parser.error_status();
                outcome.error_reason = parser.error_reason();
                // Errors are sticky.
                FUZZ_CHECK(parser.feed("GET / HTTP/1.1\r\n").event == http::ParseEvent::error);
                return outcome;
            }
            if (r.event == http::ParseEvent::message_complete) {
                outcome.requests.push_back(parser.request());
                parser.reset();
            }
        }
        if (size == 0) break;
    }
    return outcome;
}

// The request as a client would send it. The framing is rebuilt from the
// parsed body: one chunk if it came chunked, else as is (its Content-Length
// field, if any, is among the headers and matches).
std::string serialize(const http::Request& request) {
    std::string out = request.method + " " + request.target + " HTTP/1." +
                      char('0' + request.version_minor) + "\r\n";
    bool chunked = false;
    for (const http::Header& h : request.headers) {
        out += h.name + ": " + h.value + "\r\n";
        if (http::iequals(h.name, "Transfer-Encoding")) chunked = true;
    }
    out += "\r\n";
    if (!chunked) return out + request.body;
    if (!request.body.empty()) {
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", request.body.size());
        out += size + request.body + "\r\n";
    }
    return out + "0\r\n\r\n";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Chunker chunker({data, size});
    const auto input = chunker.payload();

    const Outcome chunked = run(input, &chunker);
    const Outcome whole = run(input, nullptr);
    FUZZ_CHECK(chunked.requests.size() == whole.requests.size());
    for (std::size_t i = 0; i < whole.requests.size(); ++i)
        FUZZ_CHECK(same_request(chunked.requests[i], whole.requests[i]));
    FUZZ_CHECK(chunked.error_status == whole.error_status);
    FUZZ_CHECK(chunked.error_reason == whole.error_reason);
    const int status = whole.error_status;
    FUZZ_CHECK(status == 0 || status == 400 || status == 413 || status == 414 || status == 431 ||
               status == 501 || status == 505);

    for (const http::Request& request : whole.requests) {
        check_limits(request);
        // Re-parsed with roomier limits: "name: value" may be longer than
        // the "name:value" that was received.
        const std::string again = serialize(request);
        http::RequestParser parser(http::ParserLimits{.max_request_line = 1 << 16,
                                                      .max_header_bytes = 1 << 16});
        http::ParseResult r = parser.feed(again);
        FUZZ_CHECK(r.event == http::ParseEvent::head_complete);
        std::size_t used = r.consumed;
        r = parser.feed(std::string_view(again).substr(used));
        FUZZ_CHECK(r.event == http::ParseEvent::message_complete);
        FUZZ_CHECK(used + r.consumed == again.size());
        FUZZ_CHECK(same_request(parser.request(), request));
    }
    return 0;
}
