// zlib in raw mode (negative window bits: no zlib header or checksum), as
// RFC 7692 wants. Each message is compressed with Z_SYNC_FLUSH, which ends
// it with an empty stored block, 00 00 ff ff: the sender strips it, the
// receiver feeds it back (7.2.1, 7.2.2).
#include "ws/deflate.h"

#include <algorithm>
#include <climits>
#include <new>
#include <stdexcept>

namespace wirechat::ws {

namespace {

constexpr std::uint8_t sync_flush_tail[4] = {0x00, 0x00, 0xff, 0xff};

// Inflated output is written straight into the message buffer, which is
// grown (and zero-filled: the cost to keep small) by a guess of what the
// input will give: at least min_inflate_room, else expected_expansion times
// the input. A wrong guess costs another round of the loop, nothing more.
constexpr std::size_t min_inflate_room = 1024;
constexpr std::size_t expected_expansion = 4;

Bytef* input_pointer(const std::uint8_t* bytes) { return const_cast<Bytef*>(bytes); }

}  // namespace

void check_window_bits(int window_bits) {
    if (window_bits < 8 || window_bits > 15) throw std::invalid_argument("window bits must be 8 to 15");
}

Deflater::Deflater(int window_bits, int mem_level, bool keep_context) : keep_context_(keep_context) {
    check_window_bits(window_bits);
    if (mem_level < 1 || mem_level > 9) throw std::invalid_argument("memLevel must be 1 to 9");
    // zlib refuses a 256-byte window for raw streams and asks for 9 instead.
    // That is still within an 8-bit promise: zlib never emits a distance
    // beyond window - 262 (MAX_DIST), which for 512 bytes is 250 < 256.
    const int bits = std::max(window_bits, 9);
    const int rc = deflateInit2(&stream_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -bits, mem_level,
                                Z_DEFAULT_STRATEGY);
    if (rc == Z_MEM_ERROR) throw std::bad_alloc();
    if (rc != Z_OK) throw std::runtime_error("deflateInit2 failed");
}

Deflater::~Deflater() { deflateEnd(&stream_); }

std::span<const std::uint8_t> Deflater::compress(std::span<const std::uint8_t> message) {
    if (message.size() > UINT_MAX) throw std::length_error("message too large to compress");
    // deflateBound() is for Z_FINISH; the sync flush adds its 5-byte block.
    const std::size_t bound = deflateBound(&stream_, static_cast<uLong>(message.size())) + 8;
    if (output_.size() < bound) output_.resize(bound);
    stream_.next_in = input_pointer(message.data());
    stream_.avail_in = static_cast<uInt>(message.size());
    std::size_t used = 0;
    do {
        // Only a stream with context could need more than the bound
        // (pending bits from before); growing covers it anyway.
        if (used == output_.size()) output_.resize(output_.size() * 2);
        stream_.next_out = output_.data() + used;
        stream_.avail_out = static_cast<uInt>(std::min<std::size_t>(output_.size() - used, UINT_MAX));
        deflate(&stream_, Z_SYNC_FLUSH);  // only Z_OK or Z_BUF_ERROR are possible here
        used = static_cast<std::size_t>(stream_.next_out - output_.data());
    } while (stream_.avail_out == 0);
    if (!keep_context_) deflateReset(&stream_);
    // A flush with nothing new to flush writes nothing (an empty message on
    // a stream that keeps context). Then the message is 00, the first byte
    // of an empty stored block the tail completes (RFC 7692 7.2.3.6).
    if (used < sizeof sync_flush_tail) {
        output_[0] = 0x00;
        return {output_.data(), 1};
    }
    // Otherwise the flush is complete and ends with the tail.
    return {output_.data(), used - sizeof sync_flush_tail};
}

std::optional<std::span<const std::uint8_t>> Deflater::compress_if_smaller(
    std::span<const std::uint8_t> message) {
    if (message.size() < min_compressed_message) return std::nullopt;
    std::span<const std::uint8_t> compressed = compress(message);
    // A compressor with context has already recorded this message in its
    // history, and so must the peer's inflater: it has to be sent compressed.
    if (!keep_context_ && compressed.size() >= message.size()) return std::nullopt;
    compressed_in_ += message.size();
    compressed_out_ += compressed.size();
    return compressed;
}

Inflater::Inflater(int window_bits, bool keep_context)
    : window_bits_(window_bits), keep_context_(keep_context) {
    check_window_bits(window_bits);
}

Inflater::~Inflater() {
    if (started_) inflateEnd(&stream_);
}

Inflater::Status Inflater::inflate(std::span<const std::uint8_t> compressed, std::vector<std::uint8_t>& out,
                                   std::size_t limit) {
    if (!started_) {
        const int rc = inflateInit2(&stream_, -window_bits_);
        if (rc == Z_MEM_ERROR) throw std::bad_alloc();
        if (rc != Z_OK) throw std::runtime_error("inflateInit2 failed");
        started_ = true;
    }
    if (out.size() > limit) return Status::too_big;
    do {
        const std::size_t chunk = std::min<std::size_t>(compressed.size(), UINT_MAX);
        stream_.next_in = input_pointer(compressed.data());
        stream_.avail_in = static_cast<uInt>(chunk);

        // Room for at most limit + 1 bytes in all: reaching limit + 1 proves
        // the message too big without ever holding more.
        const std::size_t start = out.size();
        const std::size_t wanted = std::max(min_inflate_room, expected_expansion * chunk);
        const std::size_t room = std::min({wanted, limit + 1 - start, std::size_t(UINT_MAX)});
        out.resize(start + room);
        stream_.next_out = out.data() + start;
        stream_.avail_out = static_cast<uInt>(room);
        const int rc = ::inflate(&stream_, Z_SYNC_FLUSH);
        out.resize(start + room - stream_.avail_out);
        compressed = compressed.subspan(chunk - stream_.avail_in);

        if (rc == Z_STREAM_END) {
            // The sender ended the stream (a block with BFINAL set, 7.2.3.4):
            // whatever follows starts a new one.
            inflateReset(&stream_);
        } else if (rc == Z_MEM_ERROR) {
            throw std::bad_alloc();
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            return Status::corrupt;
        }
        if (out.size() > limit) return Status::too_big;
        // Room left over means every input byte was used and all output written.
    } while (!compressed.empty() || stream_.avail_out == 0);
    return Status::ok;
}

Inflater::Status Inflater::finish_message(std::vector<std::uint8_t>& out, std::size_t limit) {
    const Status status = inflate(sync_flush_tail, out, limit);
    if (!keep_context_) inflateReset(&stream_);  // keeps the window allocated for the next message
    return status;
}

Deflater& SharedDeflaters::for_window_bits(int window_bits) {
    check_window_bits(window_bits);
    std::unique_ptr<Deflater>& slot = by_window_bits_[static_cast<std::size_t>(window_bits - 8)];
    if (!slot) slot = std::make_unique<Deflater>(window_bits, mem_level_, false);
    return *slot;
}

std::uint64_t SharedDeflaters::compressed_in() const {
    std::uint64_t total = 0;
    for (const auto& deflater : by_window_bits_)
        if (deflater) total += deflater->compressed_in();
    return total;
}

std::uint64_t SharedDeflaters::compressed_out() const {
    std::uint64_t total = 0;
    for (const auto& deflater : by_window_bits_)
        if (deflater) total += deflater->compressed_out();
    return total;
}

}  // namespace wirechat::ws
