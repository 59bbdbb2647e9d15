// Frame headers: the writer's minimal length forms, the parser on the RFC 6455
// 5.7 examples split at every byte, and writer -> parser round trips.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "ws/frame.h"
#include "ws/frame_parser.h"
#include "ws/frame_writer.h"

using namespace wirechat::ws;
using Bytes = std::vector<std::uint8_t>;

namespace {

Bytes header_bytes(bool fin, Opcode op, std::uint64_t length, const std::uint8_t* key, std::uint8_t rsv = 0) {
    std::uint8_t out[14];
    const std::size_t n = write_frame_header(out, fin, op, length, key, rsv);
    return Bytes(out, out + n);
}

// Parses `bytes` split into two pieces at `cut`; requires the header to end
// exactly at `header_size` and returns it.
FrameHeader parse_split(const Bytes& bytes, std::size_t cut, std::size_t header_size) {
    FrameParser parser;
    const std::span<const std::uint8_t> all(bytes);
    const FrameParser::Result first = parser.parse(all.first(cut));
    if (cut < header_size) {
        REQUIRE(first.status == FrameParser::Status::incomplete);
        REQUIRE(first.consumed == cut);
        const FrameParser::Result second = parser.parse(all.subspan(cut));
        REQUIRE(second.status == FrameParser::Status::complete);
        REQUIRE(second.consumed == header_size - cut);
    } else {
        REQUIRE(first.status == FrameParser::Status::complete);
        REQUIRE(first.consumed == header_size);
    }
    return parser.header();
}

}  // namespace

TEST_CASE("is_control and is_known_opcode") {
    CHECK_FALSE(is_control(Opcode::continuation));
    CHECK_FALSE(is_control(Opcode::text));
    CHECK_FALSE(is_control(Opcode::binary));
    CHECK(is_control(Opcode::close));
    CHECK(is_control(Opcode::ping));
    CHECK(is_control(Opcode::pong));
    for (int op = 0; op < 16; ++op) {
        const bool known = op <= 2 || (op >= 8 && op <= 10);
        CHECK(is_known_opcode(static_cast<Opcode>(op)) == known);
    }
}

TEST_CASE("write_frame_header uses the minimal length form") {
    CHECK(header_bytes(true, Opcode::text, 5, nullptr) == Bytes{0x81, 0x05});
    CHECK(header_bytes(true, Opcode::text, 125, nullptr) == Bytes{0x81, 125});
    CHECK(header_bytes(true, Opcode::binary, 126, nullptr) == Bytes{0x82, 126, 0x00, 126});
    CHECK(header_bytes(true, Opcode::binary, 256, nullptr) == Bytes{0x82, 0x7E, 0x01, 0x00});
    CHECK(header_bytes(true, Opcode::binary, 65535, nullptr) == Bytes{0x82, 0x7E, 0xFF, 0xFF});
    CHECK(header_bytes(true, Opcode::binary, 65536, nullptr) ==
          Bytes{0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00});
    CHECK(header_bytes(false, Opcode::text, 3, nullptr) == Bytes{0x01, 0x03});
    CHECK(header_bytes(true, Opcode::continuation, 2, nullptr) == Bytes{0x80, 0x02});
    CHECK(header_bytes(true, Opcode::text, 0, nullptr, 4) == Bytes{0xC1, 0x00});
    const std::uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
    CHECK(header_bytes(true, Opcode::text, 5, key) == Bytes{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d});
    CHECK(header_bytes(true, Opcode::binary, 0x0102030405060708ULL, key) ==
          Bytes{0x82, 0xFF, 1, 2, 3, 4, 5, 6, 7, 8, 0x37, 0xfa, 0x21, 0x3d});
}

TEST_CASE("append_frame builds whole unmasked frames (RFC 6455 5.7)") {
    std::string out = "x";
    append_frame(out, Opcode::text, "Hello");
    CHECK(out == std::string("x\x81\x05Hello"));
    out.clear();
    append_frame(out, Opcode::text, "Hel", false);
    append_frame(out, Opcode::continuation, "lo");
    CHECK(out == std::string("\x01\x03Hel\x80\x02lo"));
    out.clear();
    const std::string payload(256, 'z');
    append_frame(out, Opcode::binary, payload);
    CHECK(out.substr(0, 4) == std::string("\x82\x7E\x01\x00", 4));
    CHECK(out.substr(4) == payload);
}

