// apply_mask against the byte-at-a-time definition of RFC 6455 5.3, for every
// length and alignment around the 8-byte word size, and in pieces; long
// payloads with each vector width this CPU has, at every cache-line alignment.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "ws/mask.h"

using wirechat::ws::apply_mask;
using wirechat::ws::MaskWidth;

namespace {

std::vector<std::uint8_t> pattern_bytes(std::size_t n) {
    std::vector<std::uint8_t> bytes(n);
    for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<std::uint8_t>(i * 37 + 11);
    return bytes;
}

const std::uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};

// What RFC 6455 5.3 says: payload byte i is XORed with key[i % 4].
std::vector<std::uint8_t> masked_by_definition(std::vector<std::uint8_t> bytes, std::size_t offset) {
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] ^= key[(offset + i) % 4];
    return bytes;
}

}  // namespace

TEST_CASE("apply_mask matches the RFC definition for every length, offset and alignment") {
    for (std::size_t n = 0; n <= 40; ++n) {
        for (std::size_t offset = 0; offset < 8; ++offset) {
            for (std::size_t align = 0; align < 8; ++align) {
                std::vector<std::uint8_t> storage = pattern_bytes(n + align);
                const std::vector<std::uint8_t> expected =
                    masked_by_definition({storage.begin() + std::ptrdiff_t(align), storage.end()}, offset);
                apply_mask(storage.data() + align, n, key, offset);
                REQUIRE(std::vector<std::uint8_t>(storage.begin() + align, storage.end()) == expected);
            }
        }
    }
}

TEST_CASE("long payloads: every vector width the CPU has, every cache-line alignment and key offset") {
    for (MaskWidth width : {MaskWidth::bytes16, MaskWidth::bytes32, MaskWidth::bytes64}) {
        if (!wirechat::ws::cpu_has(width)) continue;
        CAPTURE(int(width));
        for (std::size_t n : {255, 256, 257, 319, 320, 1000, 16384}) {
            for (std::size_t offset = 0; offset < 4; ++offset) {
                for (std::size_t align = 0; align < 64; ++align) {
                    // alignas so that `align` is the distance past a cache line.
                    alignas(64) static std::uint8_t storage[64 + 16384 + 64];
                    const std::vector<std::uint8_t> original = pattern_bytes(align + n + 64);
                    std::copy(original.begin(), original.end(), storage);
                    apply_mask(storage + align, n, key, offset, width);
                    // Masked from align to align + n, and not one byte around that.
                    std::vector<std::uint8_t> expected = original;
                    const std::vector<std::uint8_t> masked = masked_by_definition(
                        {original.begin() + std::ptrdiff_t(align), original.begin() + std::ptrdiff_t(align + n)}, offset);
                    std::copy(masked.begin(), masked.end(), expected.begin() + std::ptrdiff_t(align));
                    REQUIRE(std::vector<std::uint8_t>(storage, storage + original.size()) == expected);
                }
            }
        }
    }
}

TEST_CASE("apply_mask in pieces equals one pass, and a second pass restores the data") {
    const std::vector<std::uint8_t> original = pattern_bytes(100);
    std::vector<std::uint8_t> whole = original;
    apply_mask(whole.data(), whole.size(), key, 0);
    REQUIRE(whole != original);
    for (std::size_t cut1 = 0; cut1 <= 100; cut1 += 7) {
        for (std::size_t cut2 = cut1; cut2 <= 100; cut2 += 13) {
            std::vector<std::uint8_t> pieces = original;
            apply_mask(pieces.data(), cut1, key, 0);
            apply_mask(pieces.data() + cut1, cut2 - cut1, key, cut1);
            apply_mask(pieces.data() + cut2, 100 - cut2, key, cut2);
            REQUIRE(pieces == whole);
        }
    }
    apply_mask(whole.data(), whole.size(), key, 0);
    REQUIRE(whole == original);
}

TEST_CASE("apply_mask reproduces the RFC 6455 5.7 masked \"Hello\"") {
    std::uint8_t hello[] = {'H', 'e', 'l', 'l', 'o'};
    apply_mask(hello, sizeof hello, key, 0);
    const std::uint8_t expected[] = {0x7f, 0x9f, 0x4d, 0x51, 0x58};
    REQUIRE(std::vector<std::uint8_t>(hello, hello + 5) == std::vector<std::uint8_t>(expected, expected + 5));
}
