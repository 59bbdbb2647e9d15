#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <string>
#include <variant>

#include "app/envelope_reader.h"
#include "app/envelope_writer.h"

using namespace wirechat::app;
namespace json = boost::json;

namespace {

ErrorCode refusal_of(EnvelopeReader& reader, std::string_view text) {
    const auto result = reader.read(text);
    REQUIRE(std::holds_alternative<Refusal>(result));
    return std::get<Refusal>(result).code;
}

Request request_of(EnvelopeReader& reader, std::string_view text) {
    const auto result = reader.read(text);
    REQUIRE(std::holds_alternative<Request>(result));
    return std::get<Request>(result);
}

std::string nested(int depth) {
    // The envelope object is level 1; the payload adds depth - 1 arrays.
    std::string text = R"({"type":"rooms","payload":)";
    text += std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
    return text;
}

}  // namespace

TEST_CASE("the reader recognises every request type") {
    EnvelopeReader reader(16 * 1024, 16);
    Request r = request_of(reader, R"({"type":"nickname","payload":" alice "})");
    CHECK(r.type == RequestType::nickname);
    CHECK(r.text == " alice ");  // trimming is the chat's rule, not the reader's
    r = request_of(reader, R"({"payload":"hi \u00e9","type":"new_message"})");
    CHECK(r.type == RequestType::new_message);
    CHECK(r.text == "hi \xC3\xA9");
    r = request_of(reader, R"({"type":"join","payload":"dev"})");
    CHECK(r.type == RequestType::join);
    CHECK(r.text == "dev");
    CHECK(request_of(reader, R"({"type":"rooms"})").type == RequestType::rooms);
    CHECK(request_of(reader, R"({"type":"rooms","payload":{"any":[1,2]}})").type ==
          RequestType::rooms);
    CHECK(request_of(reader, R"({"type":"join","payload":"x","extra":true})").text == "x");
}

TEST_CASE("the reader refuses what is not JSON") {
    EnvelopeReader reader(16 * 1024, 16);
    CHECK(refusal_of(reader, "") == ErrorCode::bad_json);
    CHECK(refusal_of(reader, "{") == ErrorCode::bad_json);
    CHECK(refusal_of(reader, "hello") == ErrorCode::bad_json);
    CHECK(refusal_of(reader, R"({"type":"rooms"} trailing)") == ErrorCode::bad_json);
    CHECK(refusal_of(reader, R"({"type":"rooms",})") == ErrorCode::bad_json);
    CHECK(refusal_of(reader, R"({"type":"rooms"/*c*/})") == ErrorCode::bad_json);
    CHECK(refusal_of(reader, "{\"type\":\"join\",\"payload\":\"\xFF\"}") == ErrorCode::bad_json);
    CHECK(refusal_of(reader, R"({"type":"join","payload":"\ud800"})") == ErrorCode::bad_json);
}

