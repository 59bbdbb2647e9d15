// Echo: every connection keeps `inflight` messages outstanding, each echo is
// checked byte for byte and answered with the next message. Echoes on one
// connection come back in order, so a ring of send times per connection
// gives each message's round trip.
//
// Every payload is fixed apart from a stamp with the message's sequence
// number (payload.h), so a lost, duplicated, reordered or corrupted echo is
// caught without keeping copies of what was sent. With --deflate the echoes
// come back compressed, and the bytes read per echo show by how much.
#include <sys/resource.h>

#include <algorithm>

#include "latency.h"
#include "payload.h"
#include "scenario.h"

namespace wirechat::bench {

namespace {

double cpu_seconds_of_self() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

class EchoScenario final : public Scenario {
public:
    explicit EchoScenario(const Settings& settings) : Scenario(settings) {
        if (settings_.inflight == 0) die("--inflight must be at least 1");
        // ASCII either way, so the same bytes are valid text frames.
        sent_ = settings_.json ? json_payload(settings_.size) : pattern_payload(settings_.size);
        expected_ = sent_;
        next_send_.assign(settings_.connections, 0);
        next_expected_.assign(settings_.connections, 0);
        send_times_.assign(settings_.connections * settings_.inflight, 0);
    }

    void run() override {
        open_all(30);
        sending_ = true;
        for (auto& client : clients_) {
            for (std::size_t i = 0; i < settings_.inflight; ++i) send_next(*client);
            client->flush();
        }
        idle_for(settings_.warmup_s);

        const std::uint64_t received_before = received_;
        const std::uint64_t wire_before = loop_.frame_bytes_read();
        const ServerStats::Cpu cpu_before = server_.enabled() ? server_.cpu() : ServerStats::Cpu{};
        const double self_before = cpu_seconds_of_self();
        const std::int64_t start = now_ns();
        measuring_ = true;
        latencies_.reserve(std::size_t(settings_.duration_s * 200'000));
        idle_for(settings_.duration_s);
        measuring_ = false;
        const std::int64_t elapsed = now_ns() - start;
        const ServerStats::Cpu cpu_after = server_.enabled() ? server_.cpu() : ServerStats::Cpu{};
        const double self_cpu = cpu_seconds_of_self() - self_before;
        const std::uint64_t messages = received_ - received_before;
        const std::uint64_t wire_bytes = loop_.frame_bytes_read() - wire_before;

        // Every message sent must come back before we call the run good.
        sending_ = false;
        if (!poll_until([&] { return outstanding_ == 0; }, 10))
            die(std::to_string(outstanding_) + " echoes never came back");
        if (messages == 0) die("no echo arrived during the measurement");

        ResultLine line("echo");
        line.add("connections", double(settings_.connections))
            .add("size", double(settings_.size))
            .add("inflight", double(settings_.inflight))
            .add("messages", double(messages))
            .add("msgs_per_s", double(messages) / (double(elapsed) / 1e9))
            .add("p50_us", latencies_.percentile_us(50))
            .add("p99_us", latencies_.percentile_us(99))
            .add("wire_bytes_per_echo", double(wire_bytes) / double(messages))
            .add("client_cpu_us_per_msg", self_cpu * 1e6 / double(messages));
        if (server_.enabled()) {
            const double per_message_us = 1000.0 * double(messages);
            line.add("server_cpu_us_per_msg",
                     double(cpu_after.total_ns() - cpu_before.total_ns()) / per_message_us)
                .add("server_user_us_per_msg", double(cpu_after.user_ns - cpu_before.user_ns) / per_message_us);
        }
    }

private:
    void send_next(Client& client) {
        const std::size_t id = client.id();
        const std::uint64_t sequence = next_send_[id]++;
        stamp(sent_, sequence);
        send_times_[id * settings_.inflight + sequence % settings_.inflight] = now_ns();
        ++outstanding_;
        client.send(settings_.text ? ws::Opcode::text : ws::Opcode::binary, sent_.bytes);
    }

    void on_message(Client& client, ws::Opcode op, std::span<const std::uint8_t> payload) override {
        const std::size_t id = client.id();
        const std::uint64_t sequence = next_expected_[id];
        if (sequence == next_send_[id]) die("connection " + std::to_string(id) + ": an echo nobody sent");
        const ws::Opcode expected_op = settings_.text ? ws::Opcode::text : ws::Opcode::binary;
        stamp(expected_, sequence);
        if (op != expected_op || !std::equal(payload.begin(), payload.end(), expected_.bytes.begin(), expected_.bytes.end()))
            die("connection " + std::to_string(id) + ": echo of message " + std::to_string(sequence) +
                " differs from what was sent (" + std::to_string(payload.size()) + " bytes)");
        ++next_expected_[id];
        --outstanding_;
        ++received_;
        if (measuring_)
            latencies_.add(now_ns() - send_times_[id * settings_.inflight + sequence % settings_.inflight]);
        if (sending_) send_next(client);
    }

    Payload sent_;      // stamped with the next message to send
    Payload expected_;  // stamped with the next echo expected
    std::vector<std::uint64_t> next_send_;
    std::vector<std::uint64_t> next_expected_;
    std::vector<std::int64_t> send_times_;  // [connection][sequence % inflight]
    LatencySamples latencies_;
    std::uint64_t received_ = 0;
    std::uint64_t outstanding_ = 0;
    bool sending_ = false;
    bool measuring_ = false;
};

}  // namespace

std::unique_ptr<Scenario> make_echo(const Settings& settings) {
    return std::make_unique<EchoScenario>(settings);
}

}  // namespace wirechat::bench
