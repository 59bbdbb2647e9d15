// The endpoint, fed by hand-built frames: RFC 6455 5.7 examples, each
// protocol violation and its close code, the closing handshake from both
// sides, every input split at every byte, and a client talking to a server.
#include <catch2/catch.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "ws/close_code.h"
#include "ws/endpoint.h"
#include "ws/frame_parser.h"
#include "ws/mask.h"
#include "ws_test_frames.h"

using namespace wirechat::ws;
using Bytes = std::vector<std::uint8_t>;

namespace {

std::string text_of(std::span<const std::uint8_t> bytes) { return std::string(bytes.begin(), bytes.end()); }
Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
    return out;
}

// A frame as a client (masked) or server (unmasked) would send it.
Bytes frame(Opcode op, std::string_view payload, bool fin = true, bool masked = true, std::uint8_t rsv = 0) {
    return ws_test::wire_frame(op, bytes_of(payload), fin, rsv, masked);
}

Bytes close_frame(std::uint16_t code, std::string_view reason = {}, bool masked = true) {
    std::string payload = {char(code >> 8), char(code & 0xFF)};
    payload.append(reason);
    return frame(Opcode::close, payload, true, masked);
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
    std::vector<std::string> events;
    std::string close_reason;
    const std::uint8_t* last_message_data = nullptr;

    void on_message(Opcode op, std::span<const std::uint8_t> payload) override {
        events.push_back((op == Opcode::text ? "text:" : "binary:") + text_of(payload));
        last_message_data = payload.data();
    }
    void on_ping(std::span<const std::uint8_t> payload) override { events.push_back("ping:" + text_of(payload)); }
    void on_pong(std::span<const std::uint8_t> payload) override { events.push_back("pong:" + text_of(payload)); }
    void on_closed(std::uint16_t code, std::string_view reason, bool clean) override {
        events.push_back("closed " + std::to_string(code) + (clean ? " clean" : " unclean"));
        close_reason = reason;
    }
};

// The frames an endpoint wrote, decoded and unmasked, as "op:payload" (a close
// as "close:<code>"). Requires each frame to be masked exactly when a client
// wrote it.
std::vector<std::string> decode_frames(Bytes bytes, Role writer) {
    std::vector<std::string> frames;
    std::span<std::uint8_t> rest(bytes);
    while (!rest.empty()) {
        FrameParser parser;
        const FrameParser::Result r = parser.parse(rest);
        REQUIRE(r.status == FrameParser::Status::complete);
        const FrameHeader& h = parser.header();
        REQUIRE(h.fin);
        REQUIRE(h.masked == (writer == Role::client));
        REQUIRE(rest.size() - r.consumed >= h.length);
        std::span<std::uint8_t> payload = rest.subspan(r.consumed, h.length);
        if (h.masked) apply_mask(payload.data(), payload.size(), h.mask_key, 0);
        switch (h.opcode) {
            case Opcode::text: frames.push_back("text:" + text_of(payload)); break;
            case Opcode::binary: frames.push_back("binary:" + text_of(payload)); break;
            case Opcode::ping: frames.push_back("ping:" + text_of(payload)); break;
            case Opcode::pong: frames.push_back("pong:" + text_of(payload)); break;
            case Opcode::close:
                REQUIRE(payload.size() != 1);
                frames.push_back(payload.empty() ? "close"
                                                 : "close:" + std::to_string(payload[0] << 8 | payload[1]));
                break;
            default: FAIL("unexpected opcode");
        }
        rest = rest.subspan(r.consumed + h.length);
    }
    return frames;
}

struct Transcript {
    std::vector<std::string> events;  // what the handler saw
    std::vector<std::string> sent;    // what the endpoint wrote
    bool operator==(const Transcript&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Transcript& t) {
    os << "events:";
    for (const std::string& e : t.events) os << " [" << e << "]";
    os << " sent:";
    for (const std::string& s : t.sent) os << " [" << s << "]";
    return os;
}

// Feeds `input` in pieces ending at each of `cuts` (a fresh copy each time:
// the server role unmasks in place).
Transcript run(Role role, const Bytes& input, const std::vector<std::size_t>& cuts, EndpointOptions options = {}) {
    Bytes bytes = input;
    Sink sink;
    Recorder recorder(sink);
    Endpoint endpoint(role, options, recorder);
    std::size_t begin = 0;
    for (std::size_t cut : cuts) {
        endpoint.feed(std::span<std::uint8_t>(bytes).subspan(begin, cut - begin));
        begin = cut;
    }
    endpoint.feed(std::span<std::uint8_t>(bytes).subspan(begin));
    return {recorder.events, decode_frames(sink.bytes, role)};
}

// The same transcript whole, split in two at every byte (or at a sample of
// cuts for big inputs), and fed one byte at a time.
void check_every_split(Role role, const Bytes& input, const Transcript& expected, EndpointOptions options = {}) {
    CHECK(run(role, input, {}, options) == expected);
    const std::size_t step = input.size() > 600 ? input.size() / 97 : 1;
    for (std::size_t cut = 0; cut <= input.size(); cut += step) {
        INFO("split at " << cut);
        CHECK(run(role, input, {cut}, options) == expected);
    }
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < input.size(); ++i) every.push_back(i);
    INFO("one byte at a time");
    CHECK(run(role, input, every, options) == expected);
}

}  // namespace

