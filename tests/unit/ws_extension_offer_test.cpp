// Sec-WebSocket-Extensions: the list syntax (quoting, whitespace, empty
// elements, malformed lists), and permessage-deflate negotiation as a table
// of offers and the answer each one gets.
#include <catch2/catch.hpp>

#include <string>

#include "ws/extension_offer.h"

using namespace wirechat::ws;

namespace {

// The response to `offer`, or "-" when nothing is accepted.
std::string answer(std::string_view offer, DeflateOptions options = {}) {
    std::optional<std::vector<ExtensionOffer>> offers = parse_extension_offers(offer);
    if (!offers) return "-";
    std::optional<DeflateAgreement> agreement = negotiate_deflate(*offers, options);
    return agreement ? agreement->response : "-";
}

}  // namespace

TEST_CASE("an extension list is split into names and parameters") {
    auto offers = parse_extension_offers(
        "permessage-deflate; client_max_window_bits, x-custom ;a=1; b = \"two\" ,permessage-deflate");
    REQUIRE(offers);
    REQUIRE(offers->size() == 3);
    CHECK((*offers)[0].name == "permessage-deflate");
    REQUIRE((*offers)[0].params.size() == 1);
    CHECK((*offers)[0].params[0].name == "client_max_window_bits");
    CHECK_FALSE((*offers)[0].params[0].value);
    CHECK((*offers)[1].name == "x-custom");
    REQUIRE((*offers)[1].params.size() == 2);
    CHECK((*offers)[1].params[0].value == "1");
    CHECK((*offers)[1].params[1].name == "b");
    CHECK((*offers)[1].params[1].value == "two");
    CHECK((*offers)[2].params.empty());
}

TEST_CASE("quoted values are unescaped and must still be tokens") {
    auto escaped = parse_extension_offers(R"(e; p="a\bc")");
    REQUIRE(escaped);
    CHECK((*escaped)[0].params[0].value == "abc");
    CHECK_FALSE(parse_extension_offers(R"(e; p="a b")"));
    CHECK_FALSE(parse_extension_offers(R"(e; p="")"));
    CHECK_FALSE(parse_extension_offers(R"(e; p="a\"b")"));
    CHECK_FALSE(parse_extension_offers(R"(e; p="abc)"));
    CHECK_FALSE(parse_extension_offers("e; p=\"a\x01\""));
}

TEST_CASE("empty list elements are skipped") {
    auto offers = parse_extension_offers(" , ,permessage-deflate,, ");
    REQUIRE(offers);
    CHECK(offers->size() == 1);
    auto none = parse_extension_offers("");
    REQUIRE(none);
    CHECK(none->empty());
}

TEST_CASE("a malformed list is refused whole") {
    for (const char* bad : {"permessage-deflate;", "permessage-deflate; =1", "permessage-deflate x",
                            "permessage-deflate; a=", "permessage-deflate; a==1", "; a", "a; b=c d",
                            "permessage-deflate\x7f", "a/b"}) {
        INFO(bad);
        CHECK_FALSE(parse_extension_offers(bad));
    }
}

TEST_CASE("permessage-deflate negotiation, offer by offer") {
    struct Row {
        const char* offer;
        const char* response;
    };
    const Row rows[] = {
        // What browsers and python websockets send.
        {"permessage-deflate", "permessage-deflate; server_no_context_takeover"},
        {"permessage-deflate; client_max_window_bits", "permessage-deflate; server_no_context_takeover"},
        // Every parameter, alone.
        {"permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover"},
        {"permessage-deflate; client_no_context_takeover",
         "permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
        {"permessage-deflate; server_max_window_bits=10",
         "permessage-deflate; server_no_context_takeover; server_max_window_bits=10"},
        {"permessage-deflate; client_max_window_bits=9",
         "permessage-deflate; server_no_context_takeover; client_max_window_bits=9"},
        {"permessage-deflate; server_max_window_bits=8; client_max_window_bits=15",
         "permessage-deflate; server_no_context_takeover; server_max_window_bits=8; client_max_window_bits=15"},
        // All of them, with whitespace and a quoted value.
        {"permessage-deflate ;client_no_context_takeover ; server_no_context_takeover;"
         " server_max_window_bits = \"12\";client_max_window_bits",
         "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12"},
        // Declined: missing, bad or out-of-range values.
        {"permessage-deflate; server_max_window_bits", "-"},
        {"permessage-deflate; server_max_window_bits=7", "-"},
        {"permessage-deflate; server_max_window_bits=16", "-"},
        {"permessage-deflate; client_max_window_bits=010", "-"},
        {"permessage-deflate; client_max_window_bits=abc", "-"},
        {"permessage-deflate; server_no_context_takeover=1", "-"},
        {"permessage-deflate; client_no_context_takeover=\"x\"", "-"},
        // Declined: duplicates and unknown parameters.
        {"permessage-deflate; client_no_context_takeover; client_no_context_takeover", "-"},
        {"permessage-deflate; server_max_window_bits=10; server_max_window_bits=10", "-"},
        {"permessage-deflate; client_max_window_bits; client_max_window_bits=10", "-"},
        {"permessage-deflate; x_unknown", "-"},
        // A declined offer falls back to the next one.
        {"permessage-deflate; server_max_window_bits=20, permessage-deflate; client_no_context_takeover",
         "permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
        // Other extensions are passed over; the first acceptable offer wins.
        {"x-webkit-deflate-frame, permessage-deflate; server_max_window_bits=11, permessage-deflate",
         "permessage-deflate; server_no_context_takeover; server_max_window_bits=11"},
        {"x-webkit-deflate-frame", "-"},
        {"", "-"},
        // A broken list: nothing is accepted, even a good offer in it.
        {"permessage-deflate, permessage-deflate;", "-"},
    };
    for (const Row& row : rows) {
        INFO(row.offer);
        CHECK(answer(row.offer) == row.response);
    }
}

TEST_CASE("the client's window is capped by our option only when the offer lets us choose") {
    const DeflateOptions small{.client_max_window_bits = 10};
    CHECK(answer("permessage-deflate; client_max_window_bits", small) ==
          "permessage-deflate; server_no_context_takeover; client_max_window_bits=10");
    CHECK(answer("permessage-deflate; client_max_window_bits=12", small) ==
          "permessage-deflate; server_no_context_takeover; client_max_window_bits=10");
    CHECK(answer("permessage-deflate; client_max_window_bits=9", small) ==
          "permessage-deflate; server_no_context_takeover; client_max_window_bits=9");
    // Without the parameter the client may use 2^15, and we must inflate it.
    CHECK(answer("permessage-deflate", small) == "permessage-deflate; server_no_context_takeover");
    auto offers = parse_extension_offers("permessage-deflate");
    CHECK(negotiate_deflate(*offers, small)->params.client_max_window_bits == 15);
}

TEST_CASE("the agreed parameters match the response") {
    auto offers = parse_extension_offers(
        "permessage-deflate; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=11");
    REQUIRE(offers);
    auto agreement = negotiate_deflate(*offers, {});
    REQUIRE(agreement);
    CHECK(agreement->params == DeflateParams{.server_no_context_takeover = true,
                                             .client_no_context_takeover = true,
                                             .server_max_window_bits = 9,
                                             .client_max_window_bits = 11});
}