TEST_CASE("the reader accepts nesting up to the limit and refuses one more") {
    EnvelopeReader reader(16 * 1024, 16);
    CHECK(std::holds_alternative<Request>(reader.read(nested(16))));
    CHECK(refusal_of(reader, nested(17)) == ErrorCode::bad_json);
    CHECK(refusal_of(reader, std::string(10'000, '[')) == ErrorCode::bad_json);
    // The human-readable message tells depth apart from syntax.
    const auto too_deep = reader.read(nested(17));
    CHECK(std::get<Refusal>(too_deep).message.find("deep") != std::string_view::npos);
    const auto broken = reader.read("{");
    CHECK(std::get<Refusal>(broken).message.find("deep") == std::string_view::npos);
}

TEST_CASE("the reader checks the size before parsing") {
    EnvelopeReader reader(64, 16);
    std::string text = R"({"type":"new_message","payload":")";
    text += std::string(64 - text.size() - 2, 'x') + "\"}";
    REQUIRE(text.size() == 64);
    CHECK(request_of(reader, text).type == RequestType::new_message);
    // One byte more is refused even though it is not even valid JSON.
    CHECK(refusal_of(reader, text + "}") == ErrorCode::too_large);
}

TEST_CASE("the reader refuses malformed envelopes") {
    EnvelopeReader reader(16 * 1024, 16);
    CHECK(refusal_of(reader, R"(["nickname","alice"])") == ErrorCode::bad_envelope);
    CHECK(refusal_of(reader, R"("nickname")") == ErrorCode::bad_envelope);
    CHECK(refusal_of(reader, R"({"payload":"alice"})") == ErrorCode::bad_envelope);
    CHECK(refusal_of(reader, R"({"type":7,"payload":"alice"})") == ErrorCode::bad_envelope);
    CHECK(refusal_of(reader, R"({"type":"nickname"})") == ErrorCode::bad_envelope);
    CHECK(refusal_of(reader, R"({"type":"nickname","payload":null})") == ErrorCode::bad_envelope);
    CHECK(refusal_of(reader, R"({"type":"new_message","payload":42})") == ErrorCode::bad_envelope);
    CHECK(refusal_of(reader, R"({"type":"join","payload":["dev"]})") == ErrorCode::bad_envelope);
}

TEST_CASE("the reader refuses unknown types, case-sensitively") {
    EnvelopeReader reader(16 * 1024, 16);
    CHECK(refusal_of(reader, R"({"type":"shout","payload":"x"})") == ErrorCode::unknown_type);
    CHECK(refusal_of(reader, R"({"type":"Rooms"})") == ErrorCode::unknown_type);
    CHECK(refusal_of(reader, R"({"type":"welcome","payload":{}})") == ErrorCode::unknown_type);
}

TEST_CASE("the reader recovers after a refusal") {
    EnvelopeReader reader(16 * 1024, 16);
    CHECK(refusal_of(reader, R"({"type":"join","payload":"de)") == ErrorCode::bad_json);
    CHECK(request_of(reader, R"({"type":"join","payload":"dev"})").text == "dev");
}

TEST_CASE("append_json_string escapes what JSON requires") {
    std::string out;
    append_json_string(out, "a\"b\\c\n\x01 <\xC3\xA9>");
    CHECK(json::parse(out).as_string() == "a\"b\\c\n\x01 <\xC3\xA9>");
    CHECK(out.find('\n') == std::string::npos);
    std::string big(5000, 'x');
    out.clear();
    append_json_string(out, big);
    CHECK(out == "\"" + big + "\"");
}

TEST_CASE("a message's head and tail and write_new_message build the documented shape") {
    std::string message;
    write_message_head(message, 42);
    write_message_tail(message, "lobby", "al\"ice", "<b>hi</b>", 1764000000000);
    std::string out;
    write_new_message(out, message);
    const json::value v = json::parse(out);
    CHECK(v.at("type") == "new_message");
    const json::object& p = v.at("payload").as_object();
    CHECK(p.size() == 5);
    CHECK(p.at("id").to_number<std::uint64_t>() == 42);
    CHECK(p.at("room") == "lobby");
    CHECK(p.at("from") == "al\"ice");
    CHECK(p.at("text") == "<b>hi</b>");  // not HTML-escaped
    CHECK(p.at("ts").to_number<std::int64_t>() == 1764000000000);
}

TEST_CASE("write_error names the code") {
    std::string out;
    write_error(out, ErrorCode::rate_limited, "slow down");
    CHECK(json::parse(out) == json::parse(
        R"({"type":"error","payload":{"code":"rate_limited","message":"slow down"}})"));
    CHECK(error_code_name(ErrorCode::bad_json) == "bad_json");
    CHECK(error_code_name(ErrorCode::too_large) == "too_large");
    CHECK(error_code_name(ErrorCode::bad_envelope) == "bad_envelope");
    CHECK(error_code_name(ErrorCode::unknown_type) == "unknown_type");
    CHECK(error_code_name(ErrorCode::bad_nickname) == "bad_nickname");
    CHECK(error_code_name(ErrorCode::bad_message) == "bad_message");
    CHECK(error_code_name(ErrorCode::bad_room) == "bad_room");
    CHECK(error_code_name(ErrorCode::rate_limited) == "rate_limited");
    CHECK(error_code_name(ErrorCode::bad_since) == "bad_since");
    CHECK(error_code_name(ErrorCode::unavailable) == "unavailable");
}

TEST_CASE("room envelopes splice in what the engine prepared") {
    const Presence presence{R"(["alice","bob"])", 3};
    std::string out;
    write_presence(out, "dev", presence);
    CHECK(json::parse(out) == json::parse(
        R"({"type":"presence","payload":{"room":"dev","users":["alice","bob"],"count":3}})"));

    std::string list = "[";
    append_room(list, "dev", 1);
    list += ',';
    append_room(list, "lo\"bby", 0);
    list += ']';
    CHECK(json::parse(list) == json::parse(R"([{"room":"dev","users":1},{"room":"lo\"bby","users":0}])"));
    out.clear();
    write_rooms(out, list);
    CHECK(json::parse(out).at("payload") == json::parse(list));

    Entry entry{.nickname = "alice",
                .room = "dev",
                .presence = presence,
                .history_json = R"([{"id":1},{"id":2}])",
                .recovered = std::nullopt,
                .rooms_json = list};
    out.clear();
    write_joined(out, entry);
    CHECK(json::parse(out) == json::parse(R"({"type":"joined","payload":{"room":"dev",
        "users":["alice","bob"],"count":3,"history":[{"id":1},{"id":2}]}})"));
    out.clear();
    write_welcome(out, entry);
    CHECK(json::parse(out) == json::parse(R"({"type":"welcome","payload":{"nickname":"alice",
        "room":"dev","users":["alice","bob"],"count":3,
        "history":[{"id":1},{"id":2}],"rooms":[{"room":"dev","users":1},{"room":"lo\"bby","users":0}]}})"));

    // With a `since`, both say whether history is exactly what was missed.
    entry.recovered = true;
    out.clear();
    write_joined(out, entry);
    CHECK(json::parse(out).at("payload").at("recovered") == true);
    entry.recovered = false;
    out.clear();
    write_welcome(out, entry);
    CHECK(json::parse(out).at("payload").at("recovered") == false);

    out.clear();
    write_nickname(out, "alice");
    CHECK(json::parse(out) == json::parse(R"({"type":"nickname","payload":"alice"})"));
    out.clear();
    write_renamed(out, "alice", "guest-\"12");
    CHECK(json::parse(out) == json::parse(R"({"type":"renamed","payload":{"from":"alice","to":"guest-\"12"}})"));
}

