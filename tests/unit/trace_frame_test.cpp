// The trace format, checked against the frames of RFC 6455 5.7 byte for
// byte: exact lines, whatever way the bytes are split.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "trace/accept_steps.h"
#include "trace/frame_format.h"
#include "trace/tracer.h"

using namespace wirechat::trace;

namespace {

struct Lines final : Sink {
    std::vector<std::string> lines;
    void line(std::string_view text) override { lines.emplace_back(text); }
};

std::vector<std::uint8_t> bytes(std::initializer_list<int> list) {
    std::vector<std::uint8_t> out;
    for (int b : list) out.push_back(static_cast<std::uint8_t>(b));
    return out;
}

// RFC 6455 5.7: a single-frame masked text message containing "Hello".
const std::vector<std::uint8_t> masked_hello =
    bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});

std::vector<std::string> trace_received(const std::vector<std::uint8_t>& wire, Style style = {}) {
    Lines sink;
    Tracer tracer(sink, style, 1);
    tracer.received(wire);
    return sink.lines;
}

}  // namespace

TEST_CASE("the RFC's masked \"Hello\" frame gives the documented line") {
    CHECK(trace_received(masked_hello) ==
          std::vector<std::string>{"#1 <- text   FIN=1 RSV=000 MASK=1 key=37fa213d len=5 (7-bit) \"Hello\""});
}

TEST_CASE("the line does not depend on how the bytes were split") {
    Lines sink;
    Tracer tracer(sink, {}, 7);
    for (std::uint8_t b : masked_hello) tracer.received(std::span<const std::uint8_t>(&b, 1));
    REQUIRE(sink.lines.size() == 1);
    CHECK(sink.lines[0] == "#7 <- text   FIN=1 RSV=000 MASK=1 key=37fa213d len=5 (7-bit) \"Hello\"");
}

TEST_CASE("a fragmented unmasked message, then a ping and a masked pong") {
    const auto wire = bytes({0x01, 0x03, 0x48, 0x65, 0x6c,                               // "Hel"
                             0x80, 0x02, 0x6c, 0x6f,                                     // "lo"
                             0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f,                   // ping
                             0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
    CHECK(trace_received(wire) == std::vector<std::string>{
                                      "#1 <- text   FIN=0 RSV=000 MASK=0 len=3 (7-bit) \"Hel\"",
                                      "#1 <- continuation FIN=1 RSV=000 MASK=0 len=2 (7-bit) \"lo\"",
                                      "#1 <- ping   FIN=1 RSV=000 MASK=0 len=5 (7-bit) \"Hello\"",
                                      "#1 <- pong   FIN=1 RSV=000 MASK=1 key=37fa213d len=5 (7-bit) \"Hello\"",
                                  });
}

TEST_CASE("16-bit and 64-bit lengths are named, binary is previewed in hex") {
    std::vector<std::uint8_t> wire = bytes({0x82, 0x7E, 0x01, 0x00});
    for (int i = 0; i < 256; ++i) wire.push_back(static_cast<std::uint8_t>(i));
    std::vector<std::uint8_t> big = bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0});
    big.resize(big.size() + 65536, 0xAB);
    wire.insert(wire.end(), big.begin(), big.end());
    CHECK(trace_received(wire) ==
          std::vector<std::string>{
              "#1 <- binary FIN=1 RSV=000 MASK=0 len=256 (16-bit) "
              "00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f ... (+240 bytes)",
              "#1 <- binary FIN=1 RSV=000 MASK=0 len=65536 (64-bit) "
              "ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ... (+65520 bytes)",
          });
}

TEST_CASE("close frames show their code, its name and the reason") {
    CHECK(trace_received(bytes({0x88, 0x05, 0x03, 0xe8, 'b', 'y', 'e'})) ==
          std::vector<std::string>{"#1 <- close  FIN=1 RSV=000 MASK=0 len=5 (7-bit) code=1000 (normal closure) reason=\"bye\""});
    CHECK(trace_received(bytes({0x88, 0x00})) ==
          std::vector<std::string>{"#1 <- close  FIN=1 RSV=000 MASK=0 len=0 (7-bit) no status code"});
    CHECK(trace_received(bytes({0x88, 0x02, 0x03, 0xea})) ==
          std::vector<std::string>{"#1 <- close  FIN=1 RSV=000 MASK=0 len=2 (7-bit) code=1002 (protocol error) reason=\"\""});
}

