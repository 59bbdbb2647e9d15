// Chat broadcast: N clients in the chat's lobby; one of them says something
// and we time how long until each of the N has it (the sender included: its
// copy is its confirmation). Rounds are sent one at a time, each by another
// client (the chat rate-limits each connection).
//
// With --rate, a steady stream follows: enough senders, each well under the
// chat's per-connection rate limit, and every client must receive every
// message exactly once; it reports delivered messages/s and the server's CPU
// per delivered message.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "latency.h"
#include "scenario.h"

namespace wirechat::bench {

namespace {

// Per sender, well under the chat's sustained 10 envelopes/s.
constexpr double per_sender_rate = 5;

class BroadcastScenario final : public Scenario {
public:
    explicit BroadcastScenario(const Settings& settings)
        : Scenario(settings), prefix_("bench-" + std::to_string(getpid()) + "-") {
        seen_round_.assign(settings_.connections, -1);
        steady_seen_.assign(settings_.connections, 0);
    }

    void run() override {
        open_all(120);
        settle();
        LatencySamples latencies;
        LatencySamples all_delivered;
        for (int round = 0; round < settings_.rounds; ++round) {
            round_ = round;
            got_ = 0;
            round_token_ = prefix_ + "r" + std::to_string(round);
            Client& sender = *clients_[std::size_t(round) % clients_.size()];
            sender.send_text(envelope(round_token_));
            round_start_ = now_ns();
            sender.flush();
            if (!poll_until([&] { return got_ == clients_.size(); }, 30))
                die("round " + std::to_string(round) + ": only " + std::to_string(got_) + " of " +
                    std::to_string(clients_.size()) + " clients got the message");
            all_delivered.add(last_arrival_ - round_start_);
            for (std::int64_t t : round_latencies_) latencies.add(t);
            round_latencies_.clear();
            idle_for(0.2);
        }
        round_ = -1;
        ResultLine line("broadcast");
        line.add("clients", double(clients_.size()))
            .add("rounds", double(settings_.rounds))
            .add("p50_us", latencies.percentile_us(50))
            .add("p99_us", latencies.percentile_us(99))
            .add("all_delivered_us", all_delivered.percentile_us(50));
        if (settings_.rate > 0) steady(line);
    }

private:
    static std::string envelope(const std::string& text) {
        return R"({"type":"new_message","payload":")" + text + R"("})";
    }

    // Wait until the joins' presence and rooms updates have stopped arriving.
    void settle() {
        std::int64_t quiet_since = now_ns();
        std::uint64_t seen = messages_;
        poll_until(
            [&] {
                if (messages_ != seen) {
                    seen = messages_;
                    quiet_since = now_ns();
                }
                return now_ns() - quiet_since > 500'000'000;
            },
            10);
    }

    void steady(ResultLine& line) {
        const std::size_t senders =
            std::min(clients_.size(), std::size_t(std::ceil(settings_.rate / per_sender_rate)));
        const std::int64_t interval = std::int64_t(1e9 / settings_.rate);
        const std::int64_t start = now_ns();
        const std::int64_t end = start + std::int64_t(settings_.duration_s * 1e9);
        const std::int64_t cpu_before = server_.enabled() ? server_.cpu().total_ns() : 0;
        std::uint64_t sent = 0;
        while (now_ns() < end) {
            while (start + std::int64_t(sent) * interval <= now_ns()) {
                Client& sender = *clients_[sent % senders];
                sender.send_text(envelope(prefix_ + "s" + std::to_string(sent)));
                sender.flush();
                ++sent;
            }
            loop_.poll(1);
        }
        const std::uint64_t expected = sent * clients_.size();
        if (!poll_until([&] { return steady_delivered_ == expected; }, 30))
            die("steady: " + std::to_string(steady_delivered_) + " of " + std::to_string(expected) +
                " deliveries arrived");
        const double elapsed = double(now_ns() - start) / 1e9;
        const std::int64_t cpu_after = server_.enabled() ? server_.cpu().total_ns() : 0;
        for (std::size_t id = 0; id < clients_.size(); ++id)
            if (steady_seen_[id] != sent) die("steady: a client got a message twice or not at all");
        line.add("steady_sent", double(sent)).add("delivered_per_s", double(expected) / elapsed);
        if (server_.enabled())
            line.add("server_cpu_us_per_delivery", double(cpu_after - cpu_before) / 1000.0 / double(expected));
    }

    void on_message(Client& client, ws::Opcode op, std::span<const std::uint8_t> payload) override {
        ++messages_;
        if (op != ws::Opcode::text) die("the chat sent a binary frame");
        std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
        if (text.find(R"("type":"new_message")") == std::string_view::npos) return;
        std::size_t at = text.find(prefix_);
        if (at == std::string_view::npos) return;
        const std::size_t id = client.id();
        if (round_ >= 0 && text.substr(at).starts_with(round_token_ + '"')) {
            if (seen_round_[id] == round_) die("a client got the same broadcast twice");
            seen_round_[id] = round_;
            last_arrival_ = now_ns();
            round_latencies_.push_back(last_arrival_ - round_start_);
            ++got_;
        } else if (text.substr(at + prefix_.size()).starts_with("s")) {
            ++steady_seen_[id];
            ++steady_delivered_;
        }
    }

    const std::string prefix_;
    std::uint64_t messages_ = 0;
    // The timed round.
    int round_ = -1;
    std::string round_token_;
    std::int64_t round_start_ = 0;
    std::int64_t last_arrival_ = 0;
    std::size_t got_ = 0;
    std::vector<int> seen_round_;
    std::vector<std::int64_t> round_latencies_;
    // The steady stream.
    std::vector<std::uint64_t> steady_seen_;
    std::uint64_t steady_delivered_ = 0;
};

}  // namespace

std::unique_ptr<Scenario> make_broadcast(const Settings& settings) {
    return std::make_unique<BroadcastScenario>(settings);
}

}  // namespace wirechat::bench
