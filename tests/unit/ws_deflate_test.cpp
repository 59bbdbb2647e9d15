// The permessage-deflate codec on its own: the RFC 7692 7.2.3 examples byte
// for byte, context takeover on and off, every window size, the choice to
// leave a message uncompressed, and inflation stopped at the limit.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "ws/deflate.h"

using namespace wirechat::ws;
using Bytes = std::vector<std::uint8_t>;

namespace {

std::span<const std::uint8_t> span_of(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
std::string text_of(const Bytes& b) { return std::string(b.begin(), b.end()); }
Bytes copy(std::span<const std::uint8_t> s) { return Bytes(s.begin(), s.end()); }

// A whole message through an Inflater: its compressed bytes, then the end.
std::string inflate_message(Inflater& inflater, const Bytes& compressed, std::size_t limit = 1 << 20) {
    Bytes out;
    REQUIRE(inflater.inflate(compressed, out, limit) == Inflater::Status::ok);
    REQUIRE(inflater.finish_message(out, limit) == Inflater::Status::ok);
    return text_of(out);
}

// Text with repeats but no long runs, like chat traffic.
std::string sample_text(std::size_t size) {
    std::string s;
    const char* words[] = {"hello ", "wirechat ", "room ", "message ", "deflate ", "window ", "bits "};
    std::uint32_t x = 12345;
    while (s.size() < size) {
        x = x * 1103515245 + 12345;
        s += words[(x >> 16) % 7];
    }
    s.resize(size);
    return s;
}

// Bytes zlib cannot shrink.
Bytes noise(std::size_t size) {
    Bytes b(size);
    std::uint32_t x = 99;
    for (auto& byte : b) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        byte = static_cast<std::uint8_t>(x);
    }
    return b;
}

}  // namespace

TEST_CASE("RFC 7692 7.2.3.1: \"Hello\" compresses to f2 48 cd c9 c9 07 00") {
    Deflater deflater(15, 8, false);
    CHECK(copy(deflater.compress(span_of("Hello"))) == Bytes{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00});
    Inflater inflater(15, false);
    CHECK(inflate_message(inflater, {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}) == "Hello");
}

TEST_CASE("RFC 7692 7.2.3.2: with context takeover the second \"Hello\" refers to the first") {
    Deflater keeping(15, 8, true);
    CHECK(copy(keeping.compress(span_of("Hello"))) == Bytes{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00});
    CHECK(copy(keeping.compress(span_of("Hello"))) == Bytes{0xf2, 0x00, 0x11, 0x00, 0x00});
    Inflater inflater(15, true);
    CHECK(inflate_message(inflater, {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}) == "Hello");
    CHECK(inflate_message(inflater, {0xf2, 0x00, 0x11, 0x00, 0x00}) == "Hello");

    // Without it, every message stands alone, on both sides.
    Deflater fresh(15, 8, false);
    fresh.compress(span_of("Hello"));
    CHECK(copy(fresh.compress(span_of("Hello"))) == Bytes{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00});
    Inflater forgetting(15, false);
    CHECK(inflate_message(forgetting, {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}) == "Hello");
    Bytes out;
    Inflater::Status status = forgetting.inflate(Bytes{0xf2, 0x00, 0x11, 0x00, 0x00}, out, 1 << 20);
    if (status == Inflater::Status::ok) status = forgetting.finish_message(out, 1 << 20);
    CHECK(status == Inflater::Status::corrupt);
}

TEST_CASE("RFC 7692 7.2.3.3 to 7.2.3.6: stored blocks, BFINAL, two blocks, an empty message") {
    Inflater stored(15, true);
    CHECK(inflate_message(stored, {0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00}) ==
          "Hello");
    Inflater final_block(15, true);
    CHECK(inflate_message(final_block, {0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}) == "Hello");
    // The stream that ended with BFINAL is replaced: the next message inflates.
    CHECK(inflate_message(final_block, {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}) == "Hello");
    Inflater two_blocks(15, true);
    CHECK(inflate_message(two_blocks,
                          {0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00}) ==
          "Hello");
    Inflater empty(15, true);
    CHECK(inflate_message(empty, {0x00}).empty());
    CHECK(inflate_message(empty, {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}) == "Hello");
}

TEST_CASE("an empty message compresses to 00, with or without context") {
    Deflater fresh(15, 8, false);
    CHECK(copy(fresh.compress({})) == Bytes{0x00});
    Deflater keeping(15, 8, true);
    keeping.compress(span_of("Hello"));
    CHECK(copy(keeping.compress({})) == Bytes{0x00});
    Inflater inflater(15, true);
    CHECK(inflate_message(inflater, {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}) == "Hello");
    CHECK(inflate_message(inflater, {0x00}).empty());
}

TEST_CASE("compressed bytes may arrive one at a time") {
    const std::string text = sample_text(5000);
    Deflater deflater(15, 8, false);
    const Bytes compressed = copy(deflater.compress(span_of(text)));
    Inflater inflater(15, false);
    Bytes out;
    for (std::uint8_t byte : compressed)
        REQUIRE(inflater.inflate(Bytes{byte}, out, 1 << 20) == Inflater::Status::ok);
    REQUIRE(inflater.finish_message(out, 1 << 20) == Inflater::Status::ok);
    CHECK(text_of(out) == text);
}

