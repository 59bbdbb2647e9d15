#include "deflate_answer.h"

#include <charconv>
#include <vector>

namespace wirechat::bench {

namespace {

// A window size in a response must be given, and 8-15 (7.1.2.1, 7.1.2.2).
std::optional<int> window_bits(const std::optional<std::string>& value) {
    if (!value) return std::nullopt;
    int bits = 0;
    auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), bits);
    if (ec != std::errc{} || end != value->data() + value->size() || bits < 8 || bits > 15)
        return std::nullopt;
    return bits;
}

}  // namespace

std::optional<ws::DeflateParams> read_deflate_answer(std::string_view answer, std::string& why) {
    std::optional<std::vector<ws::ExtensionOffer>> parsed = ws::parse_extension_offers(answer);
    if (!parsed) {
        why = "unreadable Sec-WebSocket-Extensions answer";
        return std::nullopt;
    }
    if (parsed->size() != 1 || parsed->front().name != "permessage-deflate") {
        why = "the server answered with extensions that were not offered: " + std::string(answer);
        return std::nullopt;
    }
    ws::DeflateParams params;
    bool seen[4] = {};  // in the order of the names below: each at most once
    for (const ws::ExtensionParam& param : parsed->front().params) {
        std::size_t index = 0;
        bool valid = false;
        if (param.name == "server_no_context_takeover") {
            index = 0;
            valid = !param.value;
            params.server_no_context_takeover = true;
        } else if (param.name == "client_no_context_takeover") {
            index = 1;
            valid = !param.value;
            params.client_no_context_takeover = true;
        } else if (param.name == "server_max_window_bits") {
            index = 2;
            std::optional<int> bits = window_bits(param.value);
            valid = bits.has_value();
            params.server_max_window_bits = bits.value_or(15);
        } else if (param.name == "client_max_window_bits") {
            index = 3;
            std::optional<int> bits = window_bits(param.value);
            valid = bits.has_value();
            params.client_max_window_bits = bits.value_or(15);
        } else {
            why = "unknown permessage-deflate parameter in the answer: " + param.name;
            return std::nullopt;
        }
        if (!valid || seen[index]) {
            why = "bad or repeated permessage-deflate parameter in the answer: " + param.name;
            return std::nullopt;
        }
        seen[index] = true;
    }
    return params;
}

}  // namespace wirechat::bench
