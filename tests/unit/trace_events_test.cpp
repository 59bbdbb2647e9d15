// The inspector's events (trace/events.h): each is one JSON object, with the
// fields a browser draws the frame from, checked on RFC 6455 5.7's frames.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <string>
#include <vector>

#include "trace/accept_steps.h"
#include "trace/events.h"
#include "trace/frame_tap.h"

using namespace wirechat::trace;
namespace json = boost::json;

namespace {

json::object frame_event(std::vector<std::uint8_t> wire, Direction direction = Direction::received) {
    FrameTap tap(256);
    std::span<const std::uint8_t> rest(wire);
    while (!rest.empty() && !tap.ready()) rest = rest.subspan(tap.feed(rest));
    REQUIRE(tap.ready());
    return json::parse(events::frame(1'800'000'000'123, direction, tap.frame(), tap.payload_seen())).as_object();
}

}  // namespace

TEST_CASE("a masked text frame: every header field, the key, and the payload both ways") {
    // RFC 6455 5.7: a single-frame masked text message containing "Hello".
    const json::object e = frame_event({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
    CHECK(e.at("t") == 1'800'000'000'123);
    CHECK(e.at("event") == "frame");
    CHECK(e.at("dir") == "in");
    CHECK(e.at("fin") == true);
    CHECK(e.at("rsv1") == false);
    CHECK(e.at("opcode") == 1);
    CHECK(e.at("opcode_name") == "text");
    CHECK(e.at("masked") == true);
    CHECK(e.at("key") == "37fa213d");
    CHECK(e.at("length") == 5);
    CHECK(e.at("length_form") == "7-bit");
    CHECK(e.at("header") == "818537fa213d");
    CHECK(e.at("wire") == "7f9f4d5158");
    CHECK(e.at("payload") == "48656c6c6f");
    CHECK(e.at("text") == "Hello");
    CHECK(e.at("shown") == 5);
    CHECK_FALSE(e.contains("arrived"));
    CHECK_FALSE(e.contains("compressed"));
}

TEST_CASE("length forms, a long payload shown in part, and close frames") {
    std::vector<std::uint8_t> wire = {0x82, 0x7e, 0x01, 0x00};  // binary, 256 bytes, unmasked
    wire.resize(4 + 256, 0xab);
    json::object e = frame_event(wire, Direction::sent);
    CHECK(e.at("dir") == "out");
    CHECK(e.at("length_form") == "16-bit");
    CHECK(e.at("length") == 256);
    CHECK_FALSE(e.contains("wire"));  // not masked: as read is as sent
    CHECK_FALSE(e.contains("text"));  // binary
    wire = {0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0};  // 65,536 bytes
    wire.resize(10 + 65536, 1);
    e = frame_event(wire);
    CHECK(e.at("length_form") == "64-bit");
    CHECK(e.at("shown") == 256);
    CHECK(e.at("payload").as_string().size() == 512);
    // A close frame: its code and reason.
    e = frame_event({0x88, 0x05, 0x03, 0xe8, 'b', 'y', 'e'});
    CHECK(e.at("opcode_name") == "close");
    CHECK(e.at("code") == 1000);
    CHECK(e.at("reason") == "bye");
    // permessage-deflate's RSV1 on a data frame.
    e = frame_event({0xc1, 0x03, 0xf2, 0x48, 0x05});
    CHECK(e.at("rsv1") == true);
    CHECK(e.at("compressed") == true);
    CHECK_FALSE(e.contains("text"));  // compressed bytes are not text
}

TEST_CASE("heads, the accept computation and the rest are JSON, whatever bytes they hold") {
    json::object e = json::parse(events::head(1, Direction::received, "GET / HTTP/1.1\r\nX: \xff\xfe\r\n\r\nbody"))
                         .as_object();
    CHECK(e.at("event") == "head");
    CHECK(e.at("text") == "GET / HTTP/1.1\r\nX: \xef\xbf\xbd\xef\xbf\xbd\r\n\r\n");  // U+FFFD, no body
    e = json::parse(events::accept(1, accept_steps("dGhlIHNhbXBsZSBub25jZQ=="))).as_object();
    CHECK(e.at("key") == "dGhlIHNhbXBsZSBub25jZQ==");
    CHECK(e.at("guid") == "258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    CHECK(e.at("concatenated") == "dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    CHECK(e.at("sha1") == "b37a4f2cc0624f1690f64606cf385945b2bec4ea");
    CHECK(e.at("accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    e = json::parse(events::websocket_closed(1, 1002, "bad \xc3", false)).as_object();
    CHECK(e.at("code_name") == "protocol error");
    CHECK(e.at("reason") == "bad \xef\xbf\xbd");
    CHECK(json::parse(events::skipped(1, 42)).at("count") == 42);
    CHECK(json::parse(events::message(1, Direction::sent, 1200)).at("size") == 1200);
    CHECK(json::parse(events::end(1, "closed")).at("event") == "end");
    CHECK(events::valid_utf8("caf\xc3\xa9 \xe2\x82") == "caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd");
}
