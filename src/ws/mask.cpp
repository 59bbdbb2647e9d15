// Masking runs over every byte a client sends, so it works 16 bytes at a time
// (a GCC/Clang vector type: one SSE2 XOR on x86-64, NEON on ARM), then a
// machine word, then bytes. memcpy to and from a local is how C++ spells an
// unaligned load or store without undefined behaviour; compilers turn it
// into one instruction.
#include "ws/mask.h"

#include <cstring>

namespace wirechat::ws {

namespace {

using Block = std::uint64_t __attribute__((vector_size(16)));

}  // namespace

void apply_mask(std::uint8_t* data, std::size_t n, const std::uint8_t key[4], std::size_t key_offset) {
    // The key rotated to start at data[0], repeated to fill a 64-bit word.
    // Because it repeats every 4 bytes, pattern[i % 8] is the key byte for
    // data[i] for every i, which the tail loop relies on.
    std::uint8_t pattern[8];
    for (std::size_t i = 0; i < 8; ++i) pattern[i] = key[(key_offset + i) & 3];
    std::uint64_t pattern_word;
    std::memcpy(&pattern_word, pattern, sizeof pattern_word);
    const Block pattern_block = {pattern_word, pattern_word};

    std::size_t i = 0;
    for (; i + sizeof(Block) <= n; i += sizeof(Block)) {
        Block block;
        std::memcpy(&block, data + i, sizeof block);
        block ^= pattern_block;
        std::memcpy(data + i, &block, sizeof block);
    }
    for (; i + 8 <= n; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, data + i, sizeof word);
        word ^= pattern_word;
        std::memcpy(data + i, &word, sizeof word);
    }
    for (; i < n; ++i) data[i] ^= pattern[i & 7];
}

}  // namespace wirechat::ws
