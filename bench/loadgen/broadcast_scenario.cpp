// Chat broadcast: N clients in the chat's lobby; one of them says something
// and we time how long until each of the N has it (the sender included: its
// copy is its confirmation). Rounds are sent one at a time, each by another
// client (the chat rate-limits each connection): p50/p99 over all
// deliveries, and the time until the last client had it (median and p99
// over the rounds).
//
// With --rate, a steady stream follows: enough senders, each well under the
// chat's per-connection rate limit (or --senders K of them: K=1, one
// publisher sends the whole stream, for a chat without a limit,
// wirechat --chat-rate 0), and every client must receive every
// message exactly once (a bit per client and message); it reports delivered
// messages/s, the server's CPU per delivered message (all its processes:
// --server-pid A,B), redis-server's apart (--redis-pid), the time from
// sending each message until its last client had it (p50/p99), and the
// share of a core that the load generator itself used meanwhile (near 1:
// the load generator is the limit).
//
// The same scenario drives wirechat's chat (new_message envelopes), the
// Socket.IO peer (--protocol socketio: "new_message" events, whose copies
// come back as ["new_message",{...,"text":...}]) and plain pub/sub servers
// that send every message to every client, the sender included, unchanged
// (--protocol raw: a text frame "<prefix>s<seq> " padded to --size bytes,
// and every copy must be byte for byte what was sent, and nothing else may
// arrive); with several --port, the clients and the senders are spread
// over every node.
#include <unistd.h>

