#include "payload.h"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

namespace wirechat::bench {

namespace {

// Chat-like words: enough of them, in a varied order, that DEFLATE finds
// repeats but not one long period.
constexpr std::array<std::string_view, 32> words = {
    "the",     "server",  "message", "is",      "ready",   "when",    "you",     "are",
    "online",  "lobby",   "hello",   "again",   "thanks",  "see",     "later",   "room",
    "joined",  "left",    "typing",  "a",       "quick",   "question", "about",  "latency",
    "benchmark", "works", "fine",    "here",    "and",     "there",   "now",     "ok"};

constexpr std::string_view json_head = R"({"id":")";
constexpr std::string_view json_fields = R"(","type":"say","room":"lobby","from":"loadgen","text":")";
constexpr std::string_view json_tail = R"("})";

}  // namespace

Payload pattern_payload(std::size_t size) {
    Payload payload;
    payload.bytes.resize(size);
    for (std::size_t i = 0; i < size; ++i) payload.bytes[i] = std::uint8_t('A' + (i * 7) % 26);
    return payload;
}

Payload json_payload(std::size_t size) {
    std::string text(json_head);
    text.append(stamp_size, '0');
    text.append(json_fields);
    const std::size_t text_end = size > text.size() + json_tail.size() ? size - json_tail.size() : 0;
    // A linear congruential sequence (Knuth's MMIX constants): the same
    // words in every run, so every server compresses the same bytes.
    std::uint64_t state = 0x2545F4914F6CDD1DULL;
    while (text.size() < text_end) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        text.append(words[(state >> 33) % words.size()]);
        text.push_back(' ');
    }
    if (text_end > 0) {
        text.resize(text_end);
        text.append(json_tail);
    }
    text.resize(size);
    Payload payload;
    payload.bytes.assign(text.begin(), text.end());
    payload.stamp_offset = json_head.size();
    return payload;
}

void stamp(Payload& payload, std::uint64_t sequence) {
    const std::size_t end = std::min(payload.stamp_offset + stamp_size, payload.bytes.size());
    for (std::size_t i = payload.stamp_offset; i < end; ++i)
        payload.bytes[i] = std::uint8_t('0' + ((sequence >> (5 * (i - payload.stamp_offset))) & 31));
}

}  // namespace wirechat::bench
