// Masking keys for client frames. RFC 6455 10.3 wants them unpredictable, so
// they come from OpenSSL's CSPRNG; asking it for 4 bytes per frame would be a
// call (and a lock) per frame, so keys are drawn from a block fetched a few
// KiB at a time and refilled in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace wirechat::ws {

class MaskKeyPool {
public:
    // Writes the next key. Throws std::runtime_error if the CSPRNG fails.
    void next(std::uint8_t key[4]);

private:
    static constexpr std::size_t block_size = 4096;
    // Allocated on first use, so a server-role endpoint (which never masks)
    // pays nothing for it.
    std::unique_ptr<std::uint8_t[]> block_;
    std::size_t used_ = block_size;
};

}  // namespace wirechat::ws