TEST_CASE("the parser decodes RFC 6455 5.7 headers at every split") {
    struct Case {
        Bytes bytes;
        std::size_t header_size;
        bool fin;
        Opcode op;
        bool masked;
        std::uint64_t length;
    };
    const std::vector<Case> cases = {
        {{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}, 2, true, Opcode::text, false, 5},
        {{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}, 6, true, Opcode::text, true, 5},
        {{0x01, 0x03, 0x48, 0x65, 0x6c}, 2, false, Opcode::text, false, 3},
        {{0x80, 0x02, 0x6c, 0x6f}, 2, true, Opcode::continuation, false, 2},
        {{0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}, 2, true, Opcode::ping, false, 5},
        {{0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}, 6, true, Opcode::pong, true, 5},
        {{0x82, 0x7E, 0x01, 0x00}, 4, true, Opcode::binary, false, 256},
        {{0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0}, 10, true, Opcode::binary, false, 65536},
        {{0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4}, 14, true, Opcode::binary, true, 65536},
    };
    for (const Case& c : cases) {
        for (std::size_t cut = 0; cut <= c.bytes.size(); ++cut) {
            INFO("case of length " << c.length << " cut at " << cut);
            const FrameHeader h = parse_split(c.bytes, cut, c.header_size);
            CHECK(h.fin == c.fin);
            CHECK(h.opcode == c.op);
            CHECK(h.masked == c.masked);
            CHECK(h.length == c.length);
            CHECK(h.rsv == 0);
        }
    }
}

TEST_CASE("the parser reads the mask key, RSV bits and reserved opcodes") {
    FrameParser parser;
    const Bytes bytes = {0xF3, 0x85, 0x37, 0xfa, 0x21, 0x3d};
    REQUIRE(parser.parse(bytes).status == FrameParser::Status::complete);
    CHECK(parser.header().rsv == 7);
    CHECK(static_cast<int>(parser.header().opcode) == 3);
    CHECK(Bytes(parser.header().mask_key, parser.header().mask_key + 4) == Bytes{0x37, 0xfa, 0x21, 0x3d});
}

TEST_CASE("the parser fed one byte at a time") {
    const Bytes bytes = {0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 9, 8, 7, 6, 0xAA};
    FrameParser parser;
    for (std::size_t i = 0; i < 13; ++i) {
        const FrameParser::Result r = parser.parse(std::span<const std::uint8_t>(&bytes[i], 1));
        REQUIRE(r.status == FrameParser::Status::incomplete);
        REQUIRE(r.consumed == 1);
    }
    const FrameParser::Result last = parser.parse(std::span<const std::uint8_t>(bytes).subspan(13));
    CHECK(last.status == FrameParser::Status::complete);
    CHECK(last.consumed == 1);  // the payload byte after the header is left alone
    CHECK(parser.header().length == 65536);
    CHECK(Bytes(parser.header().mask_key, parser.header().mask_key + 4) == Bytes{9, 8, 7, 6});
    // Complete means complete: nothing more is taken until reset().
    CHECK(parser.parse(std::span<const std::uint8_t>(bytes).subspan(14)).consumed == 0);
    parser.reset();
    const Bytes next = {0x8A, 0x00};
    CHECK(parser.parse(next).status == FrameParser::Status::complete);
    CHECK(parser.header().opcode == Opcode::pong);
    CHECK_FALSE(parser.header().masked);
    CHECK(parser.header().length == 0);
}

TEST_CASE("a 64-bit length with its top bit set is invalid") {
    const Bytes bytes = {0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0};
    for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
        FrameParser parser;
        const std::span<const std::uint8_t> all(bytes);
        parser.parse(all.first(cut));
        const FrameParser::Result r = parser.parse(all.subspan(cut));
        CHECK(r.status == FrameParser::Status::invalid_length);
        CHECK(parser.parse(all).status == FrameParser::Status::invalid_length);
    }
}

TEST_CASE("non-minimal length forms are accepted when parsing") {
    FrameParser parser;
    const Bytes short16 = {0x81, 0x7E, 0x00, 0x05};
    REQUIRE(parser.parse(short16).status == FrameParser::Status::complete);
    CHECK(parser.header().length == 5);
    parser.reset();
    const Bytes short64 = {0x81, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0x05};
    REQUIRE(parser.parse(short64).status == FrameParser::Status::complete);
    CHECK(parser.header().length == 5);
}

TEST_CASE("writer -> parser round trip") {
    const std::uint8_t key[4] = {1, 2, 3, 4};
    const std::uint64_t lengths[] = {0, 1, 125, 126, 127, 65535, 65536, 0x7FFFFFFFFFFFFFFFULL};
    const Opcode ops[] = {Opcode::continuation, Opcode::text, Opcode::binary, Opcode::close, Opcode::ping, Opcode::pong};
    for (std::uint64_t length : lengths)
        for (Opcode op : ops)
            for (bool fin : {false, true})
                for (bool masked : {false, true})
                    for (std::uint8_t rsv : {0, 1, 2, 4, 7}) {
                        const Bytes bytes = header_bytes(fin, op, length, masked ? key : nullptr, rsv);
                        FrameParser parser;
                        const FrameParser::Result r = parser.parse(bytes);
                        REQUIRE(r.status == FrameParser::Status::complete);
                        REQUIRE(r.consumed == bytes.size());
                        const FrameHeader& h = parser.header();
                        CHECK(h.fin == fin);
                        CHECK(h.opcode == op);
                        CHECK(h.length == length);
                        CHECK(h.masked == masked);
                        CHECK(h.rsv == rsv);
                        if (masked) CHECK(Bytes(h.mask_key, h.mask_key + 4) == Bytes{1, 2, 3, 4});
                    }
}