TEST_CASE("RFC 6455 5.7 examples, received by a client") {
    check_every_split(Role::client, {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}, {{"text:Hello"}, {}});
    check_every_split(Role::client, {0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f}, {{"text:Hello"}, {}});
    // A ping is answered with a pong carrying the same payload (masked, as a client).
    check_every_split(Role::client, {0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}, {{"ping:Hello"}, {"pong:Hello"}});

    const std::string b256(256, 'q');
    check_every_split(Role::client, cat({{0x82, 0x7E, 0x01, 0x00}, bytes_of(b256)}), {{"binary:" + b256}, {}});
    const std::string b64k(65536, 'k');
    check_every_split(Role::client, cat({{0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0}, bytes_of(b64k)}), {{"binary:" + b64k}, {}});
}

TEST_CASE("RFC 6455 5.7 masked examples, received by a server") {
    check_every_split(Role::server, {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}, {{"text:Hello"}, {}});
    // An unsolicited pong is only reported.
    check_every_split(Role::server, {0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}, {{"pong:Hello"}, {}});
    const std::string b64k(65536, 'k');
    check_every_split(Role::server, frame(Opcode::binary, b64k), {{"binary:" + b64k}, {}});
}

TEST_CASE("fragmented messages with control frames in between") {
    const Bytes input = cat({frame(Opcode::text, "Hel", false), frame(Opcode::ping, "p1"),
                             frame(Opcode::continuation, "", false), frame(Opcode::pong, "p2"),
                             frame(Opcode::continuation, "lo"), frame(Opcode::binary, "", false),
                             frame(Opcode::continuation, "\x01\x02", false), frame(Opcode::continuation, "")});
    check_every_split(Role::server, input,
                      {{"ping:p1", "pong:p2", "text:Hello", std::string("binary:\x01\x02")}, {"pong:p1"}});
}

TEST_CASE("UTF-8 sequences may be split across fragments") {
    const Bytes input = cat({frame(Opcode::text, "\xE2\x82", false), frame(Opcode::continuation, "\xAC!")});
    check_every_split(Role::server, input, {{"text:\xE2\x82\xAC!"}, {}});
    check_every_split(Role::server, frame(Opcode::text, ""), {{"text:"}, {}});
}

