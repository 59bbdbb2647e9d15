// Masking runs over every byte a client sends, so it works a vector at a
// time. A GCC/Clang vector type is one SSE2 XOR per 16 bytes on any x86-64
// (NEON on ARM); a long payload goes through the widest vector the CPU has,
// AVX-512 or AVX2, picked at run time because the binary is built for the
// baseline. Its wide part starts at a 64-byte boundary: a store that straddles
// two cache lines costs two, and a frame's payload starts wherever its header
// ends. memcpy to and from a local is how C++ spells an unaligned load or
// store without undefined behaviour; compilers turn it into one instruction.
#include "ws/mask.h"

#include <cstring>

namespace wirechat::ws {

namespace {

// Below this, lining up with a cache line costs more than wide vectors save.
constexpr std::size_t long_payload = 256;

// The key rotated to start at the byte that is `key_offset` into the payload,
// repeated to fill a 64-bit word. Because the key repeats every 4 bytes,
// bytes[j] is the key byte for data[i] whenever i % 8 == j, which the tail
// loop in mask_from() relies on.
struct Pattern {
    std::uint8_t bytes[8];
    std::uint64_t word;

    Pattern(const std::uint8_t key[4], std::size_t key_offset) {
        for (std::size_t i = 0; i < 8; ++i) bytes[i] = key[(key_offset + i) & 3];
        std::memcpy(&word, bytes, sizeof word);
    }
};

using Block16 = std::uint64_t __attribute__((vector_size(16)));
using Block32 = std::uint64_t __attribute__((vector_size(32)));
using Block64 = std::uint64_t __attribute__((vector_size(64)));

// XORs whole blocks from data[0] and returns how many bytes that covered.
template <class Block>
[[gnu::always_inline]] inline std::size_t xor_blocks(std::uint8_t* data, std::size_t n, std::uint64_t pattern) {
    Block pattern_block;
    for (std::size_t k = 0; k < sizeof(Block) / 8; ++k) pattern_block[k] = pattern;
    std::size_t i = 0;
    for (; i + sizeof(Block) <= n; i += sizeof(Block)) {
        Block block;
        std::memcpy(&block, data + i, sizeof block);
        block ^= pattern_block;
        std::memcpy(data + i, &block, sizeof block);
    }
    return i;
}

#if defined(__x86_64__)
[[gnu::target("avx512f")]] std::size_t xor_blocks_64(std::uint8_t* data, std::size_t n, std::uint64_t pattern) {
    return xor_blocks<Block64>(data, n, pattern);
}

[[gnu::target("avx2")]] std::size_t xor_blocks_32(std::uint8_t* data, std::size_t n, std::uint64_t pattern) {
    return xor_blocks<Block32>(data, n, pattern);
}
#endif

std::size_t xor_wide_blocks(MaskWidth width, std::uint8_t* data, std::size_t n, std::uint64_t pattern) {
    switch (width) {
#if defined(__x86_64__)
        case MaskWidth::bytes64: return xor_blocks_64(data, n, pattern);
        case MaskWidth::bytes32: return xor_blocks_32(data, n, pattern);
#endif
        default: return xor_blocks<Block16>(data, n, pattern);
    }
}

// 16 bytes at a time, then a word, then bytes.
void mask_from(std::uint8_t* data, std::size_t n, const std::uint8_t key[4], std::size_t key_offset) {
    const Pattern pattern(key, key_offset);
    std::size_t i = xor_blocks<Block16>(data, n, pattern.word);
    for (; i + 8 <= n; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, data + i, sizeof word);
        word ^= pattern.word;
        std::memcpy(data + i, &word, sizeof word);
    }
    for (; i < n; ++i) data[i] ^= pattern.bytes[i & 7];
}

}  // namespace

bool cpu_has(MaskWidth width) {
#if defined(__x86_64__)
    // Skylake and Cascade Lake servers lower the core's clock for a while
    // after 512-bit instructions, slowing everything else it runs. CPUs with
    // VBMI2 (Intel from Ice Lake, AMD from Zen 4) are spared most or all of
    // that, so only they get AVX-512; the others take AVX2.
    if (width == MaskWidth::bytes64)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vbmi2");
    if (width == MaskWidth::bytes32) return __builtin_cpu_supports("avx2");
#endif
    return width == MaskWidth::bytes16;
}

void apply_mask(std::uint8_t* data, std::size_t n, const std::uint8_t key[4], std::size_t key_offset) {
    if (n < long_payload) {
        mask_from(data, n, key, key_offset);
        return;
    }
    const MaskWidth width = cpu_has(MaskWidth::bytes64)   ? MaskWidth::bytes64
                            : cpu_has(MaskWidth::bytes32) ? MaskWidth::bytes32
                                                          : MaskWidth::bytes16;
    apply_mask(data, n, key, key_offset, width);
}

void apply_mask(std::uint8_t* data, std::size_t n, const std::uint8_t key[4], std::size_t key_offset,
                MaskWidth width) {
    std::size_t i = 0;
    if (n >= long_payload) {
        const std::size_t to_line = -reinterpret_cast<std::uintptr_t>(data) & 63;
        mask_from(data, to_line, key, key_offset);
        i = to_line;
        i += xor_wide_blocks(width, data + i, n - i, Pattern(key, key_offset + i).word);
    }
    mask_from(data + i, n - i, key, key_offset + i);
}

}  // namespace wirechat::ws