TEST_CASE("reserved opcodes and RSV bits are shown as they are") {
    CHECK(trace_received(bytes({0xF3, 0x00})) ==
          std::vector<std::string>{"#1 <- reserved(0x3) FIN=1 RSV=111 MASK=0 len=0 (7-bit)"});
}

TEST_CASE("text previews escape what could disturb a terminal and stop at 64 bytes") {
    const std::string text = "a\"b\\c\n\x1b[31m\xff\xc3\xa9";
    std::vector<std::uint8_t> payload(text.begin(), text.end());
    CHECK(preview_text(payload, payload.size()) == "\"a\\\"b\\\\c\\n\\x1b[31m\\xffé\"");
    const std::string long_text(100, 'x');
    std::vector<std::uint8_t> long_payload(long_text.begin(), long_text.end());
    CHECK(preview_text(long_payload, 100) == "\"" + std::string(64, 'x') + "\" ... (+36 bytes)");
    // A character is not cut in two: "é" straddling the limit is left out.
    std::vector<std::uint8_t> straddle(63, 'y');
    straddle.push_back(0xC3);
    straddle.push_back(0xA9);
    CHECK(preview_text(straddle, straddle.size()) == "\"" + std::string(63, 'y') + "\" ... (+2 bytes)");
}

TEST_CASE("a frame with a length whose top bit is set stops the trace of that stream") {
    const auto lines = trace_received(bytes({0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x81, 0x00}));
    CHECK(lines == std::vector<std::string>{
                       "#1 <- frame length has its top bit set: the rest of this stream cannot be followed"});
}

TEST_CASE("a frame cut short by the end of the connection is reported when it closes") {
    Lines sink;
    Tracer tracer(sink, {}, 3);
    tracer.sent(bytes({0x82, 0x04, 0xde, 0xad}));
    CHECK(sink.lines.empty());
    tracer.closed("closed");
    CHECK(sink.lines == std::vector<std::string>{
                            "#3 -> binary FIN=1 RSV=000 MASK=0 len=4 (7-bit) de ad ... (+2 bytes) "
                            "[cut short: 2 of 4 payload bytes arrived]",
                            "#3 closed"});
}

TEST_CASE("full detail adds a hex dump of the header and the unmasked payload") {
    const auto lines = trace_received(masked_hello, Style{Detail::full, false});
    CHECK(lines == std::vector<std::string>{
                       "#1 <- text   FIN=1 RSV=000 MASK=1 key=37fa213d len=5 (7-bit) \"Hello\"",
                       "#1 <-     header  81 85 37 fa 21 3d   (payload below is unmasked)",
                       "#1 <-     0000  48 65 6c 6c 6f                                   Hello",
                   });
}

TEST_CASE("colours wrap each line only when asked for") {
    const auto lines = trace_received(bytes({0x8A, 0x00}), Style{Detail::lines, true});
    CHECK(lines == std::vector<std::string>{"\x1b[36m#1 <- pong   FIN=1 RSV=000 MASK=0 len=0 (7-bit)\x1b[0m"});
}

TEST_CASE("HTTP heads are traced line by line, up to the blank line") {
    Lines sink;
    Tracer tracer(sink, {}, 2);
    tracer.head(Direction::sent, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x00");
    CHECK(sink.lines == std::vector<std::string>{"#2 -> HTTP/1.1 101 Switching Protocols",
                                                 "#2 -> Upgrade: websocket"});
}

TEST_CASE("the accept computation for the RFC 6455 example key") {
    const AcceptSteps steps = accept_steps("dGhlIHNhbXBsZSBub25jZQ==");
    CHECK(steps.concatenated == "dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    CHECK(steps.sha1_hex == "b37a4f2cc0624f1690f64606cf385945b2bec4ea");
    CHECK(steps.accept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    CHECK(describe_accept(steps) ==
          "accept = base64(SHA-1(\"dGhlIHNhbXBsZSBub25jZQ==\" + \"258EAFA5-E914-47DA-95CA-C5AB0DC85B11\")) "
          "= base64(b37a4f2cc0624f1690f64606cf385945b2bec4ea) = s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}