TEST_CASE("each violation closes with its code, and later bytes are ignored") {
    struct Case {
        const char* name;
        Bytes input;
        std::uint16_t code;
        Role role = Role::server;
        std::vector<std::string> delivered_first = {};
    };
    const Bytes long_length = {0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4};
    const std::vector<Case> cases = {
        {"unmasked client frame", frame(Opcode::text, "Hello", true, false), 1002},
        {"masked server frame", frame(Opcode::text, "Hello", true, true), 1002, Role::client},
        {"RSV1", frame(Opcode::text, "x", true, true, 4), 1002},
        {"RSV2", frame(Opcode::binary, "x", true, true, 2), 1002},
        {"RSV3 on a ping", frame(Opcode::ping, "x", true, true, 1), 1002},
        {"opcode 3", frame(Opcode{3}, "x"), 1002},
        {"opcode 7", frame(Opcode{7}, "x"), 1002},
        {"opcode 0xB", frame(Opcode{0xB}, "x"), 1002},
        {"opcode 0xF", frame(Opcode{0xF}, ""), 1002},
        {"ping of 126 bytes", frame(Opcode::ping, std::string(126, 'p')), 1002},
        {"fragmented ping", frame(Opcode::ping, "x", false), 1002},
        {"fragmented close", frame(Opcode::close, "", false), 1002},
        {"continuation first", frame(Opcode::continuation, "x"), 1002},
        {"continuation after a finished message", cat({frame(Opcode::text, "a"), frame(Opcode::continuation, "b")}), 1002,
         Role::server, {"text:a"}},
        {"text inside a fragmented text", cat({frame(Opcode::text, "a", false), frame(Opcode::text, "b")}), 1002},
        {"binary inside a fragmented text", cat({frame(Opcode::text, "a", false), frame(Opcode::binary, "b")}), 1002},
        {"64-bit length with its top bit set", long_length, 1002},
        {"invalid UTF-8", frame(Opcode::text, "ab\xFF" "cd"), 1007},
        {"surrogate in text", frame(Opcode::text, "\xED\xA0\x80"), 1007},
        {"invalid UTF-8 in a continuation", cat({frame(Opcode::text, "ok", false), frame(Opcode::continuation, "\xC0\x80")}), 1007},
        {"text ending inside a sequence", cat({frame(Opcode::text, "a", false), frame(Opcode::continuation, "\xE2\x82")}), 1007},
        {"close with 1 byte", frame(Opcode::close, "\x03"), 1002},
        {"close code 999", close_frame(999), 1002},
        {"close code 1004", close_frame(1004), 1002},
        {"close code 1005", close_frame(1005), 1002},
        {"close code 1006", close_frame(1006), 1002},
        {"close code 1015", close_frame(1015), 1002},
        {"close code 2999", close_frame(2999), 1002},
        {"close code 5000", close_frame(5000), 1002},
        {"close reason not UTF-8", close_frame(1000, "bad \xFF"), 1007},
    };
    for (const Case& c : cases) {
        INFO(c.name);
        const bool server = c.role == Role::server;
        // Whatever follows a violation must change nothing.
        const Bytes input = cat({c.input, frame(Opcode::text, "after", true, server), frame(Opcode::ping, "p", true, server)});
        const std::string code = std::to_string(c.code);
        std::vector<std::string> events = c.delivered_first;
        events.push_back("closed " + code + " unclean");
        check_every_split(c.role, input, {events, {"close:" + code}});
    }
}

TEST_CASE("a message over max_message is refused as soon as a header announces it") {
    EndpointOptions options;
    options.max_message = 16;
    check_every_split(Role::server, frame(Opcode::binary, std::string(16, 'b')), {{"binary:" + std::string(16, 'b')}, {}}, options);
    check_every_split(Role::server, frame(Opcode::binary, std::string(17, 'b')), {{"closed 1009 unclean"}, {"close:1009"}}, options);
    const Bytes fragments = cat({frame(Opcode::text, std::string(10, 't'), false), frame(Opcode::continuation, std::string(7, 't'))});
    check_every_split(Role::server, fragments, {{"closed 1009 unclean"}, {"close:1009"}}, options);
    // Only the header of the oversized frame: no payload needs to arrive.
    Bytes header = frame(Opcode::binary, std::string(1000, 'b'));
    header.resize(8);
    CHECK(run(Role::server, header, {}, options) == Transcript{{"closed 1009 unclean"}, {"close:1009"}});
    // Control frames do not count toward the message size.
    const Bytes with_ping = cat({frame(Opcode::text, std::string(10, 't'), false), frame(Opcode::ping, std::string(100, 'p')),
                                 frame(Opcode::continuation, std::string(6, 't'))});
    check_every_split(Role::server, with_ping, {{"ping:" + std::string(100, 'p'), "text:" + std::string(16, 't')},
                                                {"pong:" + std::string(100, 'p')}}, options);
}

TEST_CASE("invalid UTF-8 is refused at the bad byte, before the frame ends") {
    Bytes input = frame(Opcode::text, "ab\xFF" "cdefgh");
    input.resize(6 + 3);  // header and "ab\xFF" only
    CHECK(run(Role::server, input, {}) == Transcript{{"closed 1007 unclean"}, {"close:1007"}});
    Bytes fine = frame(Opcode::text, "abc\xE2" "defgh");
    fine.resize(6 + 4);  // an unfinished sequence is not yet an error
    CHECK(run(Role::server, fine, {}) == Transcript{{}, {}});
}

