// What the echo and idle scenarios send. Each payload is fixed apart from a
// sequence stamp at a known offset, so an echo is checked against the
// expected bytes without keeping a copy of every message sent.
//
// Two kinds: a repeating letter pattern (cheap, binary or text), and
// JSON-like chat text (--json), which compresses about as well as real chat
// traffic does and so gives permessage-deflate honest work: a short pattern
// would shrink to almost nothing and flatter every compressor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace wirechat::bench {

inline constexpr std::size_t stamp_size = 8;

struct Payload {
    std::vector<std::uint8_t> bytes;  // exactly the size asked for, all ASCII
    std::size_t stamp_offset = 0;     // where stamp() writes
};

// 'A'..'Z' in a fixed order; the stamp at the start.
Payload pattern_payload(std::size_t size);
// {"id":"<stamp>","type":"say","room":"lobby","from":"loadgen","text":"..."}
// with words drawn from a small vocabulary by a fixed pseudo-random
// sequence, cut to `size` bytes (still ASCII if that cuts the JSON short).
Payload json_payload(std::size_t size);

// Writes `sequence` into the payload's stamp (as much of it as fits): base-32
// digits '0'..'O', ASCII, so valid UTF-8 in a text frame; 40 bits in 8 bytes.
void stamp(Payload& payload, std::uint64_t sequence);

}  // namespace wirechat::bench
