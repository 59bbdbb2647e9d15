// A Chat on a MemoryEngine wired to a RecordingTransport, with a clock the
// test moves by hand.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "app/chat.h"
#include "app/memory_engine.h"
#include "app_recording_transport.h"

namespace wirechat::app::testing {

struct ChatFixture {
    explicit ChatFixture(ChatOptions options = {}, std::uint64_t first_id = 1)
        : engine(options, first_id), chat(transport, engine, options) {}

    void connect(ClientId id, const Arrival& arrival = {}) { chat.connect(id, now, arrival); }
    void say(ClientId id, std::string_view type, const boost::json::value& payload) {
        chat.receive(id, envelope(type, payload), now);
    }
    void raw(ClientId id, std::string_view text) { chat.receive(id, text, now); }
    void flush() { chat.flush(); }

    // The payload of the new_message `id` gets when it speaks (state probe).
    boost::json::value echo_of(ClientId id, std::string_view text) {
        say(id, "new_message", boost::json::string(text));
        const Delivery last = transport.last_to(id);
        REQUIRE(last.type() == "new_message");
        return last.payload();
    }

    RecordingTransport transport;
    MemoryEngine engine;
    Chat chat;
    std::int64_t now = 1'764'000'000'000;
};

inline std::string nickname_in(const boost::json::value& message) {
    return std::string(message.at("from").as_string());
}

}  // namespace wirechat::app::testing