TEST_CASE("join also takes {room, since}, since is an integer from 0 to 2^53 - 1") {
    EnvelopeReader reader(16 * 1024, 16);
    Request r = request_of(reader, R"({"type":"join","payload":{"room":"dev","since":123}})");
    CHECK(r.type == RequestType::join);
    CHECK(r.text == "dev");
    CHECK(r.since == 123u);
    r = request_of(reader, R"({"type":"join","payload":{"room":"dev"}})");
    CHECK(r.text == "dev");
    CHECK_FALSE(r.since);
    CHECK(request_of(reader, R"({"type":"join","payload":"dev"})").since == std::nullopt);
    CHECK(request_of(reader, R"({"type":"join","payload":{"room":"a","since":0}})").since == 0u);
    CHECK(request_of(reader, R"({"type":"join","payload":{"room":"a","since":9007199254740991}})").since ==
          9007199254740991u);
    CHECK(request_of(reader, R"({"type":"join","payload":{"room":"a","since":1e3}})").since == 1000u);

    for (const char* since : {"-1", "9007199254740992", "18446744073709551615", "1.5", "\"12\"", "null",
                              "true", "[1]", "-0.5", "1e300"}) {
        INFO(since);
        CHECK(refusal_of(reader, std::string(R"({"type":"join","payload":{"room":"a","since":)") + since +
                                     "}}") == ErrorCode::bad_since);
    }
    CHECK(refusal_of(reader, R"({"type":"join","payload":{"since":1}})") == ErrorCode::bad_envelope);
    CHECK(refusal_of(reader, R"({"type":"join","payload":{"room":7}})") == ErrorCode::bad_envelope);
    // Only join has an object form.
    CHECK(refusal_of(reader, R"({"type":"nickname","payload":{"room":"dev"}})") == ErrorCode::bad_envelope);
}
