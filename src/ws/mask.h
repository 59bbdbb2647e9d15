// Client-to-server payload masking (RFC 6455 5.3). XOR is its own inverse, so
// the same function masks and unmasks.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wirechat::ws {

// XORs `data[0..n)` with the 4-byte `key`. `key_offset` is the position of
// data[0] within the frame's payload, so a payload that arrives in pieces can
// be unmasked piece by piece. Long payloads use the widest vector the CPU has.
void apply_mask(std::uint8_t* data, std::size_t n, const std::uint8_t key[4], std::size_t key_offset);

// The vector widths the long-payload path can use: SSE2 (or NEON), AVX2,
// AVX-512. Named so that tests can run each one the CPU supports.
enum class MaskWidth { bytes16, bytes32, bytes64 };
bool cpu_has(MaskWidth width);
void apply_mask(std::uint8_t* data, std::size_t n, const std::uint8_t key[4], std::size_t key_offset,
                MaskWidth width);

}  // namespace wirechat::ws
