// The request parser against the RFC 9112 rules, each request fed whole, in
// two pieces at every split point, and one byte at a time: the outcome must
// not depend on how the bytes arrive.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "http/request_parser.h"

using namespace wirechat::http;

namespace {

struct Outcome {
    int status = -1;  // 0: a complete message; -1: input ran out; else the error status
    Request request;
    bool expects_continue = false;
    std::size_t consumed = 0;  // over all pieces, up to the message end or error
};

// Feeds `pieces` in order until the first message completes or fails.
Outcome parse_pieces(const std::vector<std::string>& pieces, ParserLimits limits = {}) {
    RequestParser parser(limits);
    Outcome out;
    for (const std::string& piece : pieces) {
        std::string_view rest = piece;
        for (bool more = true; more;) {
            ParseResult r = parser.feed(rest);
            REQUIRE(r.consumed <= rest.size());
            out.consumed += r.consumed;
            rest.remove_prefix(r.consumed);
            switch (r.event) {
                case ParseEvent::need_more:
                    REQUIRE(rest.empty());
                    more = false;
                    break;
                case ParseEvent::head_complete:
                    REQUIRE(parser.request().body.empty());
                    out.expects_continue = parser.expects_continue();
                    break;
                case ParseEvent::message_complete:
                    out.status = 0;
                    out.request = parser.request();
                    return out;
                case ParseEvent::error:
                    out.status = parser.error_status();
                    REQUIRE(!parser.error_reason().empty());
                    return out;
            }
        }
    }
    return out;
}

std::vector<std::vector<std::string>> every_split(const std::string& input) {
    std::vector<std::vector<std::string>> ways;
    ways.push_back({input});
    for (std::size_t i = 0; i <= input.size(); ++i)
        ways.push_back({input.substr(0, i), input.substr(i)});
    std::vector<std::string> bytes;
    for (char c : input) bytes.emplace_back(1, c);
    ways.push_back(bytes);
    return ways;
}

// Parses `input` every way and checks that all ways agree; returns one.
Outcome parse_every_way(const std::string& input, ParserLimits limits = {}) {
    Outcome first = parse_pieces({input}, limits);
    for (const auto& pieces : every_split(input)) {
        Outcome o = parse_pieces(pieces, limits);
        INFO("split into " << pieces.size() << " pieces, first piece " << pieces.front().size() << " bytes");
        REQUIRE(o.status == first.status);
        if (o.status == 0) {
            REQUIRE(o.consumed == first.consumed);
            REQUIRE(o.request.method == first.request.method);
            REQUIRE(o.request.path == first.request.path);
            REQUIRE(o.request.query == first.request.query);
            REQUIRE(o.request.headers.size() == first.request.headers.size());
            REQUIRE(o.request.body == first.request.body);
            REQUIRE(o.expects_continue == first.expects_continue);
        }
    }
    return first;
}

struct Case {
    const char* rule;
    std::string input;
    int status;  // 0: valid
};

}  // namespace

