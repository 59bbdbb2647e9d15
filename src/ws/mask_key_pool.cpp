// Draws masking keys from a CSPRNG block (see mask_key_pool.h for why a block).
#include "ws/mask_key_pool.h"

#include <openssl/rand.h>

#include <cstring>
#include <stdexcept>

namespace wirechat::ws {

void MaskKeyPool::next(std::uint8_t key[4]) {
    if (used_ == block_size) {
        if (!block_) block_ = std::make_unique<std::uint8_t[]>(block_size);
        if (RAND_bytes(block_.get(), static_cast<int>(block_size)) != 1)
            throw std::runtime_error("RAND_bytes failed");
        used_ = 0;
    }
    std::memcpy(key, block_.get() + used_, 4);
    used_ += 4;
}

}  // namespace wirechat::ws
