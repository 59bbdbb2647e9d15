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
// With --chat the connections are chat clients (path /, or ?room= with
// --rooms): each counts once it has its welcome (the handshake rate is then
// that of welcomes, and --connect-batch bounds the clients between their
// connect and their welcome, not only their handshakes), and the probe is
// a rooms request, answered by the server from what it holds; any rooms
// envelope after the probe counts (a rooms update to everyone reads the
// same). bytes_received_per_conn is what the server sent each client until
// the RSS reading: its welcome and the presence and rooms updates the
// other clients' arrivals caused.
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
        // Welcomes come while the others are still opening.
        welcomed_.assign(settings_.connections, false);
        answered_.assign(settings_.connections, false);
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
        const std::int64_t server_cpu_before = server_.enabled() ? server_.run_ns() : 0;
        const std::int64_t own_cpu_before = own_cpu_ns();
        open_all(240);  // chat clients: until every one has its welcome
        const std::int64_t open_ns = now_ns() - start;
        const double open_s = double(open_ns) / 1e9;
        // While opening: the server's CPU per handshake (the fair figure when
        // the load generator is the limit, as it is for a fast server: its
        // share of its core says so) and the load generator's share.
        const std::int64_t server_cpu_opening = server_.enabled() ? server_.run_ns() - server_cpu_before : 0;
        const double own_share_opening = double(own_cpu_ns() - own_cpu_before) / double(open_ns);
        idle_for(1.0);  // let the server finish whatever the handshakes started
        const std::int64_t rss_idle = rss();
        const double received = double(loop_.frame_bytes_read());

        probing_ = true;
        for (auto& client : clients_) {
            if (settings_.chat) client->send_text(R"({"type":"rooms"})");
            else client->send(probe_op_, probe_);
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
            result.add("connections", n)
                .add("handshakes_per_s", n / open_s)
                .add("loadgen_cpu_share_opening", own_share_opening);
            if (settings_.chat) result.add("bytes_received_per_conn", received / n);
            if (server_.enabled()) {
                result.add("server_cpu_us_per_handshake", double(server_cpu_opening) / 1000 / n)
                    .add("rss_before_kib", double(rss_before) / 1024)
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
        if (settings_.chat) return chat_message(client, op, payload);
        if (op != probe_op_ || !std::equal(payload.begin(), payload.end(), probe_.begin(), probe_.end()))
            die("connection " + std::to_string(client.id()) + ": unexpected message");
        ++echoed_;
    }

    void on_failure(Client& client, std::string_view why) override {
        if (!settings_.chat) return Scenario::on_failure(client, why);
        die("connection " + std::to_string(client.id()) + " (" +
            (welcomed_[client.id()] ? "welcomed" : "not welcomed yet") + ", " + std::to_string(welcomes_) +
            " welcomed so far): " + std::string(why));
    }

    std::size_t through_opening() const override { return settings_.chat ? welcomes_ : open_count_; }

    // A chat client: its welcome first, then (probing) a rooms envelope.
    void chat_message(Client& client, ws::Opcode op, std::span<const std::uint8_t> payload) {
        if (op != ws::Opcode::text) die("the chat sent a binary frame");
        const std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
        const std::size_t id = client.id();
        if (!welcomed_[id]) {
            if (!text.starts_with(R"({"type":"welcome")"))
                die("connection " + std::to_string(id) + ": the first envelope was not a welcome: " +
                    std::string(text.substr(0, 200)));
            welcomed_[id] = true;
            ++welcomes_;
        } else if (probing_ && !answered_[id] && text.starts_with(R"({"type":"rooms")")) {
            answered_[id] = true;
            ++echoed_;
        }
    }

    std::vector<bool> welcomed_, answered_;
    std::size_t welcomes_ = 0;
    bool probing_ = false;
    std::vector<std::uint8_t> probe_;
    ws::Opcode probe_op_ = ws::Opcode::binary;
    std::size_t echoed_ = 0;
};

}  // namespace

std::unique_ptr<Scenario> make_idle(const Settings& settings) {
    return std::make_unique<IdleScenario>(settings);
}

}  // namespace wirechat::bench
