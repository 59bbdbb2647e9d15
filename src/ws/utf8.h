// Strict UTF-8 validation (RFC 3629), incremental so that a text message can
// be checked as its bytes arrive, frame by frame and read by read.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace wirechat::ws {

class Utf8Validator {
public:
    // Validates the next bytes. Returns false as soon as a byte makes the
    // input invalid (at the first impossible byte, e.g. F4 90 fails at 90),
    // and keeps returning false until reset().
    bool feed(std::span<const std::uint8_t> bytes);
    // True if no sequence is left unfinished (and nothing invalid was seen).
    bool complete() const { return !failed_ && pending_ == 0; }
    void reset();

private:
    std::uint8_t pending_ = 0;  // continuation bytes still expected
    // Range allowed for the next continuation byte. Only the byte after a lead
    // byte is narrowed; this is what rules out overlongs (E0 80..9F, F0
    // 80..8F), surrogates (ED A0..BF) and code points above U+10FFFF (F4 90..).
    std::uint8_t low_ = 0x80;
    std::uint8_t high_ = 0xBF;
    bool failed_ = false;
};

// The whole string is valid UTF-8 with no sequence cut short.
bool is_valid_utf8(std::string_view text);

}  // namespace wirechat::ws
