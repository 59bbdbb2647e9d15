// Differential fuzzing of the incremental UTF-8 validator against the
// byte-at-a-time reference in fuzz_support.h: for every split of the input
// into two feeds, and for one-byte feeds, the validator must fail exactly
// where the reference first fails, and finish complete exactly when the
// reference does.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.h"
#include "ws/utf8.h"

using namespace wirechat;

namespace {

// Every split point costs a pass over the input: beyond this, the splits are
// sampled (the ASCII fast path works on 8-byte words, so nearby splits still
// all get covered by the stride of 1 near the start and end).
constexpr std::size_t every_split_up_to = 512;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> input(data, size);

    // Where the reference first fails (size if never), and whether it ends complete.
    fuzz::ReferenceUtf8 reference;
    std::size_t first_bad = size;
    for (std::size_t i = 0; i < size; ++i) {
        if (!reference.push(input[i])) {
            first_bad = i;
            break;
        }
    }
    const bool valid = first_bad == size && reference.complete();

    FUZZ_CHECK(ws::is_valid_utf8(fuzz::as_text(input)) == valid);

    // Two feeds, split at `split`: the first fails iff the bad byte is in it.
    const std::size_t stride = size <= every_split_up_to ? 1 : size / 64 + 1;
    for (std::size_t split = 0; split <= size; split += (split < 16 || size - split < 16) ? 1 : stride) {
        ws::Utf8Validator validator;
        FUZZ_CHECK(validator.feed(input.first(split)) == (first_bad >= split));
        FUZZ_CHECK(validator.feed(input.subspan(split)) == (first_bad == size));
        FUZZ_CHECK(validator.complete() == valid);
        // Once failed, it stays failed, even on an empty or ASCII feed.
        if (first_bad < size) {
            FUZZ_CHECK(!validator.feed({}));
            FUZZ_CHECK(!validator.complete());
        }
    }

    // One byte at a time: false exactly at the first bad byte.
    ws::Utf8Validator validator;
    for (std::size_t i = 0; i < size && i <= first_bad; ++i)
        FUZZ_CHECK(validator.feed(input.subspan(i, 1)) == (i != first_bad));
    FUZZ_CHECK(validator.complete() == valid);

    // reset() really forgets: the same validator then agrees again.
    validator.reset();
    FUZZ_CHECK(validator.feed(input) == (first_bad == size));
    FUZZ_CHECK(validator.complete() == valid);
    return 0;
}
