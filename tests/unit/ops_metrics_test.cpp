// The ops layer's pieces: histograms, the Prometheus text format, the log.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "ops/exposition.h"
#include "ops/histogram.h"
#include "ops/log.h"
#include "ops/process_stats.h"

using namespace wirechat::ops;

TEST_CASE("a histogram counts each observation in the first bucket that holds it") {
    Histogram h{0.001, 0.01, 0.1};
    h.observe(0.0005);
    h.observe(0.001);  // on the bound: le is "less or equal"
    h.observe(0.05);
    h.observe(3);
    CHECK(h.in_bucket(0) == 2);
    CHECK(h.in_bucket(1) == 0);
    CHECK(h.in_bucket(2) == 1);
    CHECK(h.in_bucket(3) == 1);  // +Inf
    CHECK(h.count() == 4);
    CHECK(h.sum() == Approx(3.0515));
}

TEST_CASE("the exposition format: HELP and TYPE, labels escaped, histograms cumulative") {
    Exposition out;
    out.family("x_total", "counter", "Things, with a \\ and\na new line.");
    out.sample("x_total", std::uint64_t(3), {{"kind", "a\"b\\c\nd"}, {"n", "1"}});
    out.sample("x_total", std::uint64_t(0));
    Histogram h{0.5, 1};
    h.observe(0.25);
    h.observe(0.75);
    h.observe(9);
    out.histogram("y_seconds", "Y.", h);
    out.family("z", "gauge", "Z.");
    out.sample("z", 1.5);
    CHECK(out.text() ==
          "# HELP x_total Things, with a \\\\ and\\na new line.\n"
          "# TYPE x_total counter\n"
          "x_total{kind=\"a\\\"b\\\\c\\nd\",n=\"1\"} 3\n"
          "x_total 0\n"
          "# HELP y_seconds Y.\n"
          "# TYPE y_seconds histogram\n"
          "y_seconds_bucket{le=\"0.5\"} 1\n"
          "y_seconds_bucket{le=\"1\"} 2\n"
          "y_seconds_bucket{le=\"+Inf\"} 3\n"
          "y_seconds_sum 10\n"
          "y_seconds_count 3\n"
          "# HELP z Z.\n"
          "# TYPE z gauge\n"
          "z 1.5\n");
}

TEST_CASE("process stats come from /proc and make sense") {
    const ProcessStats stats = read_process_stats();
    CHECK(stats.resident_bytes > 1024 * 1024);
    CHECK(stats.open_fds >= 3);  // stdin, stdout, stderr
    CHECK(stats.max_fds >= stats.open_fds);
    CHECK(stats.start_time_seconds > 1.7e9);
    CHECK(stats.cpu_seconds >= 0);
}

namespace {

// Runs `write` with stderr going to a file; returns what was written.
template <class Write>
std::string captured_stderr(Write write) {
    char path[] = "/tmp/wirechat-log-test.XXXXXX";
    const int file = mkstemp(path);
    const int saved = dup(STDERR_FILENO);
    dup2(file, STDERR_FILENO);
    write();
    dup2(saved, STDERR_FILENO);
    close(saved);
    std::string text;
    char buffer[4096];
    lseek(file, 0, SEEK_SET);
    for (ssize_t n; (n = read(file, buffer, sizeof buffer)) > 0;) text.append(buffer, std::size_t(n));
    close(file);
    unlink(path);
    return text;
}

}  // namespace

TEST_CASE("log lines: levels filter, text quotes what needs it, JSON is JSON") {
    Level level;
    REQUIRE(parse_level("warn", level));
    CHECK(level == Level::warn);
    CHECK_FALSE(parse_level("loud", level));
    Format format;
    REQUIRE(parse_format("json", format));
    CHECK_FALSE(parse_format("xml", format));

    configure_log(Level::warn, Format::text);
    std::string text = captured_stderr([] {
        log(Level::info, "hidden");
        log(Level::warn, "shown", {{"plain", "abc"}, {"spaced", "a b"}, {"n", 42}, {"x", 1.5},
                                    {"quote", "say \"hi\"\n"}});
    });
    CHECK(text.find("hidden") == std::string::npos);
    REQUIRE(text.find("warn shown plain=abc spaced=\"a b\" n=42 x=1.5 quote=\"say \\\"hi\\\"\\u000a\"\n") !=
            std::string::npos);
    CHECK(text[4] == '-');  // 2026-...: the timestamp first
    CHECK(std::count(text.begin(), text.end(), '\n') == 1);

    configure_log(Level::debug, Format::json);
    text = captured_stderr([] { log(Level::debug, "event", {{"peer", "127.0.0.1:9"}, {"code", 1002}, {"q", "a\"b"}}); });
    REQUIRE(text.starts_with("{\"ts\":\"20"));
    CHECK(text.find("Z\",\"level\":\"debug\",\"event\":\"event\",\"peer\":\"127.0.0.1:9\",\"code\":1002,"
                    "\"q\":\"a\\\"b\"}\n") != std::string::npos);
    configure_log(Level::info, Format::text);
}
