// Response heads and HTTP dates: exact bytes on the wire.
#include <catch2/catch.hpp>

#include <string>

#include "http/http_date.h"
#include "http/response.h"

using namespace wirechat::http;

namespace {
constexpr std::time_t kRfcExample = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
}

TEST_CASE("http_date formats the IMF-fixdate") {
    CHECK(http_date(kRfcExample) == "Sun, 06 Nov 1994 08:49:37 GMT");
    CHECK(http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT");
    CHECK(http_date(951782400) == "Tue, 29 Feb 2000 00:00:00 GMT");
    CHECK(http_date(1700000000) == "Tue, 14 Nov 2023 22:13:20 GMT");
    // Same second twice (the cached path), then another one.
    CHECK(http_date(1700000000) == "Tue, 14 Nov 2023 22:13:20 GMT");
    CHECK(http_date(1700000001) == "Tue, 14 Nov 2023 22:13:21 GMT");
    // Outside what four digits of year can say: clamped, never malformed.
    CHECK(http_date(-5) == "Thu, 01 Jan 1970 00:00:00 GMT");
    CHECK(http_date(std::time_t(1) << 40) == "Fri, 31 Dec 9999 23:59:59 GMT");
    std::string out = "x";
    append_http_date(out, kRfcExample);
    CHECK(out == "xSun, 06 Nov 1994 08:49:37 GMT");
}

TEST_CASE("parse_http_date reads the three formats of RFC 9110") {
    CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == kRfcExample);
    CHECK(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == kRfcExample);
    CHECK(parse_http_date("Sun Nov  6 08:49:37 1994") == kRfcExample);
    CHECK(parse_http_date("Sun Nov 16 08:49:37 1994") == kRfcExample + 10 * 86400);
    CHECK(parse_http_date("Thursday, 01-Jan-15 00:00:00 GMT") == 1420070400);
    CHECK(parse_http_date("Tue, 29 Feb 2000 00:00:00 GMT") == 951782400);
    for (std::time_t t : {std::time_t(0), std::time_t(86399), kRfcExample, std::time_t(1700000000),
                          std::time_t(4102444800)})
        CHECK(parse_http_date(http_date(t)) == t);
}

TEST_CASE("parse_http_date refuses malformed and impossible dates") {
    for (const char* bad : {
             "",
             "Sun, 06 Nov 1994 08:49:37 UTC",
             "Sun, 06 Nov 1994 08:49:37 GMT ",
             " Sun, 06 Nov 1994 08:49:37 GMT",
             "Sun, 6 Nov 1994 08:49:37 GMT",
             "Sun, 06 nov 1994 08:49:37 GMT",
             "Xyz, 06 Nov 1994 08:49:37 GMT",
             "Sun, 06 Nov 94 08:49:37 GMT",
             "Sun, 06 Nov 1994 8:49:37 GMT",
             "Sun, 31 Apr 1994 08:49:37 GMT",
             "Sun, 29 Feb 1900 08:49:37 GMT",
             "Sun, 00 Nov 1994 08:49:37 GMT",
             "Sun, 06 Nov 1994 24:00:00 GMT",
             "Sun, 06 Nov 1994 08:60:00 GMT",
             "Sun, 06 Nov 1994 08:49:61 GMT",
             "Sun, 06 Nov 1994 08:49:37",
             "Sun Nov 6 08:49:37 1994",
             "Sunday, 06-Nov-1994 08:49:37 GMT",
             "1994-11-06T08:49:37Z",
         }) {
        INFO(bad);
        CHECK_FALSE(parse_http_date(bad));
    }
}

TEST_CASE("reason phrases for the statuses the server emits") {
    CHECK(reason_phrase(101) == "Switching Protocols");
    CHECK(reason_phrase(200) == "OK");
    CHECK(reason_phrase(304) == "Not Modified");
    CHECK(reason_phrase(400) == "Bad Request");
    CHECK(reason_phrase(404) == "Not Found");
    CHECK(reason_phrase(413) == "Content Too Large");
    CHECK(reason_phrase(414) == "URI Too Long");
    CHECK(reason_phrase(426) == "Upgrade Required");
    CHECK(reason_phrase(431) == "Request Header Fields Too Large");
    CHECK(reason_phrase(501) == "Not Implemented");
    CHECK(reason_phrase(505) == "HTTP Version Not Supported");
    for (int status : {100, 204, 403, 405, 408, 500, 503}) CHECK_FALSE(reason_phrase(status).empty());
    CHECK(reason_phrase(299).empty());
}

