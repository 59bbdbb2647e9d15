// Masking runs over every byte a client sends, so it works a machine word at a
// time. memcpy to and from a local word is how C++ spells an unaligned load or
// store without undefined behaviour; compilers turn it into one instruction.
#include "ws/mask.h"

#include <cstring>

namespace wirechat::ws {

void apply_mask(std::uint8_t* data, std::size_t n, const std::uint8_t key[4], std::size_t key_offset) {
    // The key rotated to start at data[0], repeated to fill a 64-bit word.
    // Because it repeats every 4 bytes, pattern[i % 8] is the key byte for
    // data[i] for every i, which the tail loop relies on.
    std::uint8_t pattern[8];
    for (std::size_t i = 0; i < 8; ++i) pattern[i] = key[(key_offset + i) & 3];
    std::uint64_t pattern_word;
    std::memcpy(&pattern_word, pattern, sizeof pattern_word);

    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, data + i, sizeof word);
        word ^= pattern_word;
        std::memcpy(data + i, &word, sizeof word);
    }
    for (; i < n; ++i) data[i] ^= pattern[i & 7];
}

}  // namespace wirechat::ws
