// Inputs the fuzz targets (fuzz/) found to be mishandled, each kept as a
// test so the fix stays. The crashing inputs themselves are in
// fuzz/corpus/<target>/ and replayed by every CI run.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <cstdint>
#include <vector>

#include "ws/close_code.h"
#include "ws/deflate.h"
#include "ws/endpoint.h"
#include "ws_test_frames.h"

using namespace wirechat::ws;
using Bytes = std::vector<std::uint8_t>;

namespace {

// What a client's compressor sends for `message`: raw DEFLATE, flushed, with
// the 00 00 ff ff tail removed (RFC 7692 7.2.1). Made with zlib directly, not
// with ws::Deflater, so the test does not depend on the code it checks.
Bytes deflate_message(const Bytes& message) {
    z_stream z{};
    REQUIRE(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    Bytes out(message.size() + 64);
    z.next_in = const_cast<Bytes::value_type*>(message.data());
    z.avail_in = static_cast<uInt>(message.size());
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&z, Z_SYNC_FLUSH) == Z_OK);
    out.resize(out.size() - z.avail_out);
    deflateEnd(&z);
    REQUIRE(out.size() >= 4);
    out.resize(out.size() - 4);
    return out;
}

Bytes compressed_client_frame(Opcode op, const Bytes& payload) {
    return ws_test::wire_frame(op, payload, true, rsv_compressed);
}

struct Closes : EndpointHandler {
    std::vector<std::uint16_t> codes;
    void on_message(Opcode, std::span<const std::uint8_t>) override {}
    void on_closed(std::uint16_t code, std::string_view, bool) override { codes.push_back(code); }
    void write(std::span<const std::uint8_t>) override {}
};

// The close code a server endpoint (max_message 16, compression agreed)
// answers `wire` with, fed in pieces of `piece` bytes.
std::uint16_t close_code_for(Bytes wire, std::size_t piece) {
    Deflater deflater(15, 8, false);
    Closes closes;
    Endpoint endpoint(Role::server, EndpointOptions{.max_message = 16}, closes,
                      EndpointCompression{&deflater, 15, true});
    for (std::size_t pos = 0; pos < wire.size(); pos += piece)
        endpoint.feed(std::span(wire).subspan(pos, std::min(piece, wire.size() - pos)));
    REQUIRE(closes.codes.size() == 1);
    return closes.codes[0];
}

}  // namespace

// fuzz_ws_frames: a compressed text message that is bad UTF-8 early and also
// inflates past max_message closed with 1007 when it arrived in pieces but
// 1009 when it arrived at once. The first violation in the message wins.
TEST_CASE("compressed text: bad UTF-8 before the size limit is 1007 however it is split") {
    Bytes text = {'o', 'k', 0xff};  // 0xff is never UTF-8
    text.resize(200, 'a');          // and far past max_message once inflated
    const Bytes wire = compressed_client_frame(Opcode::text, deflate_message(text));
    CHECK(close_code_for(wire, wire.size()) == close_code::invalid_payload);
    CHECK(close_code_for(wire, 1) == close_code::invalid_payload);
    CHECK(close_code_for(wire, 5) == close_code::invalid_payload);
}

TEST_CASE("compressed text: valid UTF-8 that inflates past the limit is still 1009") {
    const Bytes text(200, 'a');
    const Bytes wire = compressed_client_frame(Opcode::text, deflate_message(text));
    CHECK(close_code_for(wire, wire.size()) == close_code::too_big);
    CHECK(close_code_for(wire, 1) == close_code::too_big);
}

// Bad UTF-8 beyond the limit is not looked at: the size is the violation.
TEST_CASE("compressed text: bad UTF-8 only after the limit is 1009") {
    Bytes text(100, 'a');
    text[40] = 0xff;
    const Bytes wire = compressed_client_frame(Opcode::text, deflate_message(text));
    CHECK(close_code_for(wire, wire.size()) == close_code::too_big);
    CHECK(close_code_for(wire, 3) == close_code::too_big);
}
