// wirechat-cli --json: typed lines to envelopes, envelopes to lines.
#include <catch2/catch.hpp>

#include "cli/chat_view.h"

using wirechat::cli::describe_envelope;
using wirechat::cli::envelope_for_line;

TEST_CASE("lines become new_message, commands become their requests") {
    CHECK(envelope_for_line("hello \"world\"") == R"({"type":"new_message","payload":"hello \"world\""})");
    CHECK(envelope_for_line("/nick alice") == R"({"type":"nickname","payload":"alice"})");
    CHECK(envelope_for_line("/join dev") == R"({"type":"join","payload":"dev"})");
    CHECK(envelope_for_line("/rooms") == R"({"type":"rooms"})");
    CHECK(envelope_for_line("").empty());
}

TEST_CASE("each server envelope has its line") {
    CHECK(describe_envelope(R"({"type":"new_message","payload":{"id":1,"room":"lobby","from":"alice","text":"hi","ts":2}})") ==
          "[lobby] alice: hi");
    CHECK(describe_envelope(R"({"type":"nickname","payload":"bob"})") == "* you are now bob");
    CHECK(describe_envelope(R"({"type":"presence","payload":{"room":"lobby","users":["a","b"],"count":5}})") ==
          "* in lobby: a, b and 3 more");
    CHECK(describe_envelope(R"({"type":"rooms","payload":[{"room":"dev","users":2},{"room":"lobby","users":3}]})") ==
          "* rooms: dev (2), lobby (3)");
    CHECK(describe_envelope(R"({"type":"error","payload":{"code":"bad_room","message":"no spaces"}})") ==
          "! bad_room: no spaces");
}

TEST_CASE("welcome and joined are followed by the room's history") {
    CHECK(describe_envelope(R"({"type":"welcome","payload":{"nickname":"guest-7","room":"lobby",
          "users":["alice","guest-7"],"count":2,"history":[{"id":1,"room":"lobby","from":"alice","text":"hi","ts":3}],
          "rooms":[]}})") == "* you are guest-7 in lobby with alice, guest-7\n[lobby] alice: hi");
    CHECK(describe_envelope(R"({"type":"joined","payload":{"room":"dev","users":["bob"],"count":1,"history":[]}})") ==
          "* joined dev with bob");
}

TEST_CASE("unknown or malformed envelopes are shown as received") {
    for (const char* raw : {"not json", "[1,2]", R"({"type":"future","payload":{}})", R"({"type":"welcome"})",
                            R"({"type":"presence","payload":"odd"})"}) {
        CHECK(describe_envelope(raw) == raw);
    }
    // Mistyped members show as empty rather than failing.
    CHECK(describe_envelope(R"({"type":"new_message","payload":{"room":7,"from":null,"text":"t"}})") == "[] : t");
}

TEST_CASE("any /command is sent with the command as its type, so unknown types reach the server") {
    CHECK(envelope_for_line("/frobnicate x") == R"({"type":"frobnicate","payload":"x"})");
    CHECK(envelope_for_line("/frobnicate") == R"({"type":"frobnicate"})");
    CHECK(envelope_for_line("/frobnicate two words") == R"({"type":"frobnicate","payload":"two words"})");
    CHECK(envelope_for_line("/nickname alice") == R"({"type":"nickname","payload":"alice"})");
    CHECK(envelope_for_line("/nick") == R"({"type":"nickname"})");  // the server answers bad_envelope
    CHECK(envelope_for_line("/rooms now") == R"({"type":"rooms","payload":"now"})");
    // Chat text that starts with a slash: "//" escapes it; "/" alone or "/ x" is text as typed.
    CHECK(envelope_for_line("//shrug") == R"({"type":"new_message","payload":"/shrug"})");
    CHECK(envelope_for_line("/") == R"({"type":"new_message","payload":"/"})");
    CHECK(envelope_for_line("/ x") == R"({"type":"new_message","payload":"/ x"})");
}
