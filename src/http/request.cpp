#include "http/request.h"

#include "http/grammar.h"

namespace wirechat::http {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }


}  // namespace

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

const std::string* Request::find(std::string_view name) const {
    for (const Header& h : headers)
        if (iequals(h.name, name)) return &h.value;
    return nullptr;
}

bool Request::has_token(std::string_view name, std::string_view token) const {
    // A list-valued field may be split over several lines (RFC 9110 5.3), so
    // every field with this name is searched.
    for (const Header& h : headers) {
        if (!iequals(h.name, name)) continue;
        for (std::string_view item : ListElements(h.value))
            if (iequals(item, token)) return true;
    }
    return false;
}

bool Request::keep_alive() const {
    if (has_token("Connection", "close")) return false;
    if (version_minor >= 1) return true;
    return has_token("Connection", "keep-alive");
}

void Request::clear() {
    method.clear();
    target.clear();
    path.clear();
    query.clear();
    version_minor = 1;
    headers.clear();
    body.clear();
}

}  // namespace wirechat::http
