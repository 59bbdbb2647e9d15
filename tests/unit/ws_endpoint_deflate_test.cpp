// The endpoint with permessage-deflate negotiated: RFC 7692's framed
// examples (whole, fragmented, with context takeover), the RSV1 rules, the
// inflated size checked against max_message while inflating, UTF-8 checked
// on the inflated text, and compressed sending in both roles.
#include <catch2/catch.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "ws/close_code.h"
#include "ws/deflate.h"
#include "ws/endpoint.h"
#include "ws/frame_parser.h"
#include "ws/mask.h"
#include "ws_test_frames.h"

using namespace wirechat::ws;
using Bytes = std::vector<std::uint8_t>;

namespace {

std::string text_of(std::span<const std::uint8_t> bytes) { return std::string(bytes.begin(), bytes.end()); }
std::span<const std::uint8_t> span_of(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
Bytes copy(std::span<const std::uint8_t> s) { return Bytes(s.begin(), s.end()); }

// A masked (client) frame carrying `payload` as given.
Bytes client_frame(Opcode op, const Bytes& payload, bool fin = true, std::uint8_t rsv = 0) {
    return ws_test::wire_frame(op, payload, fin, rsv);
}

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
    return out;
}

// What an endpoint wrote.
struct Sink {
    Bytes bytes;
    void write(std::span<const std::uint8_t> data) { bytes.insert(bytes.end(), data.begin(), data.end()); }
};

// What an endpoint reported, and its writes, to `sink`.
struct Recorder : EndpointHandler {
    explicit Recorder(Sink& out) : sink(out) {}
    Sink& sink;
    void write(std::span<const std::uint8_t> data) override { sink.write(data); }
    std::vector<std::string> messages;
    std::vector<std::uint16_t> closes;
    void on_message(Opcode op, std::span<const std::uint8_t> payload) override {
        messages.push_back((op == Opcode::text ? "text:" : "binary:") + text_of(payload));
    }
    void on_closed(std::uint16_t code, std::string_view, bool) override { closes.push_back(code); }
};

// A server endpoint with compression, fed by hand.
struct Server {
    explicit Server(std::size_t max_message = 1024 * 1024, int peer_window_bits = 15, bool peer_keeps_context = true)
        : endpoint(Role::server, EndpointOptions{.max_message = max_message}, recorder,
                   EndpointCompression{&deflater, peer_window_bits, peer_keeps_context}) {}
    void feed(Bytes bytes) { endpoint.feed(bytes); }
    void feed_bytewise(Bytes bytes) {
        for (std::uint8_t& b : bytes) endpoint.feed({&b, 1});
    }

    Deflater deflater{15, 8, false};
    Sink sink;
    Recorder recorder{sink};
    Endpoint endpoint;
};

struct DecodedFrame {
    FrameHeader header;
    Bytes payload;
};

std::vector<DecodedFrame> decode(const Bytes& wire) {
    std::vector<DecodedFrame> frames;
    std::span<const std::uint8_t> rest(wire);
    while (!rest.empty()) {
        FrameParser parser;
        const FrameParser::Result r = parser.parse(rest);
        REQUIRE(r.status == FrameParser::Status::complete);
        DecodedFrame f{parser.header(), copy(rest.subspan(r.consumed, parser.header().length))};
        if (f.header.masked) apply_mask(f.payload.data(), f.payload.size(), f.header.mask_key, 0);
        frames.push_back(std::move(f));
        rest = rest.subspan(r.consumed + parser.header().length);
    }
    return frames;
}

const Bytes hello_compressed = {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00};

std::string chat_like(std::size_t size) {
    std::string s;
    for (int i = 0; s.size() < size; ++i) s += "{\"type\":\"new_message\",\"id\":" + std::to_string(i) + "} ";
    s.resize(size);
    return s;
}

}  // namespace

TEST_CASE("RFC 7692 7.2.3.1: a compressed \"Hello\", whole, fragmented, and byte by byte") {
    Server whole;
    whole.feed(client_frame(Opcode::text, hello_compressed, true, rsv_compressed));
    CHECK(whole.recorder.messages == std::vector<std::string>{"text:Hello"});

    // 41 03 f2 48 cd / 80 04 c9 c9 07 00: RSV1 on the first frame only.
    const Bytes fragmented = cat({client_frame(Opcode::text, {0xf2, 0x48, 0xcd}, false, rsv_compressed),
                                  client_frame(Opcode::continuation, {0xc9, 0xc9, 0x07, 0x00})});
    Server split;
    split.feed(fragmented);
    CHECK(split.recorder.messages == std::vector<std::string>{"text:Hello"});
    Server bytewise;
    bytewise.feed_bytewise(fragmented);
    CHECK(bytewise.recorder.messages == std::vector<std::string>{"text:Hello"});
    CHECK(bytewise.recorder.closes.empty());
}

