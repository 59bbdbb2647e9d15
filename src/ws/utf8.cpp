// A byte-at-a-time state machine with an ASCII fast path: chat text is mostly
// ASCII, and 8 bytes whose high bits are all clear can be skipped in one test.
#include "ws/utf8.h"

#include <cstring>

namespace wirechat::ws {

bool Utf8Validator::feed(std::span<const std::uint8_t> bytes) {
    if (failed_) return false;
    const std::uint8_t* p = bytes.data();
    const std::uint8_t* const end = p + bytes.size();
    while (p != end) {
        if (pending_ == 0) {
            while (end - p >= 8) {
                std::uint64_t word;
                std::memcpy(&word, p, sizeof word);
                if (word & 0x8080808080808080ULL) break;
                p += 8;
            }
            if (p == end) break;
            const std::uint8_t lead = *p++;
            if (lead < 0x80) continue;
            low_ = 0x80;
            high_ = 0xBF;
            if (lead >= 0xC2 && lead <= 0xDF) {
                pending_ = 1;
            } else if (lead >= 0xE0 && lead <= 0xEF) {
                pending_ = 2;
                if (lead == 0xE0) low_ = 0xA0;        // below: overlong
                else if (lead == 0xED) high_ = 0x9F;  // above: UTF-16 surrogates
            } else if (lead >= 0xF0 && lead <= 0xF4) {
                pending_ = 3;
                if (lead == 0xF0) low_ = 0x90;        // below: overlong
                else if (lead == 0xF4) high_ = 0x8F;  // above: beyond U+10FFFF
            } else {
                // 80..BF (stray continuation), C0/C1 (always overlong), F5..FF.
                failed_ = true;
                return false;
            }
        } else {
            const std::uint8_t next = *p++;
            if (next < low_ || next > high_) {
                failed_ = true;
                return false;
            }
            low_ = 0x80;
            high_ = 0xBF;
            --pending_;
        }
    }
    return true;
}

void Utf8Validator::reset() {
    pending_ = 0;
    low_ = 0x80;
    high_ = 0xBF;
    failed_ = false;
}

bool is_valid_utf8(std::string_view text) {
    Utf8Validator validator;
    return validator.feed({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}) &&
           validator.complete();
}

}  // namespace wirechat::ws
