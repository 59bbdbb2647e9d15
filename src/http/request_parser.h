// An incremental, sans-I/O HTTP/1.1 request parser (RFC 9112, RFC 9110).
//
// The connection hands it whatever bytes arrived; it answers with at most one
// event per call and says how many bytes it used, so the caller keeps the
// rest (the next pipelined request, or WebSocket frames after an upgrade).
// A line that arrives in pieces is buffered, and every byte is examined once
// when its line is complete, so feeding one byte at a time stays linear. The
// buffer never holds more than one line and every line is bounded by the
// limits, so a hostile client cannot make it grow.
//
// The parser is deliberately strict wherever leniency has led to request
// smuggling elsewhere: bare CR, obs-fold, whitespace before ':', conflicting
// Content-Length, and Content-Length together with Transfer-Encoding are all
// rejected rather than guessed at.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/request.h"

namespace wirechat::http {

struct ParserLimits {
    std::size_t max_request_line = 8 * 1024;   // longer -> 414 (also bounds a chunk-size line)
    std::size_t max_header_bytes = 16 * 1024;  // whole header section (+ trailers) -> 431
    std::size_t max_header_count = 100;        // fields (+ trailer fields) -> 431
    std::size_t max_body = 1024 * 1024;        // Content-Length or de-chunked body -> 413
};

enum class ParseEvent { need_more, head_complete, message_complete, error };

struct ParseResult {
    ParseEvent event;
    std::size_t consumed;  // bytes of the fed span used up by this call
};

class RequestParser {
public:
    explicit RequestParser(ParserLimits limits = {});

    // Consume a prefix of `bytes`; returns at most ONE event per call.
    // need_more: all of `bytes` was consumed (buffered as needed); more input
    //   is required.
    // head_complete: the request line and headers are parsed (request() is
    //   valid, body still empty); `consumed` stops exactly after the blank
    //   line, so the caller may stop here (e.g. on a WebSocket upgrade).
    //   The next feed() (possibly with an empty span) continues with the body;
    //   a request without a body yields message_complete with consumed 0.
    // message_complete: request().body holds the whole de-chunked body;
    //   `consumed` stops exactly after the message. Call reset() before
    //   feeding the next request.
    // error: error_status() is 400/413/414/431/501/505; answer and close the
    //   connection. Further feeds keep returning error.
    ParseResult feed(std::string_view bytes);

    const Request& request() const { return request_; }
    Request& request() { return request_; }
    int error_status() const { return error_status_; }
    std::string_view error_reason() const { return error_reason_; }  // short, for the body
    // "Expect: 100-continue" on an HTTP/1.1 request that has a body; the
    // server should send "100 Continue" before the client sends the body.
    bool expects_continue() const { return expects_continue_; }
    // Ready for the next request; keeps the buffers' capacity.
    void reset();

private:
    enum class State {
        request_line,    // skipping empty lines, then the request line
        header_line,     // field lines up to the blank line
        body_start,      // head delivered; the next feed decides the framing
        fixed_body,      // Content-Length bytes
        chunk_size_line, // "1a;ext=v"
        chunk_data,      // the chunk's bytes
        chunk_data_end,  // the CRLF after them
        trailer_line,    // trailer fields up to the blank line
        complete,
        failed,
    };
    enum class LineStatus { partial, too_long, complete };

    LineStatus next_line(std::string_view bytes, std::size_t& pos, std::size_t budget,
                         std::string_view& line);
    std::size_t line_budget() const;
    std::optional<ParseResult> on_line(std::string_view line, std::size_t pos);
    void reject_long_line();
    bool parse_request_line(std::string_view line);
    bool parse_target(std::string_view target);
    bool parse_field_line(std::string_view line, bool keep);
    bool finish_head();
    bool parse_chunk_size_line(std::string_view line);
    bool reject(int status, std::string_view reason);  // enters the failed state; false

    ParserLimits limits_;
    Request request_;
    State state_ = State::request_line;
    std::string line_;                // the start of a line whose end has not arrived
    std::size_t header_bytes_ = 0;    // field-line bytes so far (headers + trailers)
    std::size_t header_count_ = 0;    // field lines so far (headers + trailers)
    std::uint64_t content_length_ = 0;
    bool chunked_ = false;
    std::uint64_t remaining_ = 0;     // of the Content-Length body or the current chunk
    bool expects_continue_ = false;
    int error_status_ = 0;
    std::string_view error_reason_;
};

}  // namespace wirechat::http
