// What every fuzz target shares: a check that aborts (so libFuzzer saves the
// input), a way to cut the input into chunks chosen by the input itself, and
// a deliberately naive UTF-8 reference to compare the real validator with.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>

// An assert that is never compiled out and says which property broke.
#define FUZZ_CHECK(condition)                                                          \
    do {                                                                               \
        if (!(condition)) {                                                            \
            std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, \
                         #condition);                                                  \
            std::abort();                                                              \
        }                                                                              \
    } while (0)

namespace wirechat::fuzz {

// Split points come from the input's first bytes, so the fuzzer mutates the
// chunking along with the data and a crash file replays the same splits:
// byte 0 says how many size bytes follow (0-7); each size byte is the length
// of a chunk (0 means "all the rest"); the sizes are used in a cycle.
class Chunker {
public:
    explicit Chunker(std::span<const std::uint8_t> input) {
        if (input.empty()) return;
        std::size_t count = input[0] % 8;
        input = input.subspan(1);
        count = count < input.size() ? count : input.size();
        sizes_ = input.first(count);
        payload_ = input.subspan(count);
    }

    // The bytes left after the chunking prefix: what is fed.
    std::span<const std::uint8_t> payload() const { return payload_; }

    // The size of the next chunk, given how many bytes remain.
    std::size_t next(std::size_t remaining) {
        if (sizes_.empty()) return remaining;
        std::size_t size = sizes_[turn_++ % sizes_.size()];
        return size == 0 || size > remaining ? remaining : size;
    }

private:
    std::span<const std::uint8_t> sizes_;
    std::span<const std::uint8_t> payload_;
    std::size_t turn_ = 0;
};

inline std::string_view as_text(std::span<const std::uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// UTF-8 by arithmetic on code points, one byte at a time, written from
// RFC 3629 and independently of ws::Utf8Validator (which works with byte
// ranges). After each byte it asks: can the sequence begun so far still be
// completed into a scalar value encoded in its shortest form? The first byte
// for which the answer is no is where a strict validator must fail.
class ReferenceUtf8 {
public:
    // False from the first impossible byte on.
    bool push(std::uint8_t byte) {
        if (failed_) return false;
        if (remaining_ == 0) {
            if (byte < 0x80) return true;
            if (byte >= 0xC0 && byte < 0xE0) start(byte & 0x1F, 1);
            else if (byte >= 0xE0 && byte < 0xF0) start(byte & 0x0F, 2);
            else if (byte >= 0xF0 && byte < 0xF8) start(byte & 0x07, 3);
            else return fail();  // a continuation byte, or no UTF-8 lead at all
        } else {
            if ((byte & 0xC0) != 0x80) return fail();
            bits_ = (bits_ << 6) | (byte & 0x3F);
            --remaining_;
        }
        return completable() ? true : fail();
    }
    bool failed() const { return failed_; }
    bool complete() const { return !failed_ && remaining_ == 0; }

private:
    void start(std::uint32_t bits, int continuation_bytes) {
        bits_ = bits;
        remaining_ = continuation_bytes;
        length_ = continuation_bytes + 1;
    }
    bool fail() {
        failed_ = true;
        return false;
    }
    // The code points still reachable are [bits << 6r, that | (2^6r - 1)];
    // some of them must be allowed for this sequence length and not be a
    // UTF-16 surrogate.
    bool completable() const {
        static constexpr std::uint32_t lowest[] = {0, 0, 0x80, 0x800, 0x10000};
        static constexpr std::uint32_t highest[] = {0, 0x7F, 0x7FF, 0xFFFF, 0x10FFFF};
        const std::uint32_t shift = 6 * std::uint32_t(remaining_);
        std::uint32_t low = bits_ << shift;
        std::uint32_t high = low | ((1u << shift) - 1);
        if (low < lowest[length_]) low = lowest[length_];
        if (high > highest[length_]) high = highest[length_];
        if (low > high) return false;
        return !(low >= 0xD800 && high <= 0xDFFF);
    }

    std::uint32_t bits_ = 0;
    int remaining_ = 0;
    int length_ = 1;
    bool failed_ = false;
};

inline bool reference_valid_utf8(std::span<const std::uint8_t> bytes) {
    ReferenceUtf8 reference;
    for (std::uint8_t b : bytes)
        if (!reference.push(b)) return false;
    return reference.complete();
}

}  // namespace wirechat::fuzz
