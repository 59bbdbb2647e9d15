// The server's log: one line per event on stderr, as text or JSON, at four
// levels (--log-level, --log-format). Events, not prose: a name and
// key=value fields, so that a log collector can read them.
//
//   2026-12-03T02:55:01.123Z info listening addr=0.0.0.0:3000 redis=no
//   {"ts":"2026-12-03T02:55:01.123Z","level":"info","event":"listening","addr":"0.0.0.0:3000","redis":"no"}
//
// One per process, like Redis's serverLog: configured once at start, then
// written by whatever has something to say. Chat message contents are never
// logged.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <variant>

namespace wirechat::ops {

enum class Level { error, warn, info, debug };
enum class Format { text, json };

struct Field {
    Field(std::string_view k, std::string_view v) : key(k), value(v) {}
    Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
    Field(std::string_view k, std::int64_t v) : key(k), value(v) {}
    Field(std::string_view k, int v) : key(k), value(std::int64_t(v)) {}
    Field(std::string_view k, unsigned v) : key(k), value(std::int64_t(v)) {}
    Field(std::string_view k, std::uint64_t v) : key(k), value(std::int64_t(v)) {}
    Field(std::string_view k, double v) : key(k), value(v) {}
    std::string_view key;
    std::variant<std::string_view, std::int64_t, double> value;
};

// Parses "error", "warn", "info", "debug" / "text", "json".
bool parse_level(std::string_view text, Level& level);
bool parse_format(std::string_view text, Format& format);

void configure_log(Level level, Format format);
bool logging(Level level);
// Writes the line if `level` is logged. One write(2) per line, so that the
// lines of several processes sharing stderr do not interleave.
void log(Level level, std::string_view event, std::initializer_list<Field> fields = {});

}  // namespace wirechat::ops