TEST_CASE("RFC 7692 7.2.3.2: the peer's context is kept between messages, or not") {
    const Bytes first = client_frame(Opcode::text, hello_compressed, true, rsv_compressed);
    const Bytes second = client_frame(Opcode::text, {0xf2, 0x00, 0x11, 0x00, 0x00}, true, rsv_compressed);
    Server keeping;
    keeping.feed(cat({first, second}));
    CHECK(keeping.recorder.messages == std::vector<std::string>{"text:Hello", "text:Hello"});

    // A peer that agreed to client_no_context_takeover may not refer back.
    Server forgetting(1024 * 1024, 15, false);
    forgetting.feed(cat({first, second}));
    CHECK(forgetting.recorder.messages == std::vector<std::string>{"text:Hello"});
    CHECK(forgetting.recorder.closes == std::vector<std::uint16_t>{close_code::invalid_payload});
}

TEST_CASE("uncompressed messages still pass when compression is agreed") {
    Server server;
    server.feed(cat({client_frame(Opcode::binary, copy(span_of("plain"))),
                     client_frame(Opcode::text, hello_compressed, true, rsv_compressed),
                     client_frame(Opcode::text, copy(span_of("again")))}));
    CHECK(server.recorder.messages == std::vector<std::string>{"binary:plain", "text:Hello", "text:again"});
}

TEST_CASE("the peer's window bits are checked when the endpoint is made, not at its first message") {
    CHECK_THROWS_AS(Server(1024, 16), std::invalid_argument);
    CHECK_THROWS_AS(Server(1024, 7), std::invalid_argument);
    CHECK_NOTHROW(Server(1024, 8));
}

TEST_CASE("RSV1 is refused where RFC 7692 does not allow it") {
    struct Case {
        const char* name;
        Bytes input;
        bool compression;
    };
    const Case cases[] = {
        {"RSV1 without compression", client_frame(Opcode::text, hello_compressed, true, rsv_compressed), false},
        {"RSV1 on a continuation",
         cat({client_frame(Opcode::text, {0xf2, 0x48, 0xcd}, false, rsv_compressed),
              client_frame(Opcode::continuation, {0xc9, 0xc9, 0x07, 0x00}, true, rsv_compressed)}),
         true},
        {"RSV1 on a continuation of a plain message",
         cat({client_frame(Opcode::text, copy(span_of("He")), false),
              client_frame(Opcode::continuation, copy(span_of("llo")), true, rsv_compressed)}),
         true},
        {"RSV1 on a ping", client_frame(Opcode::ping, {}, true, rsv_compressed), true},
        {"RSV1 on a close", client_frame(Opcode::close, {0x03, 0xe8}, true, rsv_compressed), true},
        {"RSV2 with compression", client_frame(Opcode::text, hello_compressed, true, 2), true},
        {"RSV3 with compression", client_frame(Opcode::text, hello_compressed, true, 1), true},
    };
    for (const Case& c : cases) {
        INFO(c.name);
        Sink sink;
        Recorder recorder(sink);
        Deflater deflater(15, 8, false);
        std::optional<EndpointCompression> compression;
        if (c.compression) compression = EndpointCompression{&deflater, 15, true};
        Endpoint endpoint(Role::server, {}, recorder, compression);
        Bytes input = c.input;
        endpoint.feed(input);
        CHECK(recorder.messages.empty());
        CHECK(recorder.closes == std::vector<std::uint16_t>{close_code::protocol_error});
    }
}

TEST_CASE("a zip bomb is closed with 1009 while it inflates, before its frame ends") {
    Deflater deflater(15, 8, false);
    const Bytes bomb = copy(deflater.compress(Bytes(16 * 1024 * 1024, 'a')));
    Bytes wire = client_frame(Opcode::text, bomb, true, rsv_compressed);
    Server server(64 * 1024);
    // A fifth of the frame is more than enough to pass 64 KiB inflated.
    server.endpoint.feed(std::span<std::uint8_t>(wire).first(wire.size() / 5));
    CHECK(server.recorder.closes == std::vector<std::uint16_t>{close_code::too_big});
    CHECK(server.recorder.messages.empty());
    const std::vector<DecodedFrame> sent = decode(server.sink.bytes);
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].header.opcode == Opcode::close);
}

