#include "http/http_date.h"

#include <array>
#include <cstring>

namespace wirechat::http {

namespace {

constexpr std::array<std::string_view, 7> kDayNames = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> kLongDayNames = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> kMonthNames = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

constexpr std::size_t kFixdateLength = 29;
// The IMF-fixdate has a four-digit year, so times are clamped to what it can
// express: 1970-01-01 .. 9999-12-31 23:59:59.
constexpr std::time_t kLastFourDigitYearSecond = 253402300799;

void put2(char* p, int v) {
    p[0] = char('0' + v / 10);
    p[1] = char('0' + v % 10);
}

void format_fixdate(std::time_t t, char* out) {
    if (t < 0) t = 0;
    if (t > kLastFourDigitYearSecond) t = kLastFourDigitYearSecond;
    std::tm tm{};
    gmtime_r(&t, &tm);  // cannot fail inside the clamped range
    std::memcpy(out, kDayNames[tm.tm_wday].data(), 3);
    std::memcpy(out + 3, ", ", 2);
    put2(out + 5, tm.tm_mday);
    out[7] = ' ';
    std::memcpy(out + 8, kMonthNames[tm.tm_mon].data(), 3);
    out[11] = ' ';
    int year = tm.tm_year + 1900;
    put2(out + 12, year / 100);
    put2(out + 14, year % 100);
    out[16] = ' ';
    put2(out + 17, tm.tm_hour);
    out[19] = ':';
    put2(out + 20, tm.tm_min);
    out[22] = ':';
    put2(out + 23, tm.tm_sec);
    std::memcpy(out + 25, " GMT", 4);
}

// Every response of a busy server is stamped with the same second many times
// over; formatting it once per second per thread saves the calendar maths.
// The cache is a pure memo of a pure function, so results never depend on it.
const char* cached_fixdate(std::time_t t) {
    thread_local std::time_t cached_second = -1;
    thread_local char cached_text[kFixdateLength];
    if (t != cached_second) {
        format_fixdate(t, cached_text);
        cached_second = t;
    }
    return cached_text;
}

// A small cursor over the text being parsed; every reader fails softly.
struct Reader {
    std::string_view rest;

    bool literal(std::string_view s) {
        if (rest.substr(0, s.size()) != s) return false;
        rest.remove_prefix(s.size());
        return true;
    }
    // Exactly `count` digits.
    bool digits(int count, int& value) {
        if (rest.size() < std::size_t(count)) return false;
        value = 0;
        for (int i = 0; i < count; ++i) {
            char c = rest[i];
            if (c < '0' || c > '9') return false;
            value = value * 10 + (c - '0');
        }
        rest.remove_prefix(count);
        return true;
    }
    // One of `names`, returning its index.
    template <std::size_t N>
    bool name(const std::array<std::string_view, N>& names, int& index) {
        for (std::size_t i = 0; i < N; ++i) {
            if (literal(names[i])) {
                index = int(i);
                return true;
            }
        }
        return false;
    }
    // "HH:MM:SS"
    bool time_of_day(std::tm& tm) {
        return digits(2, tm.tm_hour) && literal(":") && digits(2, tm.tm_min) &&
               literal(":") && digits(2, tm.tm_sec);
    }
};

bool is_leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month0) {
    static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month0 == 1 && is_leap(year) ? 29 : kDays[month0];
}

std::optional<std::time_t> to_time(std::tm& tm, int year) {
    if (tm.tm_mon < 0 || tm.tm_mon > 11) return std::nullopt;
    if (tm.tm_mday < 1 || tm.tm_mday > days_in_month(year, tm.tm_mon)) return std::nullopt;
    // 60 is a leap second (RFC 5322 allows it); it counts as the next second.
    if (tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) return std::nullopt;
    tm.tm_year = year - 1900;
    return timegm(&tm);
}

// "Sun, 06 Nov 1994 08:49:37 GMT"
std::optional<std::time_t> parse_fixdate(std::string_view text) {
    Reader r{text};
    std::tm tm{};
    int weekday, year;
    if (r.name(kDayNames, weekday) && r.literal(", ") && r.digits(2, tm.tm_mday) &&
        r.literal(" ") && r.name(kMonthNames, tm.tm_mon) && r.literal(" ") &&
        r.digits(4, year) && r.literal(" ") && r.time_of_day(tm) && r.literal(" GMT") &&
        r.rest.empty())
        return to_time(tm, year);
    return std::nullopt;
}

// "Sunday, 06-Nov-94 08:49:37 GMT"
std::optional<std::time_t> parse_rfc850(std::string_view text) {
    Reader r{text};
    std::tm tm{};
    int weekday, year;
    if (r.name(kLongDayNames, weekday) && r.literal(", ") && r.digits(2, tm.tm_mday) &&
        r.literal("-") && r.name(kMonthNames, tm.tm_mon) && r.literal("-") &&
        r.digits(2, year) && r.literal(" ") && r.time_of_day(tm) && r.literal(" GMT") &&
        r.rest.empty()) {
        // RFC 9110 5.6.7 says to read a two-digit year as the most recent
        // matching one not more than 50 years ahead; without a clock here,
        // the usual fixed pivot (70) does the same for dates around now.
        return to_time(tm, year < 70 ? 2000 + year : 1900 + year);
    }
    return std::nullopt;
}

// "Sun Nov  6 08:49:37 1994" (the day is space-padded)
std::optional<std::time_t> parse_asctime(std::string_view text) {
    Reader r{text};
    std::tm tm{};
    int weekday, year;
    if (!(r.name(kDayNames, weekday) && r.literal(" ") && r.name(kMonthNames, tm.tm_mon) &&
          r.literal(" ")))
        return std::nullopt;
    if (r.literal(" ")) {
        if (!r.digits(1, tm.tm_mday)) return std::nullopt;
    } else if (!r.digits(2, tm.tm_mday)) {
        return std::nullopt;
    }
    if (r.literal(" ") && r.time_of_day(tm) && r.literal(" ") && r.digits(4, year) &&
        r.rest.empty())
        return to_time(tm, year);
    return std::nullopt;
}

}  // namespace

void append_http_date(std::string& out, std::time_t t) {
    out.append(cached_fixdate(t), kFixdateLength);
}

// Not through the cache: callers format other moments than "now" (a file's
// Last-Modified), which would evict the Date header's entry every response.
std::string http_date(std::time_t t) {
    std::string s(kFixdateLength, '\0');
    format_fixdate(t, s.data());
    return s;
}

std::optional<std::time_t> parse_http_date(std::string_view text) {
    if (auto t = parse_fixdate(text)) return t;
    if (auto t = parse_rfc850(text)) return t;
    return parse_asctime(text);
}

}  // namespace wirechat::http