TEST_CASE("requests that break a rule get the right error status, however they arrive") {
    using namespace std::string_literals;
    const std::string host = "Host: h\r\n";
    const std::vector<Case> cases = {
        // request line
        {"method must be a token", "GE(T / HTTP/1.1\r\n" + host + "\r\n", 400},
        {"empty method", " / HTTP/1.1\r\n" + host + "\r\n", 400},
        {"two spaces (empty target)", "GET  / HTTP/1.1\r\n" + host + "\r\n", 400},
        {"missing version", "GET /\r\n" + host + "\r\n", 400},
        {"trailing space after version", "GET / HTTP/1.1 \r\n" + host + "\r\n", 400},
        {"control character in target", "GET /a\x01z HTTP/1.1\r\n" + host + "\r\n", 400},
        {"non-ASCII in target", "GET /caf\xc3\xa9 HTTP/1.1\r\n" + host + "\r\n", 400},
        {"fragment in target", "GET /a#b HTTP/1.1\r\n" + host + "\r\n", 400},
        {"target in no known form", "GET abc HTTP/1.1\r\n" + host + "\r\n", 400},
        {"authority-form", "CONNECT h:443 HTTP/1.1\r\n" + host + "\r\n", 400},
        {"asterisk-form outside OPTIONS", "GET * HTTP/1.1\r\n" + host + "\r\n", 400},
        {"absolute-form with another scheme", "GET ftp://h/p HTTP/1.1\r\n" + host + "\r\n", 400},
        {"absolute-form without host", "GET http:///p HTTP/1.1\r\n" + host + "\r\n", 400},
        {"lower-case version", "GET / http/1.1\r\n" + host + "\r\n", 400},
        {"version with two-digit minor", "GET / HTTP/1.10\r\n" + host + "\r\n", 400},
        {"version without minor", "GET / HTTP/1\r\n" + host + "\r\n", 400},
        {"HTTP/1.2 is well-formed but unsupported", "GET / HTTP/1.2\r\n" + host + "\r\n", 505},
        {"HTTP/2.0 is well-formed but unsupported", "GET / HTTP/2.0\r\n" + host + "\r\n", 505},
        {"HTTP/0.9 is well-formed but unsupported", "GET / HTTP/0.9\r\n" + host + "\r\n", 505},
        // line endings
        {"bare CR in the request line", "GET / HTTP/1.1\rX\r\n" + host + "\r\n", 400},
        {"bare CR in a field value", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400},
        {"bare CR ending the header section", "GET / HTTP/1.1\r\n" + host + "\r\r\n", 400},
        // fields
        {"whitespace before the colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400},
        {"tab before the colon", "GET / HTTP/1.1\r\n" + host + "X\t: v\r\n\r\n", 400},
        {"obs-fold", "GET / HTTP/1.1\r\n" + host + "X: a\r\n b\r\n\r\n", 400},
        {"obs-fold with a tab", "GET / HTTP/1.1\r\n" + host + "X: a\r\n\tb\r\n\r\n", 400},
        {"field line without a colon", "GET / HTTP/1.1\r\n" + host + "Xyz\r\n\r\n", 400},
        {"empty field name", "GET / HTTP/1.1\r\n" + host + ": v\r\n\r\n", 400},
        {"field name not a token", "GET / HTTP/1.1\r\n" + host + "X@Y: v\r\n\r\n", 400},
        {"NUL in a field value", "GET / HTTP/1.1\r\n" + host + "X: a\0b\r\n\r\n"s, 400},
        {"DEL in a field value", "GET / HTTP/1.1\r\n" + host + "X: a\x7f\r\n\r\n", 400},
        {"other control in a field value", "GET / HTTP/1.1\r\n" + host + "X: a\x1b\r\n\r\n", 400},
        // Host
        {"HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400},
        {"two Host fields", "GET / HTTP/1.1\r\n" + host + host + "\r\n", 400},
        {"two Host fields in HTTP/1.0", "GET / HTTP/1.0\r\n" + host + host + "\r\n", 400},
        // Content-Length
        {"Content-Length not digits", "POST / HTTP/1.1\r\n" + host + "Content-Length: abc\r\n\r\n", 400},
        {"Content-Length negative", "POST / HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n", 400},
        {"Content-Length with a sign", "POST / HTTP/1.1\r\n" + host + "Content-Length: +1\r\n\r\n", 400},
        {"Content-Length empty", "POST / HTTP/1.1\r\n" + host + "Content-Length:\r\n\r\n", 400},
        {"Content-Length list with an empty element", "POST / HTTP/1.1\r\n" + host + "Content-Length: 1,\r\n\r\nx", 400},
        {"Content-Length overflowing 64 bits", "POST / HTTP/1.1\r\n" + host + "Content-Length: 18446744073709551616\r\n\r\n", 400},
        {"Content-Length list with different values", "POST / HTTP/1.1\r\n" + host + "Content-Length: 1, 2\r\n\r\nx", 400},
        {"Content-Length fields with different values", "POST / HTTP/1.1\r\n" + host + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nx", 400},
        {"Content-Length and Transfer-Encoding", "POST / HTTP/1.1\r\n" + host + "Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
        {"Content-Length over max_body", "POST / HTTP/1.1\r\n" + host + "Content-Length: 1048577\r\n\r\n", 413},
        // Transfer-Encoding
        {"unknown transfer coding", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\n\r\n", 501},
        {"chunked after another coding", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip, chunked\r\n\r\n", 501},
        {"chunked twice", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
        {"empty Transfer-Encoding", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: \r\n\r\n", 501},
        {"Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
        // chunked framing
        {"chunk size not hex", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
        {"chunk size overflowing 64 bits", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", 400},
        {"chunk size followed by junk", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n0\r\n\r\n", 400},
        {"chunk extension without a name", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n5;\r\nhello\r\n0\r\n\r\n", 400},
        {"chunk extension with an unterminated quote", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n5;a=\"x\r\nhello\r\n0\r\n\r\n", 400},
        {"chunk data not followed by CRLF", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n", 400},
        {"chunk data followed by a bare CR", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\rX0\r\n\r\n", 400},
        {"chunked body over max_body", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n100001\r\n", 413},
        {"malformed trailer", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer: x\r\n\r\n", 400},
    };
    for (const Case& c : cases) {
        INFO(c.rule);
        Outcome o = parse_every_way(c.input);
        CHECK(o.status == c.status);
    }
}

TEST_CASE("valid requests parse the same however they arrive") {
    using namespace std::string_literals;
    struct Valid {
        const char* what;
        std::string input;
        std::string method, path, query, body;
        std::size_t header_count;
    };
    const std::vector<Valid> cases = {
        {"origin-form", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET", "/", "", "", 1},
        {"origin-form with a query", "GET /p/q?x=1&y HTTP/1.1\r\nHost: h\r\n\r\n", "GET", "/p/q", "x=1&y", "", 1},
        {"empty query", "GET /p? HTTP/1.1\r\nHost: h\r\n\r\n", "GET", "/p", "", "", 1},
        {"absolute-form", "GET http://h:1/p?q HTTP/1.1\r\nHost: h\r\n\r\n", "GET", "/p", "q", "", 1},
        {"absolute-form with an empty path", "GET http://h:1 HTTP/1.1\r\nHost: h\r\n\r\n", "GET", "/", "", "", 1},
        {"absolute-form, https, query only", "GET HTTPS://h?q HTTP/1.1\r\nHost: h\r\n\r\n", "GET", "/", "q", "", 1},
        {"asterisk-form", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", "OPTIONS", "*", "", "", 1},
        {"HTTP/1.0 without Host", "GET /x HTTP/1.0\r\n\r\n", "GET", "/x", "", "", 0},
        {"empty lines before the request line", "\r\n\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET", "/", "", "", 1},
        {"bare LF line endings", "GET / HTTP/1.1\nHost: h\nX: y\n\n", "GET", "/", "", "", 2},
        {"OWS around values, empty value", "GET / HTTP/1.1\r\nHost: \t h \t\r\nX-Empty:\r\n\r\n", "GET", "/", "", "", 2},
        {"obs-text in a value", "GET / HTTP/1.1\r\nHost: h\r\nX: caf\xc3\xa9\r\n\r\n", "GET", "/", "", "", 2},
        {"Content-Length body", "POST /m HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", "POST", "/m", "", "hello", 2},
        {"Content-Length: 0", "POST /m HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", "POST", "/m", "", "", 2},
        {"Content-Length with leading zeros", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 003\r\n\r\nabc", "POST", "/", "", "abc", 2},
        {"Content-Length list of equal values", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc", "POST", "/", "", "abc", 3},
        {"body with CR, LF and NUL bytes", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\na\r\n\0b"s, "POST", "/", "", "a\r\n\0b"s, 2},
        {"chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "POST", "/", "", "hello world", 2},
        {"chunked, coding name in upper case", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: , CHUNKED\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n", "POST", "/", "", "0123456789", 2},
        {"chunked with hex digits in both cases", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0a\r\n0123456789\r\n0000\r\n\r\n", "POST", "/", "", "0123456789", 2},
        {"chunked with extensions", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b;c\r\nabc\r\n2 ; q=\"x;y\\\"z\" ;r = s\r\nde\r\n0;last\r\n\r\n", "POST", "/", "", "abcde", 2},
        {"chunked with trailers (discarded)", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 1\r\nX-Other: 2\r\n\r\n", "POST", "/", "", "abc", 2},
        {"chunked with bare LF", "POST / HTTP/1.1\nHost: h\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n", "POST", "/", "", "abc", 2},
    };
    for (const Valid& c : cases) {
        INFO(c.what);
        Outcome o = parse_every_way(c.input);
        REQUIRE(o.status == 0);
        CHECK(o.consumed == c.input.size());
        CHECK(o.request.method == c.method);
        CHECK(o.request.path == c.path);
        CHECK(o.request.query == c.query);
        CHECK(o.request.body == c.body);
        CHECK(o.request.headers.size() == c.header_count);
    }
}

TEST_CASE("fields keep their order, names as received, values without OWS") {
    Outcome o = parse_every_way("GET /a?b HTTP/1.1\r\nHost:  example.org \r\nX-Two: 2\r\nx-two: 3\r\n\r\n");
    REQUIRE(o.status == 0);
    REQUIRE(o.request.headers.size() == 3);
    CHECK(o.request.headers[0].name == "Host");
    CHECK(o.request.headers[0].value == "example.org");
    CHECK(o.request.headers[1].name == "X-Two");
    CHECK(o.request.headers[2].name == "x-two");
    CHECK(o.request.headers[2].value == "3");
    CHECK(o.request.target == "/a?b");
    CHECK(o.request.version_minor == 1);
}

TEST_CASE("head_complete stops right after the blank line") {
    const std::string head =
        "GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
    const std::string frames = "\x81\x85 WebSocket bytes, not HTTP";
    RequestParser parser;
    ParseResult r = parser.feed(head + frames);
    CHECK(r.event == ParseEvent::head_complete);
    CHECK(r.consumed == head.size());
    CHECK(parser.request().path == "/chat");
    CHECK(parser.request().has_token("Connection", "upgrade"));
    // A request without a body completes on the next feed, consuming nothing.
    r = parser.feed({});
    CHECK(r.event == ParseEvent::message_complete);
    CHECK(r.consumed == 0);
}

TEST_CASE("pipelined requests in one buffer come out in order") {
    const std::string input =
        "GET /first HTTP/1.1\r\nHost: h\r\n\r\n"
        "POST /second HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
        "POST /third HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n"
        "GET /fourth HTTP/1.0\r\n\r\n";
    for (const auto& pieces : every_split(input)) {
        RequestParser parser;
        std::vector<std::string> seen;
        for (const std::string& piece : pieces) {
            std::string_view rest = piece;
            for (bool more = true; more;) {
                ParseResult r = parser.feed(rest);
                rest.remove_prefix(r.consumed);
                switch (r.event) {
                    case ParseEvent::need_more: more = false; break;
                    case ParseEvent::head_complete: break;
                    case ParseEvent::message_complete:
                        seen.push_back(parser.request().path + ":" + parser.request().body);
                        parser.reset();
                        break;
                    case ParseEvent::error: FAIL("unexpected error " << parser.error_status());
                }
            }
        }
        REQUIRE(seen == std::vector<std::string>{"/first:", "/second:abc", "/third:de", "/fourth:"});
    }
}

TEST_CASE("a message_complete without reset keeps answering message_complete") {
    RequestParser parser;
    const std::string two = "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n";
    ParseResult r = parser.feed(two);
    REQUIRE(r.event == ParseEvent::head_complete);
    r = parser.feed(std::string_view(two).substr(r.consumed));
    REQUIRE(r.event == ParseEvent::message_complete);
    r = parser.feed("GET /b");
    CHECK(r.event == ParseEvent::message_complete);
    CHECK(r.consumed == 0);
    CHECK(parser.request().path == "/a");
}

TEST_CASE("an error is final until reset") {
    RequestParser parser;
    ParseResult r = parser.feed("GET / HTTP/1.1\r\nHost : h\r\n");
    REQUIRE(r.event == ParseEvent::error);
    CHECK(parser.error_status() == 400);
    CHECK(parser.error_reason() == "whitespace before ':'");
    r = parser.feed("\r\n");
    CHECK(r.event == ParseEvent::error);
    CHECK(parser.error_status() == 400);
    parser.reset();
    CHECK(parser.error_status() == 0);
    r = parser.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(r.event == ParseEvent::head_complete);
}

TEST_CASE("the request line limit: exactly at it passes, one over is 414 before the line ends") {
    ParserLimits limits;
    limits.max_request_line = 40;
    auto line_of = [](std::size_t length) {
        std::string prefix = "GET /", suffix = " HTTP/1.1";
        return prefix + std::string(length - prefix.size() - suffix.size(), 'a') + suffix;
    };
    CHECK(parse_every_way(line_of(40) + "\r\nHost: h\r\n\r\n", limits).status == 0);
    CHECK(parse_every_way(line_of(40) + "\nHost: h\r\n\r\n", limits).status == 0);
    CHECK(parse_every_way(line_of(41) + "\r\nHost: h\r\n\r\n", limits).status == 414);

    // Without its end: 40 bytes and a CR may still become a valid line...
    RequestParser parser(limits);
    CHECK(parser.feed(line_of(40) + "\r").event == ParseEvent::need_more);
    // ...41 bytes cannot.
    RequestParser longer(limits);
    ParseResult r = longer.feed(std::string(41, 'G'));
    CHECK(r.event == ParseEvent::error);
    CHECK(longer.error_status() == 414);
    // The same one byte at a time.
    RequestParser slow(limits);
    for (int i = 0; i < 40; ++i) REQUIRE(slow.feed("G").event == ParseEvent::need_more);
    CHECK(slow.feed("G").event == ParseEvent::error);
    CHECK(slow.error_status() == 414);
}

TEST_CASE("the header section limits: exactly at them passes, one over is 431") {
    ParserLimits limits;
    limits.max_header_bytes = 64;
    // Field lines are counted without their line endings: "Host: h" is 7.
    auto with_filler = [](std::size_t filler_line) {
        std::string name = "X: ";
        return "GET / HTTP/1.1\r\nHost: h\r\n" + name +
               std::string(filler_line - name.size(), 'v') + "\r\n\r\n";
    };
    CHECK(parse_every_way(with_filler(57), limits).status == 0);
    CHECK(parse_every_way(with_filler(58), limits).status == 431);

    // 431 before the oversized line ends.
    RequestParser parser(limits);
    ParseResult r = parser.feed("GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(60, 'v'));
    CHECK(r.event == ParseEvent::error);
    CHECK(parser.error_status() == 431);

    ParserLimits count_limits;
    count_limits.max_header_count = 3;
    CHECK(parse_every_way("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n", count_limits).status == 0);
    CHECK(parse_every_way("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", count_limits).status == 431);
}

TEST_CASE("trailers count toward the header limits") {
    const std::string head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
    ParserLimits limits;
    limits.max_header_count = 3;
    CHECK(parse_every_way(head + "0\r\nT: 1\r\n\r\n", limits).status == 0);
    CHECK(parse_every_way(head + "0\r\nT: 1\r\nU: 2\r\n\r\n", limits).status == 431);

    ParserLimits byte_limits;
    byte_limits.max_header_bytes = 40;  // the head's fields take 33 of them
    CHECK(parse_every_way(head + "0\r\nT: 1234\r\n\r\n", byte_limits).status == 0);
    CHECK(parse_every_way(head + "0\r\nT: 12345\r\n\r\n", byte_limits).status == 431);
}

TEST_CASE("the body limit: exactly at it passes, one over is 413 as soon as it is known") {
    ParserLimits limits;
    limits.max_body = 10;
    const std::string post = "POST / HTTP/1.1\r\nHost: h\r\n";
    CHECK(parse_every_way(post + "Content-Length: 10\r\n\r\n0123456789", limits).status == 0);
    CHECK(parse_every_way(post + "Content-Length: 11\r\n\r\n0123456789a", limits).status == 413);

    const std::string chunked = post + "Transfer-Encoding: chunked\r\n\r\n";
    CHECK(parse_every_way(chunked + "6\r\n012345\r\n4\r\n6789\r\n0\r\n\r\n", limits).status == 0);
    CHECK(parse_every_way(chunked + "6\r\n012345\r\n5\r\n6789a\r\n0\r\n\r\n", limits).status == 413);

    // At head time, from Content-Length, before any body byte.
    RequestParser parser(limits);
    ParseResult r = parser.feed(post + "Content-Length: 11\r\n\r\n");
    CHECK(r.event == ParseEvent::error);
    CHECK(parser.error_status() == 413);
    // From a chunk size, before its data.
    RequestParser chunk_parser(limits);
    REQUIRE(chunk_parser.feed(chunked).event == ParseEvent::head_complete);
    r = chunk_parser.feed("6\r\n012345\r\n5\r\n");
    CHECK(r.event == ParseEvent::error);
    CHECK(chunk_parser.error_status() == 413);
}

TEST_CASE("100-continue is detected on HTTP/1.1 requests with a body") {
    const std::string host = "Host: h\r\n";
    CHECK(parse_every_way("POST / HTTP/1.1\r\n" + host + "Expect: 100-continue\r\nContent-Length: 2\r\n\r\nhi").expects_continue);
    CHECK(parse_every_way("POST / HTTP/1.1\r\n" + host + "Expect: 100-Continue\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").expects_continue);
    CHECK_FALSE(parse_every_way("GET / HTTP/1.1\r\n" + host + "Expect: 100-continue\r\n\r\n").expects_continue);
    CHECK_FALSE(parse_every_way("POST / HTTP/1.1\r\n" + host + "Content-Length: 2\r\n\r\nhi").expects_continue);
    // RFC 9110 10.1.1: an HTTP/1.0 client cannot have meant it.
    CHECK_FALSE(parse_every_way("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi").expects_continue);

    // Known at head time, before the body is sent.
    RequestParser parser;
    REQUIRE(parser.feed("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n").event ==
            ParseEvent::head_complete);
    CHECK(parser.expects_continue());
    CHECK(parser.feed({}).event == ParseEvent::need_more);
    CHECK(parser.feed("hi").event == ParseEvent::message_complete);
}

TEST_CASE("keep-alive follows the version and the Connection field") {
    auto keep_alive = [](const std::string& input) {
        Outcome o = parse_every_way(input);
        REQUIRE(o.status == 0);
        return o.request.keep_alive();
    };
    CHECK_FALSE(keep_alive("GET / HTTP/1.0\r\n\r\n"));
    CHECK(keep_alive("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    CHECK(keep_alive("GET / HTTP/1.0\r\nConnection: Foo, Keep-Alive\r\n\r\n"));
    CHECK(keep_alive("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
    CHECK_FALSE(keep_alive("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
    CHECK_FALSE(keep_alive("GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nConnection: Close\r\n\r\n"));
}

TEST_CASE("feeding a large message one byte at a time stays linear") {
    // Quadratic rescanning would make this take minutes under the sanitizers.
    ParserLimits limits;
    limits.max_header_bytes = 200 * 1024;
    limits.max_header_count = 10000;
    std::string input = "POST / HTTP/1.1\r\nHost: h\r\n";
    for (int i = 0; i < 5000; ++i) input += "X-Field-" + std::to_string(i) + ": some value\r\n";
    input += "Transfer-Encoding: chunked\r\n\r\n";
    std::string body;
    for (int i = 0; i < 2000; ++i) {
        input += "10;n=v\r\n0123456789abcdef\r\n";
        body += "0123456789abcdef";
    }
    input += "0\r\n\r\n";
    RequestParser parser(limits);
    bool complete = false;
    for (std::size_t i = 0; i < input.size() && !complete; ++i) {
        std::string_view byte(&input[i], 1);
        for (;;) {
            ParseResult r = parser.feed(byte);
            REQUIRE(r.event != ParseEvent::error);
            byte.remove_prefix(r.consumed);
            if (r.event == ParseEvent::message_complete) complete = true;
            if (r.event != ParseEvent::head_complete) break;
        }
    }
    REQUIRE(complete);
    CHECK(parser.request().headers.size() == 5002);
    CHECK(parser.request().body == body);
}
