#include "ops/log.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <string>

namespace wirechat::ops {

namespace {

Level threshold = Level::info;
Format style = Format::text;

constexpr std::string_view level_names[] = {"error", "warn", "info", "debug"};

void append_timestamp(std::string& out) {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    tm utc{};
    gmtime_r(&now.tv_sec, &utc);
    char text[40];
    const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    out.append(text, n);
    char millis[8];
    std::snprintf(millis, sizeof millis, ".%03dZ", int(now.tv_nsec / 1'000'000));
    out += millis;
}

// Text: a value with a space, a quote or an = is quoted, so that lines split
// unambiguously into key=value pairs. JSON: a string with every control
// character escaped.
void append_quoted(std::string& out, std::string_view value) {
    out += '"';
    for (unsigned char c : value) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += char(c);
        } else if (c < 0x20 || c == 0x7F) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
            out += escaped;
        } else {
            out += char(c);
        }
    }
    out += '"';
}

void append_value(std::string& out, const Field& field) {
    if (const auto* text = std::get_if<std::string_view>(&field.value)) {
        const bool plain = style == Format::text && !text->empty() &&
                           text->find_first_of(" \"=\\") == std::string_view::npos &&
                           std::none_of(text->begin(), text->end(),
                                        [](char c) { return (unsigned char)c < 0x20 || c == 0x7F; });
        if (plain) out += *text;
        else append_quoted(out, *text);
        return;
    }
    char digits[32];
    const auto* integer = std::get_if<std::int64_t>(&field.value);
    const auto result = integer ? std::to_chars(digits, digits + sizeof digits, *integer)
                                : std::to_chars(digits, digits + sizeof digits, std::get<double>(field.value));
    out.append(digits, result.ptr);
}

}  // namespace

bool parse_level(std::string_view text, Level& level) {
    for (std::size_t i = 0; i < std::size(level_names); ++i) {
        if (text == level_names[i]) {
            level = Level(i);
            return true;
        }
    }
    return false;
}

bool parse_format(std::string_view text, Format& format) {
    if (text == "text") format = Format::text;
    else if (text == "json") format = Format::json;
    else return false;
    return true;
}

void configure_log(Level level, Format format) {
    threshold = level;
    style = format;
}

bool logging(Level level) { return level <= threshold; }

void log(Level level, std::string_view event, std::initializer_list<Field> fields) {
    if (!logging(level)) return;
    std::string line;
    const std::string_view name = level_names[std::size_t(level)];
    if (style == Format::json) {
        line += "{\"ts\":\"";
        append_timestamp(line);
        line += "\",\"level\":\"";
        line += name;
        line += "\",\"event\":";
        append_quoted(line, event);
        for (const Field& field : fields) {
            line += ',';
            append_quoted(line, field.key);
            line += ':';
            append_value(line, field);
        }
        line += "}\n";
    } else {
        append_timestamp(line);
        line += ' ';
        line += name;
        line += ' ';
        line += event;
        for (const Field& field : fields) {
            line += ' ';
            line += field.key;
            line += '=';
            append_value(line, field);
        }
        line += '\n';
    }
    // stderr is unbuffered; one write keeps the line whole.
    std::string_view rest = line;
    while (!rest.empty()) {
        const ssize_t n = ::write(STDERR_FILENO, rest.data(), rest.size());
        if (n <= 0) return;
        rest.remove_prefix(std::size_t(n));
    }
}

}  // namespace wirechat::ops
