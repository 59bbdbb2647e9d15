#include "http/query.h"

#include "http/grammar.h"

namespace wirechat::http {

namespace {

bool decode_into(std::string& out, std::string_view text) {
    out.clear();
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c != '%') {
            out += c;
        } else {
            if (i + 2 >= text.size()) return false;
            const int high = hex_value(text[i + 1]), low = hex_value(text[i + 2]);
            if (high < 0 || low < 0) return false;
            out += char(high * 16 + low);
            i += 2;
        }
    }
    return true;
}

}  // namespace

std::optional<QueryPairs> decode_query(std::string_view query) {
    QueryPairs pairs;
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view piece = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (piece.empty()) continue;
        const std::size_t eq = piece.find('=');
        auto& [name, value] = pairs.emplace_back();
        if (!decode_into(name, piece.substr(0, eq))) return std::nullopt;
        if (eq != std::string_view::npos && !decode_into(value, piece.substr(eq + 1))) return std::nullopt;
    }
    return pairs;
}

const std::string* find_query_value(const QueryPairs& pairs, std::string_view name) {
    for (const auto& [n, value] : pairs)
        if (n == name) return &value;
    return nullptr;
}

}  // namespace wirechat::http
