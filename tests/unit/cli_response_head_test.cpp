// The client's reading of the server's answer to its upgrade request.
#include <catch2/catch.hpp>

#include "cli/response_head.h"

using wirechat::cli::parse_response_head;

TEST_CASE("a 101 head gives its status, reason and fields") {
    auto head = parse_response_head(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept:   s3pPLMBiTxaQ9kYGzzhZRbK+xOo= \r\n\r\n");
    REQUIRE(head);
    CHECK(head->status == 101);
    CHECK(head->reason == "Switching Protocols");
    REQUIRE(head->fields.size() == 3);
    REQUIRE(head->find("sec-websocket-accept"));
    CHECK(*head->find("sec-websocket-accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    CHECK(head->find("Sec-WebSocket-Protocol") == nullptr);
}

TEST_CASE("an empty reason phrase is allowed") {
    auto head = parse_response_head("HTTP/1.1 404 \r\n\r\n");
    REQUIRE(head);
    CHECK(head->status == 404);
    CHECK(head->reason.empty());
    CHECK(parse_response_head("HTTP/1.0 200")->status == 200);
}

TEST_CASE("what is not an HTTP/1.x response head is refused") {
    for (const char* bad : {"", "SSH-2.0-OpenSSH\r\n\r\n", "HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
                            "HTTP/1.1 200OK\r\n\r\n", "HTTP/1.1 101 OK\r\nno colon here\r\n\r\n",
                            "HTTP/1.1 101 OK\r\n: empty name\r\n\r\n"}) {
        INFO(bad);
        CHECK_FALSE(parse_response_head(bad));
    }
}