TEST_CASE("append_response_head writes the head in order") {
    ResponseHead head;
    head.status = 200;
    head.headers = {{"Content-Type", "text/html"}, {"ETag", "\"x\""}};
    head.content_length = 42;
    std::string out = "earlier bytes|";
    append_response_head(out, head, kRfcExample);
    CHECK(out ==
          "earlier bytes|"
          "HTTP/1.1 200 OK\r\n"
          "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
          "Server: wirechat\r\n"
          "Content-Type: text/html\r\n"
          "ETag: \"x\"\r\n"
          "Content-Length: 42\r\n"
          "\r\n");

    head.status = 404;
    head.headers.clear();
    head.content_length = 0;
    head.close = true;
    out.clear();
    append_response_head(out, head, kRfcExample);
    CHECK(out ==
          "HTTP/1.1 404 Not Found\r\n"
          "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
          "Server: wirechat\r\n"
          "Content-Length: 0\r\n"
          "Connection: close\r\n"
          "\r\n");
}

TEST_CASE("no Content-Length for 1xx, 204 and 304") {
    for (int status : {100, 101, 204, 304}) {
        INFO(status);
        ResponseHead head;
        head.status = status;
        head.content_length = 10;
        std::string out;
        append_response_head(out, head, kRfcExample);
        CHECK(out.find("Content-Length") == std::string::npos);
        CHECK(out.substr(0, 13) == "HTTP/1.1 " + std::to_string(status) + " ");
        CHECK(out.substr(out.size() - 4) == "\r\n\r\n");
    }
    ResponseHead upgrade;
    upgrade.status = 101;
    upgrade.headers = {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}};
    std::string out;
    append_response_head(out, upgrade, kRfcExample);
    CHECK(out ==
          "HTTP/1.1 101 Switching Protocols\r\n"
          "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
          "Server: wirechat\r\n"
          "Upgrade: websocket\r\n"
          "Connection: Upgrade\r\n"
          "\r\n");
}

TEST_CASE("an impossible status code becomes a 500 rather than a malformed line") {
    ResponseHead head;
    head.status = 42;
    std::string out;
    append_response_head(out, head, kRfcExample);
    CHECK(out.substr(0, 35) == "HTTP/1.1 500 Internal Server Error\r");
}

TEST_CASE("append_simple_response writes a complete text/plain response") {
    std::string out;
    append_simple_response(out, 400, "bad request line\n", true, false, kRfcExample);
    CHECK(out ==
          "HTTP/1.1 400 Bad Request\r\n"
          "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
          "Server: wirechat\r\n"
          "Content-Type: text/plain; charset=utf-8\r\n"
          "Content-Length: 17\r\n"
          "Connection: close\r\n"
          "\r\n"
          "bad request line\n");

    // HEAD: the same head, Content-Length included, no body; extra fields follow Content-Type.
    const Header allow[] = {{"Allow", "GET, HEAD"}};
    out.clear();
    append_simple_response(out, 405, "use GET", false, true, kRfcExample, allow);
    CHECK(out ==
          "HTTP/1.1 405 Method Not Allowed\r\n"
          "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
          "Server: wirechat\r\n"
          "Content-Type: text/plain; charset=utf-8\r\n"
          "Allow: GET, HEAD\r\n"
          "Content-Length: 7\r\n"
          "\r\n");

    // A status that forbids content never gets a body, whatever is passed.
    out.clear();
    append_simple_response(out, 204, "ignored", false, false, kRfcExample);
    CHECK(out.find("ignored") == std::string::npos);
    CHECK(out.find("Content-Length") == std::string::npos);
    CHECK(out.substr(out.size() - 4) == "\r\n\r\n");
}
