// The query of a request target (the part after '?'), as the form
// encoding browsers and URLSearchParams write it (WHATWG URL,
// application/x-www-form-urlencoded): name=value pairs joined by '&',
// percent-escapes for any byte, '+' for a space.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wirechat::http {

using QueryPairs = std::vector<std::pair<std::string, std::string>>;

// Every name=value pair, decoded, in order ("a" alone is a with an empty
// value; empty pieces between '&'s are skipped). nullopt if a '%' is not
// followed by two hexadecimal digits. The decoded bytes may be anything:
// whether they are text is the caller's question.
std::optional<QueryPairs> decode_query(std::string_view query);

// `text` with its percent-escapes decoded (and '+' as a space if
// `plus_is_space`, as in a query); nullopt if a '%' is not followed by two
// hexadecimal digits.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// The value of the first pair named `name`, or nullptr.
const std::string* find_query_value(const QueryPairs& pairs, std::string_view name);

}  // namespace wirechat::http
