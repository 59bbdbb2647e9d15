// The small pieces of HTTP's grammar (RFC 9110 5.6) that the parser, the
// static files, and the WebSocket handshake all need.
#pragma once

#include <cstddef>
#include <iterator>
#include <string_view>

namespace wirechat::http {

// tchar: the characters of methods, field names, codings, extension names.
bool is_tchar(char c);
bool is_token(std::string_view s);
// OWS: optional whitespace, spaces and horizontal tabs.
bool is_ows(char c);
std::string_view trim_ows(std::string_view s);
// The value of a hexadecimal digit, or -1.
int hex_value(char c);

// The elements of a comma-separated list (RFC 9110 5.6.1), OWS trimmed, in
// order: "a, ,b" gives "a", "", "b", and "" gives one empty element. Empty
// elements are kept for the caller to judge: most fields ignore them, but an
// empty Content-Length is an error. For range-for.
class ListElements {
public:
    explicit ListElements(std::string_view list) : list_(list) {}

    class iterator {
    public:
        std::string_view operator*() const { return trim_ows(rest_.substr(0, comma_)); }
        iterator& operator++() {
            if (comma_ == std::string_view::npos) {
                done_ = true;
                return *this;
            }
            rest_.remove_prefix(comma_ + 1);
            comma_ = rest_.find(',');
            return *this;
        }
        bool operator==(std::default_sentinel_t) const { return done_; }

    private:
        friend class ListElements;
        explicit iterator(std::string_view rest) : rest_(rest), comma_(rest.find(',')) {}
        std::string_view rest_;  // from the current element to the end
        std::size_t comma_;      // the comma after the current element, or npos
        bool done_ = false;
    };

    iterator begin() const { return iterator(list_); }
    std::default_sentinel_t end() const { return {}; }

private:
    std::string_view list_;
};

}  // namespace wirechat::http