TEST_CASE("the peer's close is answered with its code") {
    check_every_split(Role::server, close_frame(1000, "bye"), {{"closed 1000 clean"}, {"close:1000"}});
    check_every_split(Role::server, close_frame(4321), {{"closed 4321 clean"}, {"close:4321"}});
    check_every_split(Role::server, frame(Opcode::close, ""), {{"closed 1005 clean"}, {"close"}});
    check_every_split(Role::client, close_frame(1001, "", false), {{"closed 1001 clean"}, {"close:1001"}});

    Sink sink;
    Recorder recorder(sink);
    Endpoint server(Role::server, {}, recorder);
    Bytes input = cat({close_frame(1000, "bye"), frame(Opcode::text, "late")});
    server.feed(input);
    CHECK(sink.bytes == Bytes{0x88, 0x02, 0x03, 0xe8});  // code echoed, no reason
    CHECK(recorder.close_reason == "bye");
    CHECK(server.state() == Endpoint::State::closed);
    CHECK_FALSE(server.can_send());
    // Nothing can be sent any more.
    server.send_text("x");
    server.ping();
    server.close(1000);
    CHECK(sink.bytes.size() == 4);
    CHECK(recorder.events == std::vector<std::string>{"closed 1000 clean"});

    Sink empty_sink;
    Recorder empty_recorder(empty_sink);
    Endpoint empty(Role::server, {}, empty_recorder);
    Bytes empty_close = frame(Opcode::close, "");
    empty.feed(empty_close);
    CHECK(empty_sink.bytes == Bytes{0x88, 0x00});
}

TEST_CASE("our close: data is ignored until the peer's close finishes it") {
    const Bytes input = cat({frame(Opcode::text, "ignored"), frame(Opcode::ping, "no pong"),
                             frame(Opcode::binary, "frag", false), frame(Opcode::continuation, "ment"),
                             close_frame(1000, "ok"), frame(Opcode::text, "after")});
    auto run_after_close = [&](const std::vector<std::size_t>& cuts) {
        Bytes bytes = input;
        Sink sink;
        Recorder recorder(sink);
        Endpoint endpoint(Role::server, {}, recorder);
        endpoint.close(close_code::going_away, "shutdown");
        CHECK(endpoint.state() == Endpoint::State::closing);
        CHECK_FALSE(endpoint.can_send());
        const Bytes expected_close = cat({{0x88, 0x0a, 0x03, 0xe9}, bytes_of("shutdown")});
        CHECK(sink.bytes == expected_close);
        endpoint.send_text("dropped");
        endpoint.close(close_code::normal);  // a second close is not sent
        std::size_t begin = 0;
        for (std::size_t cut : cuts) {
            endpoint.feed(std::span<std::uint8_t>(bytes).subspan(begin, cut - begin));
            begin = cut;
        }
        endpoint.feed(std::span<std::uint8_t>(bytes).subspan(begin));
        CHECK(sink.bytes == expected_close);
        CHECK(endpoint.state() == Endpoint::State::closed);
        CHECK(recorder.events == std::vector<std::string>{"closed 1001 clean"});
        CHECK(recorder.close_reason == "shutdown");
    };
    run_after_close({});
    for (std::size_t cut = 0; cut <= input.size(); ++cut) run_after_close({cut});

    // A violation while closing ends it without a second close frame.
    Sink sink;
    Recorder recorder(sink);
    Endpoint endpoint(Role::server, {}, recorder);
    endpoint.close(close_code::normal);
    const std::size_t sent = sink.bytes.size();
    Bytes bad = frame(Opcode::text, "x", true, false);
    endpoint.feed(bad);
    CHECK(sink.bytes.size() == sent);
    CHECK(recorder.events == std::vector<std::string>{"closed 1002 unclean"});
}

TEST_CASE("close reasons are cut at a character boundary") {
    Sink sink;
    Recorder recorder(sink);
    Endpoint endpoint(Role::server, {}, recorder);
    std::string reason;
    for (int i = 0; i < 100; ++i) reason += "\xC3\xA9";  // 200 bytes of 'é'
    endpoint.close(close_code::normal, reason);
    REQUIRE(sink.bytes.size() == 2 + 2 + 122);
    CHECK(sink.bytes[1] == 124);
    CHECK(std::string(sink.bytes.begin() + 4, sink.bytes.end()) == reason.substr(0, 122));
}

