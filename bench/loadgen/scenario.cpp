#include "scenario.h"

#include <arpa/inet.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace wirechat::bench {

Scenario::Scenario(const Settings& settings)
    : settings_(settings), server_(settings.server_pid), target_(make_target(settings.port, settings.path)) {
    target_.deflate = settings.deflate;
}

void Scenario::open_all(double timeout_s) {
    const std::size_t n = settings_.connections;
    clients_.reserve(n);
    bool ok = poll_until(
        [&] {
            while (clients_.size() < n && clients_.size() - open_count_ < settings_.connect_batch) {
                std::size_t id = clients_.size();
                in_addr_t source = settings_.sources > 1
                                       ? htonl(INADDR_LOOPBACK + std::uint32_t(id % settings_.sources))
                                       : 0;
                clients_.push_back(std::make_unique<Client>(loop_, target_, source, *this, id));
            }
            return open_count_ == n;
        },
        timeout_s);
    if (!ok)
        die("only " + std::to_string(open_count_) + " of " + std::to_string(n) +
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
