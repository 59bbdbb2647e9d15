// A Transport for the chat tests: keeps every send and broadcast, in order,
// and parses envelopes back into JSON so that tests assert on structure, not
// on byte-for-byte spelling.
#pragma once

#include <boost/json.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "app/transport.h"

namespace wirechat::app::testing {

struct Delivery {
    bool broadcast;                    // false: a send() to recipients[0]
    std::vector<ClientId> recipients;
    std::string envelope;

    boost::json::value json() const { return boost::json::parse(envelope); }
    std::string type() const { return std::string(json().at("type").as_string()); }
    boost::json::value payload() const { return json().at("payload"); }
    bool reaches(ClientId id) const {
        return std::find(recipients.begin(), recipients.end(), id) != recipients.end();
    }
};

class RecordingTransport final : public Transport {
public:
    void send(ClientId to, std::string_view envelope) override {
        log.push_back({false, {to}, std::string(envelope)});
    }
    void broadcast(std::span<const ClientId> to, std::string_view envelope) override {
        log.push_back({true, {to.begin(), to.end()}, std::string(envelope)});
    }
    void end(ClientId to, std::string_view reason, Ending why) override {
        ended.emplace_back(to, reason);
        endings.push_back(why);
    }

    // Everything `id` received (sends and broadcasts), oldest first.
    std::vector<Delivery> received_by(ClientId id) const {
        std::vector<Delivery> out;
        for (const Delivery& d : log) {
            if (d.reaches(id)) out.push_back(d);
        }
        return out;
    }
    // The last envelope `id` received; fails the test if there is none.
    Delivery last_to(ClientId id) const {
        for (auto it = log.rbegin(); it != log.rend(); ++it) {
            if (it->reaches(id)) return *it;
        }
        throw std::runtime_error("no envelope reached client " + std::to_string(id));
    }
    // Deliveries of one envelope type, oldest first.
    std::vector<Delivery> of_type(std::string_view type) const {
        std::vector<Delivery> out;
        for (const Delivery& d : log) {
            if (d.type() == type) out.push_back(d);
        }
        return out;
    }
    void clear() { log.clear(); }

    std::vector<Delivery> log;
    std::vector<std::pair<ClientId, std::string>> ended;
    std::vector<Ending> endings;  // why each of `ended` was sent away
};

// {"type":..,"payload":..} as the client would send it.
inline std::string envelope(std::string_view type, const boost::json::value& payload) {
    boost::json::object object;
    object["type"] = type;
    object["payload"] = payload;
    return boost::json::serialize(object);
}

}  // namespace wirechat::app::testing