TEST_CASE("sending: server frames are unmasked, arguments are checked") {
    Sink sink;
    Recorder recorder(sink);
    Endpoint server(Role::server, {}, recorder);
    server.send_text("Hello");
    CHECK(sink.bytes == Bytes{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
    sink.bytes.clear();
    const Bytes big(256, 0xAB);
    server.send(Opcode::binary, big);
    CHECK(sink.bytes == cat({{0x82, 0x7E, 0x01, 0x00}, big}));
    sink.bytes.clear();
    const Bytes hi = bytes_of("hi");
    server.ping(hi);
    CHECK(sink.bytes == Bytes{0x89, 0x02, 'h', 'i'});
    CHECK_THROWS_AS(server.send(Opcode::ping, hi), std::invalid_argument);
    CHECK_THROWS_AS(server.send(Opcode::continuation, hi), std::invalid_argument);
    CHECK_THROWS_AS(server.ping(Bytes(126, 0)), std::invalid_argument);
    CHECK_THROWS_AS(server.close(close_code::no_status), std::invalid_argument);
    CHECK_THROWS_AS(server.close(1006), std::invalid_argument);
    CHECK(server.state() == Endpoint::State::open);
}

TEST_CASE("sending: client frames are masked with fresh keys") {
    Sink sink;
    Recorder recorder(sink);
    Endpoint client(Role::client, {}, recorder);
    std::string big;
    for (int i = 0; i < 10000; ++i) big += char('a' + i % 26);  // spans several mask chunks
    client.send_text("one");
    client.send_text("one");
    client.send_text("one");
    client.send(Opcode::binary, bytes_of(big));
    client.ping();
    CHECK(decode_frames(sink.bytes, Role::client) ==
          std::vector<std::string>{"text:one", "text:one", "text:one", "binary:" + big, "ping:"});
    // The three identical messages were masked with keys that are not all equal.
    const Bytes first(sink.bytes.begin() + 2, sink.bytes.begin() + 9);
    const Bytes second(sink.bytes.begin() + 11, sink.bytes.begin() + 18);
    const Bytes third(sink.bytes.begin() + 20, sink.bytes.begin() + 27);
    CHECK_FALSE((first == second && second == third));
}

TEST_CASE("a whole frame is delivered from the fed bytes without a copy") {
    Sink sink;
    Recorder recorder(sink);
    Endpoint server(Role::server, {}, recorder);
    Bytes input = frame(Opcode::text, "zero copy");
    server.feed(input);
    REQUIRE(recorder.events == std::vector<std::string>{"text:zero copy"});
    CHECK(recorder.last_message_data == input.data() + 6);
    // Unmasked in place: the caller's buffer now holds the plain text.
    CHECK(std::string(input.begin() + 6, input.end()) == "zero copy");
}

TEST_CASE("a client and a server talk through in-memory sinks") {
    struct Echo : EndpointHandler {
        explicit Echo(Sink& out) : sink(out) {}
        Sink& sink;
        void write(std::span<const std::uint8_t> data) override { sink.write(data); }
        Endpoint* endpoint = nullptr;
        std::vector<std::string> events;
        void on_message(Opcode op, std::span<const std::uint8_t> payload) override {
            events.push_back("message of " + std::to_string(payload.size()));
            endpoint->send(op, payload);
        }
        void on_closed(std::uint16_t code, std::string_view reason, bool clean) override {
            events.push_back("closed " + std::to_string(code) + " " + std::string(reason) + (clean ? " clean" : " unclean"));
        }
    };
    Sink to_server, to_client;
    Echo server_handler(to_client);
    Recorder client_handler(to_server);
    Endpoint server(Role::server, {}, server_handler);
    Endpoint client(Role::client, {}, client_handler);
    server_handler.endpoint = &server;
    auto pump = [&] {
        while (!to_server.bytes.empty() || !to_client.bytes.empty()) {
            Bytes a = std::move(to_server.bytes);
            to_server.bytes.clear();
            server.feed(a);
            Bytes b = std::move(to_client.bytes);
            to_client.bytes.clear();
            client.feed(b);
        }
    };
    std::string big(100000, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = char(i * 7);
    client.send_text("hi \xF0\x9F\x91\x8B");
    client.send(Opcode::binary, bytes_of(big));
    client.ping(bytes_of("are you there"));
    pump();
    CHECK(client_handler.events ==
          std::vector<std::string>{"text:hi \xF0\x9F\x91\x8B", "binary:" + big, "pong:are you there"});
    client.close(close_code::normal, "done");
    pump();
    CHECK(server_handler.events ==
          std::vector<std::string>{"message of 7", "message of 100000", "closed 1000 done clean"});
    CHECK(client_handler.events.back() == "closed 1000 clean");
    CHECK(client_handler.close_reason == "done");
    CHECK(server.state() == Endpoint::State::closed);
    CHECK(client.state() == Endpoint::State::closed);
}
