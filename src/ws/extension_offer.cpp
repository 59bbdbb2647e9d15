// The grammar (RFC 6455 9.1, with RFC 7230's optional whitespace):
//   list      = extension *( OWS "," OWS extension )
//   extension = token *( OWS ";" OWS param )
//   param     = token [ OWS "=" OWS ( token / quoted-string ) ]
// where a quoted value must still be a token once unquoted.
#include "ws/extension_offer.h"

#include "http/grammar.h"

#include <algorithm>

namespace wirechat::ws {

namespace {

constexpr std::string_view deflate_name = "permessage-deflate";

// Reads the list left to right; every method either consumes what it names
// or leaves the input as it was.
class Cursor {
public:
    explicit Cursor(std::string_view input) : rest_(input) {}

    bool done() const { return rest_.empty(); }

    void skip_whitespace() {
        while (!rest_.empty() && (rest_.front() == ' ' || rest_.front() == '\t')) rest_.remove_prefix(1);
    }

    bool eat(char c) {
        if (rest_.empty() || rest_.front() != c) return false;
        rest_.remove_prefix(1);
        return true;
    }

    // Empty when no token starts here.
    std::string_view token() {
        std::size_t n = 0;
        while (n < rest_.size() && http::is_tchar(rest_[n])) ++n;
        std::string_view t = rest_.substr(0, n);
        rest_.remove_prefix(n);
        return t;
    }

    // A quoted-string (RFC 7230 3.2.6) with its escapes resolved; nullopt if
    // it is malformed or unterminated.
    std::optional<std::string> quoted() {
        if (!eat('"')) return std::nullopt;
        std::string value;
        while (!rest_.empty()) {
            const unsigned char c = static_cast<unsigned char>(rest_.front());
            rest_.remove_prefix(1);
            if (c == '"') return value;
            if (c == '\\') {
                if (rest_.empty()) return std::nullopt;
                const unsigned char escaped = static_cast<unsigned char>(rest_.front());
                if (escaped != '\t' && (escaped < 0x20 || escaped == 0x7F)) return std::nullopt;
                value += static_cast<char>(escaped);
                rest_.remove_prefix(1);
                continue;
            }
            if (c != '\t' && (c < 0x20 || c == 0x7F)) return std::nullopt;
            value += static_cast<char>(c);
        }
        return std::nullopt;
    }

    char peek() const { return rest_.empty() ? '\0' : rest_.front(); }

private:
    std::string_view rest_;
};

std::optional<ExtensionParam> parse_param(Cursor& in) {
    ExtensionParam param;
    param.name = in.token();
    if (param.name.empty()) return std::nullopt;
    in.skip_whitespace();
    if (!in.eat('=')) return param;
    in.skip_whitespace();
    if (in.peek() == '"') {
        param.value = in.quoted();
        if (!param.value || !http::is_token(*param.value)) return std::nullopt;
    } else {
        param.value = std::string(in.token());
        if (param.value->empty()) return std::nullopt;
    }
    return param;
}

// RFC 7692 7.1.2: a decimal integer from 8 to 15, without leading zeros.
std::optional<int> window_bits(std::string_view value) {
    if (value.size() == 1 && value[0] >= '8' && value[0] <= '9') return value[0] - '0';
    if (value.size() == 2 && value[0] == '1' && value[1] >= '0' && value[1] <= '5')
        return 10 + (value[1] - '0');
    return std::nullopt;
}

// What one offer asks for. A parameter given without a value is recorded
// as present with the default value.
struct DeflateOffer {
    bool server_no_context_takeover = false;
    bool client_no_context_takeover = false;
    std::optional<int> server_max_window_bits;
    bool client_max_window_bits_present = false;
    std::optional<int> client_max_window_bits;
};

// A parameter already seen makes the offer a duplicate, hence declined.
std::optional<DeflateOffer> read_deflate_offer(const ExtensionOffer& offer) {
    DeflateOffer out;
    for (const ExtensionParam& p : offer.params) {
        if (p.name == "server_no_context_takeover") {
            if (out.server_no_context_takeover || p.value) return std::nullopt;
            out.server_no_context_takeover = true;
        } else if (p.name == "client_no_context_takeover") {
            if (out.client_no_context_takeover || p.value) return std::nullopt;
            out.client_no_context_takeover = true;
        } else if (p.name == "server_max_window_bits") {
            if (out.server_max_window_bits || !p.value) return std::nullopt;
            out.server_max_window_bits = window_bits(*p.value);
            if (!out.server_max_window_bits) return std::nullopt;
        } else if (p.name == "client_max_window_bits") {
            if (out.client_max_window_bits_present) return std::nullopt;
            out.client_max_window_bits_present = true;
            if (p.value) {
                out.client_max_window_bits = window_bits(*p.value);
                if (!out.client_max_window_bits) return std::nullopt;
            }
        } else {
            return std::nullopt;
        }
    }
    return out;
}

DeflateAgreement accept(const DeflateOffer& offer, const DeflateOptions& options) {
    DeflateAgreement agreement;
    DeflateParams& params = agreement.params;
    std::string& response = agreement.response;
    response = deflate_name;

    // Allowed whether or not the client asked (RFC 7692 7.1.1.1).
    params.server_no_context_takeover = true;
    response += "; server_no_context_takeover";

    if (offer.client_no_context_takeover) {
        params.client_no_context_takeover = true;
        response += "; client_no_context_takeover";
    }
    if (offer.server_max_window_bits) {
        params.server_max_window_bits = *offer.server_max_window_bits;
        response += "; server_max_window_bits=" + std::to_string(params.server_max_window_bits);
    }
    // Only an offer that names client_max_window_bits lets us choose the
    // client's window (7.1.2.2); otherwise the client may use 2^15.
    if (offer.client_max_window_bits_present) {
        params.client_max_window_bits =
            std::min(offer.client_max_window_bits.value_or(15), options.client_max_window_bits);
        if (offer.client_max_window_bits || params.client_max_window_bits < 15)
            response += "; client_max_window_bits=" + std::to_string(params.client_max_window_bits);
    }
    return agreement;
}

}  // namespace

std::optional<std::vector<ExtensionOffer>> parse_extension_offers(std::string_view list) {
    Cursor in(list);
    std::vector<ExtensionOffer> offers;
    while (true) {
        in.skip_whitespace();
        if (in.eat(',')) continue;  // an empty element
        if (in.done()) return offers;
        ExtensionOffer offer;
        offer.name = in.token();
        if (offer.name.empty()) return std::nullopt;
        in.skip_whitespace();
        while (in.eat(';')) {
            in.skip_whitespace();
            std::optional<ExtensionParam> param = parse_param(in);
            if (!param) return std::nullopt;
            offer.params.push_back(std::move(*param));
            in.skip_whitespace();
        }
        if (!in.done() && !in.eat(',')) return std::nullopt;
        offers.push_back(std::move(offer));
    }
}

std::optional<DeflateAgreement> negotiate_deflate(std::span<const ExtensionOffer> offers,
                                                  const DeflateOptions& options) {
    for (const ExtensionOffer& offer : offers) {
        if (offer.name != deflate_name) continue;
        if (std::optional<DeflateOffer> wanted = read_deflate_offer(offer)) return accept(*wanted, options);
    }
    return std::nullopt;
}

}  // namespace wirechat::ws
