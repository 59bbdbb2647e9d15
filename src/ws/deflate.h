// permessage-deflate's codec (RFC 7692 7.2): raw DEFLATE streams (zlib),
// one message at a time, flushed to a byte boundary so that each message
// ends with 00 00 ff ff, which is removed on the wire and put back before
// inflating.
//
// Memory, per zlib's own formulas (zconf.h):
//   Deflater: 2^(window_bits+2) + 2^(mem_level+9) bytes plus ~6 KiB of state,
//             256 KiB at 15/8, allocated when constructed;
//   Inflater: 2^window_bits bytes of window plus ~7 KiB of state, 39 KiB at
//             15, allocated when the first compressed message arrives.
// A server that does not keep its compression context shares one Deflater
// among all connections (SharedDeflaters), so what a connection costs is its
// Inflater alone.
#pragma once

#include <zlib.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace wirechat::ws {

// RSV1 on a message's first frame says the message is compressed (RFC 7692 6).
inline constexpr std::uint8_t rsv_compressed = 4;

// Below this size a message goes out as it is: DEFLATE's block overhead and
// the lack of anything to match make tiny messages no smaller, and the CPU
// is better spent elsewhere.
inline constexpr std::size_t min_compressed_message = 64;

class Deflater {
public:
    // window_bits 8-15, mem_level 1-9 (else std::invalid_argument). With
    // keep_context (context takeover) each message may refer to earlier ones;
    // without it every message is compressed on its own.
    Deflater(int window_bits, int mem_level, bool keep_context);
    ~Deflater();
    Deflater(const Deflater&) = delete;
    Deflater& operator=(const Deflater&) = delete;

    // The message compressed, without the 00 00 ff ff tail. The bytes live in
    // the Deflater until the next call.
    std::span<const std::uint8_t> compress(std::span<const std::uint8_t> message);
    // The compressed form when it is worth sending, nullopt when the message
    // should go out uncompressed: it is tiny, or (when no context is kept,
    // so nothing depends on it) compressing did not make it smaller.
    std::optional<std::span<const std::uint8_t>> compress_if_smaller(std::span<const std::uint8_t> message);

    bool keeps_context() const { return keep_context_; }
    // What compress_if_smaller() gave out compressed: the messages' sizes,
    // and their compressed sizes (for the compression ratio's metric).
    std::uint64_t compressed_in() const { return compressed_in_; }
    std::uint64_t compressed_out() const { return compressed_out_; }

private:
    z_stream stream_{};
    bool keep_context_;
    std::uint64_t compressed_in_ = 0, compressed_out_ = 0;
    std::vector<std::uint8_t> output_;  // grows to the largest message compressed, then stays
};

// Throws std::invalid_argument unless 8 <= window_bits <= 15 (RFC 7692 7.1.2).
void check_window_bits(int window_bits);

class Inflater {
public:
    enum class Status { ok, too_big, corrupt };

    // The peer compresses with at most 2^window_bits of history (8-15, else
    // std::invalid_argument). Without keep_context each message starts from
    // an empty history.
    Inflater(int window_bits, bool keep_context);
    ~Inflater();
    Inflater(const Inflater&) = delete;
    Inflater& operator=(const Inflater&) = delete;

    // Inflates the next compressed bytes of a message, appending the result
    // to `out`. Returns too_big as soon as `out` would grow past `limit`
    // (holding then at most limit + 1 bytes), so a small input that expands
    // enormously is stopped while it expands. corrupt: not valid DEFLATE.
    Status inflate(std::span<const std::uint8_t> compressed, std::vector<std::uint8_t>& out,
                   std::size_t limit);
    // The message's last bytes were given: inflates the tail the sender
    // removed, and forgets the history unless context is kept.
    Status finish_message(std::vector<std::uint8_t>& out, std::size_t limit);

private:
    int window_bits_;
    bool keep_context_;
    bool started_ = false;  // zlib's state is allocated with the first message
    z_stream stream_{};
};

// Without context takeover a compressor carries nothing from one message to
// the next, so one per window size serves every connection of a server (one
// event loop, one thread). Each is created when first asked for.
class SharedDeflaters {
public:
    explicit SharedDeflaters(int mem_level = 8) : mem_level_(mem_level) {}
    // window_bits 8-15.
    Deflater& for_window_bits(int window_bits);
    // compressed_in() and compressed_out() summed over the compressors.
    std::uint64_t compressed_in() const;
    std::uint64_t compressed_out() const;

private:
    int mem_level_;
    std::array<std::unique_ptr<Deflater>, 8> by_window_bits_;  // index: window_bits - 8
};

}  // namespace wirechat::ws
