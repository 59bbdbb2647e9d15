#include "ops/exposition.h"

#include <charconv>
#include <cmath>

namespace wirechat::ops {

namespace {

void append_escaped(std::string& out, std::string_view value, bool is_help) {
    for (char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (c == '"' && !is_help) out += "\\\"";
        else out += c;
    }
}

void append_double(std::string& out, double value) {
    if (std::isinf(value)) {
        out += value > 0 ? "+Inf" : "-Inf";
        return;
    }
    if (std::isnan(value)) {
        out += "NaN";
        return;
    }
    char digits[32];
    const auto result = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, result.ptr);
}

}  // namespace

void Exposition::family(std::string_view name, std::string_view type, std::string_view help) {
    text_ += "# HELP ";
    text_ += name;
    text_ += ' ';
    append_escaped(text_, help, true);
    text_ += "\n# TYPE ";
    text_ += name;
    text_ += ' ';
    text_ += type;
    text_ += '\n';
}

void Exposition::name_and_labels(std::string_view name, Labels labels, std::string_view extra_name,
                                 std::string_view extra_value) {
    text_ += name;
    if (labels.size() == 0 && extra_name.empty()) return;
    text_ += '{';
    bool first = true;
    auto label = [&](std::string_view key, std::string_view value) {
        if (!first) text_ += ',';
        first = false;
        text_ += key;
        text_ += "=\"";
        append_escaped(text_, value, false);
        text_ += '"';
    };
    for (const auto& [key, value] : labels) label(key, value);
    if (!extra_name.empty()) label(extra_name, extra_value);
    text_ += '}';
}

void Exposition::sample(std::string_view name, double value, Labels labels) {
    name_and_labels(name, labels);
    text_ += ' ';
    append_double(text_, value);
    text_ += '\n';
}

void Exposition::sample(std::string_view name, std::uint64_t value, Labels labels) {
    name_and_labels(name, labels);
    text_ += ' ';
    text_ += std::to_string(value);
    text_ += '\n';
}

void Exposition::histogram(std::string_view name, std::string_view help, const Histogram& histogram) {
    family(name, "histogram", help);
    const std::string bucket = std::string(name) + "_bucket";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= histogram.bounds().size(); ++i) {
        cumulative += histogram.in_bucket(i);
        std::string le;
        if (i < histogram.bounds().size()) append_double(le, histogram.bounds()[i]);
        else le = "+Inf";
        name_and_labels(bucket, {}, "le", le);
        text_ += ' ';
        text_ += std::to_string(cumulative);
        text_ += '\n';
    }
    sample(std::string(name) + "_sum", histogram.sum());
    sample(std::string(name) + "_count", histogram.count());
}

}  // namespace wirechat::ops