#include <charconv>

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
        : Scenario(settings),
          prefix_("bench-" + std::to_string(getpid()) + "-"),
          redis_(settings.redis_pid > 0 ? std::vector<pid_t>{settings.redis_pid} : std::vector<pid_t>{}) {
        seen_round_.assign(settings_.connections, -1);
        steady_seen_.assign(settings_.connections, 0);
        if (settings_.rate > 0) {
            // Every message the steady stream may send, with room to spare.
            steady_capacity_ = std::size_t(std::ceil(settings_.rate * settings_.duration_s)) + 2;
            steady_bits_.assign(settings_.connections * steady_capacity_, false);
            steady_sent_at_.assign(steady_capacity_, 0);
            steady_count_.assign(steady_capacity_, 0);
            steady_last_.assign(steady_capacity_, 0);
        }
    }

    void run() override {
        open_all(120);
        settle();
        LatencySamples latencies;
        LatencySamples all_delivered;
        for (int round = 0; round < settings_.rounds; ++round) {
            round_ = round;
            got_ = 0;
            // Each by another client, or by the --senders in turn.
            const std::size_t speakers = settings_.senders > 0 ? senders() : clients_.size();
            Client& sender = *clients_[std::size_t(round) % speakers];
            sender.send_text(message('r', std::uint64_t(round)));
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
            .add("all_delivered_us", all_delivered.percentile_us(50))
            .add("all_delivered_p99_us", all_delivered.percentile_us(99));
        if (settings_.rate > 0) steady(line);
    }

private:
    // The clients that send, the first ones: --senders, or enough to keep
    // each well under the chat's rate limit.
    std::size_t senders() const {
        const std::size_t wanted = settings_.senders > 0 ? settings_.senders
                                                         : std::size_t(std::ceil(settings_.rate / per_sender_rate));
        return std::clamp<std::size_t>(wanted, 1, clients_.size());
    }

    // The text of message `number` of a kind ('r': timed round, 's': steady
    // stream): the prefix, the kind, the number; with --protocol raw, a
    // space and a letter pattern up to --size bytes.
    std::string text_of(char kind, std::uint64_t number) const {
        std::string text = prefix_ + kind + std::to_string(number);
        if (settings_.raw) {
            text += ' ';
            while (text.size() < settings_.size) text += char('a' + text.size() % 26);
        }
        return text;
    }
    // What a client sends to say it, and how the copies begin.
    std::string message(char kind, std::uint64_t number) const {
        const std::string text = text_of(kind, number);
        if (settings_.raw) return text;
        if (settings_.socketio) return R"(42["new_message",")" + text + R"("])";
        return R"({"type":"new_message","payload":")" + text + R"("})";
    }
    bool is_new_message(std::string_view text) const {
        if (settings_.socketio) return text.starts_with(R"(["new_message",)");
        return text.find(R"("type":"new_message")") != std::string_view::npos;
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
        const std::size_t senders = this->senders();
        const std::int64_t interval = std::int64_t(1e9 / settings_.rate);
        const std::int64_t start = now_ns();
        const std::int64_t end = start + std::int64_t(settings_.duration_s * 1e9);
        const std::int64_t cpu_before = server_.enabled() ? server_.cpu().total_ns() : 0;
        const std::int64_t redis_before = redis_.enabled() ? redis_.cpu().total_ns() : 0;
        const std::int64_t own_before = own_cpu_ns();
        const std::uint64_t wire_before = loop_.frame_bytes_read();
        std::uint64_t sent = 0;
        while (now_ns() < end) {
            while (start + std::int64_t(sent) * interval <= now_ns() && sent < steady_capacity_) {
                Client& sender = *clients_[sent % senders];
                sender.send_text(message('s', sent));
                steady_sent_at_[sent] = now_ns();
                sender.flush();
                ++sent;
            }
            loop_.poll(1);
        }
        const std::uint64_t expected = sent * clients_.size();
        // A server slower than the offered rate drains its backlog here.
        if (!poll_until([&] { return steady_delivered_ == expected; }, 120))
            die("steady: " + std::to_string(steady_delivered_) + " of " + std::to_string(expected) +
                " deliveries arrived");
        const std::int64_t elapsed_ns = now_ns() - start;
        const double elapsed = double(elapsed_ns) / 1e9;
        const std::int64_t cpu_after = server_.enabled() ? server_.cpu().total_ns() : 0;
        const std::int64_t redis_after = redis_.enabled() ? redis_.cpu().total_ns() : 0;
        const std::int64_t own_after = own_cpu_ns();
        const std::uint64_t wire_bytes = loop_.frame_bytes_read() - wire_before;
        // Every delivery was checked against its bit as it came: a second
        // copy failed the run then. Now every bit must be set.
        for (std::size_t id = 0; id < clients_.size(); ++id)
            if (steady_seen_[id] != sent) die("steady: a client did not get every message");
        LatencySamples last;
        for (std::uint64_t seq = 0; seq < sent; ++seq) last.add(steady_last_[seq]);
        const double per_delivery_us = 1.0 / 1000.0 / double(expected);
        line.add("steady_sent", double(sent))
            .add("senders", double(senders))
            .add("delivered_per_s", double(expected) / elapsed)
            .add("steady_all_delivered_p50_us", last.percentile_us(50))
            .add("steady_all_delivered_p99_us", last.percentile_us(99))
            .add("loadgen_cpu_share", double(own_after - own_before) / double(elapsed_ns))
            .add("loadgen_cpu_us_per_delivery", double(own_after - own_before) * per_delivery_us)
            .add("wire_bytes_per_delivery", double(wire_bytes) / double(expected));
        if (server_.enabled())
            line.add("server_cpu_us_per_delivery", double(cpu_after - cpu_before) * per_delivery_us)
                .add("server_cpu_share", double(cpu_after - cpu_before) / double(elapsed_ns));
        if (redis_.enabled())
            line.add("redis_cpu_us_per_delivery", double(redis_after - redis_before) * per_delivery_us)
                .add("redis_cpu_share", double(redis_after - redis_before) / double(elapsed_ns));
        if (server_.enabled())
            line.add("total_cpu_us_per_delivery",
                     double(cpu_after - cpu_before + redis_after - redis_before) * per_delivery_us);
    }

    void on_message(Client& client, ws::Opcode op, std::span<const std::uint8_t> payload) override {
        ++messages_;
        if (op != ws::Opcode::text) die("the server sent a binary frame");
        std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
        // Where the text begins: a raw message is nothing else; the chat's
        // other envelopes (presence, rooms) are not ours, its errors fail.
        std::size_t at = 0;
        if (settings_.raw) {
            if (!text.starts_with(prefix_)) die("a message that was not sent: " + std::string(text.substr(0, 300)));
        } else {
            if (!is_new_message(text)) {
                if (!settings_.socketio && text.find(R"("type":"error")") != std::string_view::npos)
                    die("the chat refused a message: " + std::string(text.substr(0, 300)));
                return;
            }
            at = text.find(prefix_);
            if (at == std::string_view::npos) return;
        }
        // The kind and number, which end in the chat's closing quote or the
        // raw message's space.
        const char* digits = text.data() + at + prefix_.size() + 1;
        const char* text_end = text.data() + text.size();
        std::uint64_t number = 0;
        const char kind = digits <= text_end ? digits[-1] : 0;
        auto [end, ec] = std::from_chars(std::min(digits, text_end), text_end, number);
        if ((kind != 'r' && kind != 's') || ec != std::errc{} || end == text_end ||
            *end != (settings_.raw ? ' ' : '"'))
            die("a message that was not sent: " + std::string(text.substr(0, 300)));
        if (settings_.raw && text != text_of(kind, number))
            die("a copy that differs from what was sent: " + std::string(text.substr(0, 300)));
        const std::size_t id = client.id();
        if (kind == 'r') {
            if (round_ < 0 || number != std::uint64_t(round_) || seen_round_[id] == round_)
                die("a client got a timed message twice");
            seen_round_[id] = round_;
            last_arrival_ = now_ns();
            round_latencies_.push_back(last_arrival_ - round_start_);
            ++got_;
            return;
        }
        const std::uint64_t seq = number;
        if (seq >= steady_capacity_) die("steady: a message that was not sent: " + std::string(text.substr(0, 300)));
        if (steady_bits_[id * steady_capacity_ + seq]) die("steady: a client got a message twice");
        steady_bits_[id * steady_capacity_ + seq] = true;
        ++steady_seen_[id];
        ++steady_delivered_;
        if (++steady_count_[seq] == clients_.size()) steady_last_[seq] = now_ns() - steady_sent_at_[seq];
    }

    const std::string prefix_;
    ServerStats redis_;
    std::uint64_t messages_ = 0;
    // The timed round.
    int round_ = -1;
    std::int64_t round_start_ = 0;
    std::int64_t last_arrival_ = 0;
    std::size_t got_ = 0;
    std::vector<int> seen_round_;
    std::vector<std::int64_t> round_latencies_;
    // The steady stream.
    std::vector<std::uint64_t> steady_seen_;
    std::uint64_t steady_delivered_ = 0;
    std::size_t steady_capacity_ = 0;
    std::vector<bool> steady_bits_;             // client * capacity + message
    std::vector<std::int64_t> steady_sent_at_;  // by message
    std::vector<std::size_t> steady_count_;     // clients that have it, by message
    std::vector<std::int64_t> steady_last_;     // sent until the last client had it, by message
};

}  // namespace

std::unique_ptr<Scenario> make_broadcast(const Settings& settings) {
    return std::make_unique<BroadcastScenario>(settings);
}

}  // namespace wirechat::bench
