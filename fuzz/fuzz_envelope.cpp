// The chat layer: envelope decoding and dispatch, driven through app::Chat
// with a fake Transport, by four clients, under small limits so that every
// refusal (size, depth, rate, lengths, names taken) is within reach.
//
// Input: a script of records. A record's first byte is the action (bits 0-1:
// connect, receive, disconnect, flush; bits 2-3: which client; bits 4-7: how
// much time passes first). A `receive` takes the bytes up to the next NUL
// as its text (JSON never holds a raw NUL, so no envelope needs one); text
// that is not UTF-8 is skipped, as the WebSocket layer never delivers it.
// Properties: every envelope out is a JSON object with a known "type"; it
// goes only to connected clients, each at most once per broadcast; the
// first thing a client hears is its welcome; message ids only increase.
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "app/chat.h"
#include "app/memory_engine.h"
#include "fuzz_support.h"

using namespace wirechat;

namespace {

class CheckingTransport final : public app::Transport {
public:
    std::map<app::ClientId, std::size_t> heard;  // connected clients: envelopes received
    std::uint64_t last_message_id = 0;

    void send(app::ClientId to, std::string_view envelope) override {
        const std::string type = check(envelope);
        deliver(to, type);
    }
    void broadcast(std::span<const app::ClientId> to, std::string_view envelope) override {
        const std::string type = check(envelope);
        std::set<app::ClientId> unique(to.begin(), to.end());
        FUZZ_CHECK(unique.size() == to.size());
        for (app::ClientId id : to) deliver(id, type);
    }
    void end(app::ClientId, std::string_view, Ending) override { FUZZ_CHECK(false); }  // memory never fails, nobody is signed

private:
    void deliver(app::ClientId to, const std::string& type) {
        auto it = heard.find(to);
        FUZZ_CHECK(it != heard.end());
        FUZZ_CHECK((it->second == 0) == (type == "welcome"));
        ++it->second;
    }

    // The envelope's type, after checking its shape.
    std::string check(std::string_view envelope) {
        boost::system::error_code ec;
        const boost::json::value value = boost::json::parse(envelope, ec);
        FUZZ_CHECK(!ec && value.is_object());
        const boost::json::object& object = value.get_object();
        const boost::json::value* type = object.if_contains("type");
        FUZZ_CHECK(type && type->is_string());
        const std::string name(type->get_string());
        static const std::set<std::string> known = {"welcome", "new_message", "joined", "nickname",
                                                    "presence", "rooms", "error"};
        FUZZ_CHECK(known.count(name) == 1);
        if (name == "new_message") {
            const boost::json::value* payload = object.if_contains("payload");
            FUZZ_CHECK(payload && payload->is_object());
            const boost::json::value* id = payload->get_object().if_contains("id");
            FUZZ_CHECK(id && id->is_number());
            const std::uint64_t n = id->to_number<std::uint64_t>();
            FUZZ_CHECK(n > last_message_id);
            last_message_id = n;
        }
        return name;
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    CheckingTransport transport;
    app::ChatOptions options;
    options.history_per_room = 3;
    options.max_envelope_bytes = 256;
    options.max_depth = 4;
    options.max_nickname = 8;
    options.max_text = 40;
    options.max_room = 8;
    options.rate_burst = 4;
    options.rate_per_second = 2;
    options.users_listed = 2;
    app::MemoryEngine engine(options, 1);
    app::Chat chat(transport, engine, options);

    std::int64_t now = 1'700'000'000'000;
    std::size_t pos = 0;
    while (pos < size) {
        const std::uint8_t action = data[pos++];
        const app::ClientId client = 1 + ((action >> 2) & 3);
        now += (action >> 4) * 97;
        switch (action & 3) {
            case 0:
                // A welcome is expected only for a new connection.
                transport.heard.emplace(client, 0);
                chat.connect(client, now);
                break;
            case 1: {
                const std::uint8_t* end = std::find(data + pos, data + size, 0);
                const std::span<const std::uint8_t> text(data + pos, end);
                pos = std::size_t(end - data) + (end != data + size);
                if (fuzz::reference_valid_utf8(text)) chat.receive(client, fuzz::as_text(text), now);
                break;
            }
            case 2:
                chat.disconnect(client);
                transport.heard.erase(client);
                break;
            default: chat.flush(); break;
        }
        FUZZ_CHECK(chat.client_count() == transport.heard.size());
    }
    chat.flush();
    return 0;
}