TEST_CASE("every window size round-trips, and window 8 stays within 256 bytes") {
    // A 300-byte block repeated: a compressor allowed 512 bytes of history
    // could point 300 bytes back, which a 256-byte window cannot follow.
    Bytes block = noise(300);
    Bytes repeated;
    for (int i = 0; i < 8; ++i) repeated.insert(repeated.end(), block.begin(), block.end());
    const std::string text = sample_text(40000);
    for (int bits = 8; bits <= 15; ++bits) {
        INFO("window bits " << bits);
        for (bool keep : {false, true}) {
            Deflater deflater(bits, 8, keep);
            Inflater inflater(bits, keep);
            for (int round = 0; round < 2; ++round) {
                CHECK(inflate_message(inflater, copy(deflater.compress(span_of(text)))) == text);
                CHECK(inflate_message(inflater, copy(deflater.compress(repeated))) == text_of(repeated));
            }
        }
    }
}

TEST_CASE("context takeover makes a repeated message smaller") {
    const std::string text = sample_text(400);
    Deflater keeping(15, 8, true);
    Deflater fresh(15, 8, false);
    const std::size_t first = keeping.compress(span_of(text)).size();
    CHECK(keeping.compress(span_of(text)).size() < first / 4);
    CHECK(fresh.compress(span_of(text)).size() == fresh.compress(span_of(text)).size());
}

TEST_CASE("compress_if_smaller leaves tiny and incompressible messages alone") {
    Deflater fresh(15, 8, false);
    CHECK_FALSE(fresh.compress_if_smaller(span_of(sample_text(min_compressed_message - 1))));
    CHECK_FALSE(fresh.compress_if_smaller(noise(1000)));
    auto compressed = fresh.compress_if_smaller(span_of(sample_text(1000)));
    REQUIRE(compressed);
    CHECK(compressed->size() < 1000);

    // With context the peer must see every message this compressor saw, so
    // once compressed a message is sent compressed even if it grew.
    Deflater keeping(15, 8, true);
    auto grown = keeping.compress_if_smaller(noise(1000));
    REQUIRE(grown);
    CHECK(grown->size() >= 1000);
    CHECK_FALSE(keeping.compress_if_smaller(span_of("tiny")));
}

TEST_CASE("a zip bomb is stopped at the limit while it inflates") {
    const Bytes zeros(8 * 1024 * 1024, 0);
    Deflater deflater(15, 8, false);
    const Bytes bomb = copy(deflater.compress(zeros));
    REQUIRE(bomb.size() < 10 * 1024);
    const std::size_t limit = 64 * 1024;

    // A tenth of the compressed bytes already inflates past the limit; the
    // output never holds more than limit + 1 bytes.
    Inflater inflater(15, false);
    Bytes out;
    const std::span<const std::uint8_t> first_tenth(bomb.data(), bomb.size() / 10);
    CHECK(inflater.inflate(first_tenth, out, limit) == Inflater::Status::too_big);
    CHECK(out.size() == limit + 1);
    CHECK(out.capacity() <= 2 * (limit + 1));

    // Exactly at the limit is allowed.
    Inflater exact(15, false);
    Bytes at_limit;
    const Bytes limit_zeros(limit, 0);
    const Bytes fits = copy(deflater.compress(limit_zeros));
    CHECK(exact.inflate(fits, at_limit, limit) == Inflater::Status::ok);
    CHECK(exact.finish_message(at_limit, limit) == Inflater::Status::ok);
    CHECK(at_limit.size() == limit);
}

TEST_CASE("bytes that are not DEFLATE are reported corrupt") {
    Inflater inflater(15, true);
    Bytes out;
    // BTYPE 11 is reserved.
    CHECK(inflater.inflate(Bytes{0xff, 0xff, 0xff}, out, 1024) == Inflater::Status::corrupt);
    // A distance before the start of the history.
    Inflater fresh(15, false);
    CHECK(fresh.inflate(Bytes{0xf2, 0x00, 0x11, 0x00, 0x00}, out, 1024) == Inflater::Status::corrupt);
}

TEST_CASE("window bits outside 8-15 are refused") {
    CHECK_THROWS_AS(Deflater(7, 8, false), std::invalid_argument);
    CHECK_THROWS_AS(Deflater(16, 8, false), std::invalid_argument);
    CHECK_THROWS_AS(Deflater(15, 0, false), std::invalid_argument);
    CHECK_THROWS_AS(Inflater(16, false), std::invalid_argument);
    SharedDeflaters shared;
    CHECK_THROWS_AS(shared.for_window_bits(7), std::invalid_argument);
}

TEST_CASE("shared deflaters: one per window size, created once") {
    SharedDeflaters shared;
    Deflater& a = shared.for_window_bits(15);
    CHECK(&shared.for_window_bits(15) == &a);
    CHECK(&shared.for_window_bits(10) != &a);
    CHECK_FALSE(a.keeps_context());
}
