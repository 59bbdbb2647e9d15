#include "scenario.h"

#include <arpa/inet.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace wirechat::bench {

Scenario::Scenario(const Settings& settings) : settings_(settings), server_(settings.server_pids) {
    if (settings.ports.empty()) throw std::invalid_argument("--port is required");
    for (std::uint16_t port : settings.ports) {
        targets_.push_back(make_target(port, settings.path));
        targets_.back().deflate = settings.deflate;
        targets_.back().socketio = settings.socketio;
        targets_.back().tls = settings.tls;
    }
}

std::string Scenario::room_of(std::size_t id) const {
    std::string room(1, 'r');  // (not "r" + std::to_string(...): GCC 12 warns wrongly of an overlap)
    room += std::to_string(settings_.room_offset + id * settings_.rooms / settings_.connections);
    return room;
}

void Scenario::open_all(double timeout_s) {
    const std::size_t n = settings_.connections;
    clients_.reserve(n);
    bool ok = poll_until(
        [&] {
            while (clients_.size() < n && clients_.size() - through_opening() < settings_.connect_batch) {
                std::size_t id = clients_.size();
                in_addr_t source = settings_.sources > 1
                                       ? htonl(INADDR_LOOPBACK + std::uint32_t(id % settings_.sources))
                                       : 0;
                const Target& target = targets_[id % targets_.size()];
                std::string path;
                if (settings_.rooms > 0)
                    path = target.path + (target.path.find('?') == std::string::npos ? "?" : "&") +
                           "room=" + room_of(id);
                clients_.push_back(std::make_unique<Client>(loop_, target, source, *this, id, path));
            }
            return through_opening() == n;
        },
        timeout_s);
    if (!ok)
        die("only " + std::to_string(through_opening()) + " of " + std::to_string(n) +
            " connections opened in " + std::to_string(timeout_s) + " s");
}

void Scenario::idle_for(double seconds) {
    poll_until([] { return false; }, seconds);
}

void Scenario::on_open(Client& client) {
    ++open_count_;
    opened(client);
}

void Scenario::on_failure(Client& client, std::string_view why) {
    die("connection " + std::to_string(client.id()) + ": " + std::string(why));
}

void Scenario::die(std::string_view why) {
    std::fprintf(stderr, "loadgen: FAILED: %.*s\n", int(why.size()), why.data());
    std::exit(1);
}

ResultLine::ResultLine(std::string_view scenario) : text_("RESULT scenario=") {
    text_.append(scenario);
}

ResultLine& ResultLine::add(std::string_view key, double value) {
    char number[64];
    // Whole numbers for counts and rates, four significant digits for the rest.
    std::snprintf(number, sizeof number, std::abs(value) >= 1000 ? "%.0f" : "%.4g", value);
    text_.append(" ").append(key).append("=").append(number);
    return *this;
}

ResultLine::~ResultLine() {
    std::printf("%s\n", text_.c_str());
    std::fflush(stdout);
}

}  // namespace wirechat::bench