TEST_CASE("the inflated size of a fragmented message adds up against max_message") {
    const std::size_t limit = 10000;
    Deflater sender(15, 8, true);
    const Bytes compressed = copy(sender.compress(span_of(std::string(limit + 1, 'x'))));
    // Small compressed fragments, each far below the limit on the wire.
    Bytes wire;
    for (std::size_t i = 0; i < compressed.size(); i += 4) {
        const Bytes piece(compressed.begin() + i, compressed.begin() + std::min(i + 4, compressed.size()));
        const bool fin = i + 4 >= compressed.size();
        wire = cat({wire, client_frame(i == 0 ? Opcode::binary : Opcode::continuation, piece, fin,
                                       i == 0 ? rsv_compressed : 0)});
    }
    Server over(limit);
    over.feed(wire);
    CHECK(over.recorder.closes == std::vector<std::uint16_t>{close_code::too_big});
    Server fits(limit + 1);
    fits.feed(wire);
    CHECK(fits.recorder.closes.empty());
    REQUIRE(fits.recorder.messages.size() == 1);
    CHECK(fits.recorder.messages[0] == "binary:" + std::string(limit + 1, 'x'));
}

TEST_CASE("inflated text is checked as UTF-8, broken DEFLATE is 1007") {
    Deflater sender(15, 8, false);
    Server bad_text;
    bad_text.feed(client_frame(Opcode::text, copy(sender.compress(span_of("caf\xc3\x28"))), true, rsv_compressed));
    CHECK(bad_text.recorder.closes == std::vector<std::uint16_t>{close_code::invalid_payload});

    // The same bytes as binary are fine.
    Server binary;
    binary.feed(client_frame(Opcode::binary, copy(sender.compress(span_of("caf\xc3\x28"))), true, rsv_compressed));
    CHECK(binary.recorder.messages.size() == 1);

    // Text cut inside a character, across the end of the message.
    Server cut;
    cut.feed(client_frame(Opcode::text, copy(sender.compress(span_of("caf\xc3"))), true, rsv_compressed));
    CHECK(cut.recorder.closes == std::vector<std::uint16_t>{close_code::invalid_payload});

    Server corrupt;
    corrupt.feed(client_frame(Opcode::text, {0xff, 0xff, 0xff}, true, rsv_compressed));
    CHECK(corrupt.recorder.closes == std::vector<std::uint16_t>{close_code::invalid_payload});
}

TEST_CASE("sending: messages worth compressing go out with RSV1, tiny ones plain") {
    Server server;
    const std::string big = chat_like(2000);
    server.endpoint.send_text(big);
    server.endpoint.send_text("hi");
    const std::vector<DecodedFrame> frames = decode(server.sink.bytes);
    REQUIRE(frames.size() == 2);
    CHECK(frames[0].header.rsv == rsv_compressed);
    CHECK(frames[0].header.fin);
    CHECK(frames[0].payload.size() < big.size() / 4);
    Inflater inflater(15, false);
    Bytes out;
    REQUIRE(inflater.inflate(frames[0].payload, out, 1 << 20) == Inflater::Status::ok);
    REQUIRE(inflater.finish_message(out, 1 << 20) == Inflater::Status::ok);
    CHECK(text_of(out) == big);
    CHECK(frames[1].header.rsv == 0);
    CHECK(text_of(frames[1].payload) == "hi");
}

TEST_CASE("a compressing client and server talk, with and without context takeover") {
    for (bool client_keeps : {true, false}) {
        INFO("client keeps context: " << client_keeps);
        Deflater client_deflater(12, 8, client_keeps);
        Deflater server_deflater(15, 8, false);  // as SharedDeflaters makes it
        Sink to_server, to_client;
        Recorder at_server(to_client), at_client(to_server);
        Endpoint client(Role::client, {.max_message = 1 << 21}, at_client,
                        EndpointCompression{&client_deflater, 15, false});
        Endpoint server(Role::server, {.max_message = 1 << 21}, at_server,
                        EndpointCompression{&server_deflater, 12, client_keeps});
        const std::vector<std::string> messages = {chat_like(100), chat_like(100), "", "tiny", chat_like(70000),
                                                   chat_like(1 << 20)};
        for (const std::string& m : messages) client.send_text(m);
        server.feed(to_server.bytes);
        REQUIRE(at_server.messages.size() == messages.size());
        for (std::size_t i = 0; i < messages.size(); ++i) {
            CHECK(at_server.messages[i] == "text:" + messages[i]);
            server.send_text(messages[i]);
        }
        client.feed(to_client.bytes);
        REQUIRE(at_client.messages.size() == messages.size());
        for (std::size_t i = 0; i < messages.size(); ++i) CHECK(at_client.messages[i] == "text:" + messages[i]);
        // Compression did happen: far fewer bytes than the text.
        CHECK(to_server.bytes.size() < (1 << 20) / 4);
        CHECK(to_client.bytes.size() < (1 << 20) / 4);
    }
}
