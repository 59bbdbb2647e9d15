// Idle connections: how much memory a server spends on a WebSocket that does
// nothing, and how fast it completes handshakes.
//
// The server must be fresh (started just before): its RSS is read before the
// first connection and again once every connection is open and quiet, and the
// growth is divided by the number of connections. Then every connection
// echoes one message, to prove the server really holds them all, and the RSS
// is read once more (buffers a server keeps after first use show up there).
// With --deflate --json that message is compressed both ways, so the second
// figure includes what a server keeps per connection once it has inflated
// and deflated a message: that is the idle cost of compression.
//
// Without --server-pid it reports only the handshake rate. With --hold S it
// keeps every connection open S seconds after printing its result, so that
// several loadgens can fill several servers at once (bench/run.sh's scale
// section reads the servers' memory while they all hold).
#include <algorithm>

#include "payload.h"
#include "scenario.h"
#include "ws/deflate.h"

namespace wirechat::bench {

namespace {

constexpr std::size_t small_probe_size = 16;
constexpr std::uint8_t small_probe[small_probe_size] = {'i', 'd', 'l', 'e', '-', 'p', 'r', 'o',
                                                        'b', 'e', '-', 'e', 'c', 'h', 'o', '!'};

class IdleScenario final : public Scenario {
public:
    explicit IdleScenario(const Settings& settings) : Scenario(settings) {
        if (settings_.json) {
            probe_ = json_payload(settings_.size).bytes;
            probe_op_ = ws::Opcode::text;
        } else {
            probe_.assign(small_probe, small_probe + small_probe_size);
        }
        if (settings_.deflate && probe_.size() < ws::min_compressed_message)
            die("idle --deflate needs --json --size " + std::to_string(ws::min_compressed_message) +
                " or more, or the probe goes out uncompressed");
    }

    void run() override {
        const std::int64_t rss_before = rss();
        const std::int64_t start = now_ns();
        open_all(120);
        const double open_s = double(now_ns() - start) / 1e9;
        idle_for(1.0);  // let the server finish whatever the handshakes started
        const std::int64_t rss_idle = rss();

        for (auto& client : clients_) {
            client->send(probe_op_, probe_);
            client->flush();
        }
        if (!poll_until([&] { return echoed_ == clients_.size(); }, 60))
            die("only " + std::to_string(echoed_) + " of " + std::to_string(clients_.size()) +
                " idle connections echoed");
        idle_for(0.5);
        const std::int64_t rss_used = rss();

        const double n = double(clients_.size());
        {
            ResultLine result("idle");
            result.add("connections", n).add("handshakes_per_s", n / open_s);
            if (server_.enabled()) {
                result.add("rss_before_kib", double(rss_before) / 1024)
                    .add("rss_idle_kib", double(rss_idle) / 1024)
                    .add("bytes_per_idle_conn", double(rss_idle - rss_before) / n)
                    .add("bytes_per_conn_after_echo", double(rss_used - rss_before) / n);
            }
        }  // printed now, before the hold
        idle_for(settings_.hold_s);
    }

private:
    std::int64_t rss() const { return server_.enabled() ? server_.rss_bytes() : 0; }

    void on_message(Client& client, ws::Opcode op, std::span<const std::uint8_t> payload) override {
        if (op != probe_op_ || !std::equal(payload.begin(), payload.end(), probe_.begin(), probe_.end()))
            die("connection " + std::to_string(client.id()) + ": unexpected message");
        ++echoed_;
    }

    std::vector<std::uint8_t> probe_;
    ws::Opcode probe_op_ = ws::Opcode::binary;
    std::size_t echoed_ = 0;
};

}  // namespace

std::unique_ptr<Scenario> make_idle(const Settings& settings) {
    return std::make_unique<IdleScenario>(settings);
}

}  // namespace wirechat::bench
