// What every scenario shares: its settings, a fleet of clients opened with a
// bounded number of handshakes in flight, loud failure, and the result line.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "client.h"
#include "server_stats.h"

namespace wirechat::bench {

struct Settings {
    // One port per server process (the nodes of a cluster): client i
    // connects to ports[i % ports.size()], so the clients are split evenly.
    std::vector<std::uint16_t> ports;
    std::string path;               // default depends on the scenario and protocol
    bool socketio = false;          // --protocol socketio: Engine.IO v4 / Socket.IO v5 framing
    bool raw = false;               // --protocol raw: broadcast to a plain pub/sub server
    // The server's processes, summed (none: no CPU or memory figures).
    std::vector<pid_t> server_pids;
    pid_t redis_pid = 0;            // broadcast: redis-server's CPU, reported on its own
    bool chat = false;              // idle: chat clients (each must get its welcome)
    std::size_t rooms = 0;          // idle: clients spread over rooms r<k> (0: the path's)
    std::size_t room_offset = 0;    // the first room's number
    std::size_t connections = 100;
    std::size_t size = 32;          // echo payload bytes; broadcast --protocol raw: message bytes
    std::size_t inflight = 1;       // echo messages outstanding per connection
    bool text = false;              // echo text frames instead of binary
    bool json = false;              // echo, idle: JSON-like text payloads (implies text)
    bool deflate = false;           // offer permessage-deflate; a server that declines fails the run
    bool tls = false;               // wss://
    double warmup_s = 0.5;
    double duration_s = 5;
    int sources = 1;                // 127.0.0.1 .. 127.0.0.<sources>
    std::size_t connect_batch = 256;  // handshakes in flight while opening
    int rounds = 5;                 // broadcast: messages timed one by one
    double rate = 0;                // broadcast: steady messages/s afterwards (0: none)
    std::size_t senders = 0;        // broadcast: clients that send (0: enough for the chat's limit)
    double hold_s = 0;              // idle: keep the connections open this long after the result
};

class Scenario : public ClientEvents {
public:
    explicit Scenario(const Settings& settings);
    virtual ~Scenario() = default;
    virtual void run() = 0;

protected:
    // Opens settings.connections clients; fails the run if that takes longer
    // than `timeout_s`.
    void open_all(double timeout_s);
    // Keep handling events for `seconds`.
    void idle_for(double seconds);
    // Handle events until done() or the deadline; false on the deadline.
    template <class Done>
    bool poll_until(Done done, double timeout_s) {
        std::int64_t deadline = now_ns() + std::int64_t(timeout_s * 1e9);
        while (!done()) {
            if (now_ns() > deadline) return false;
            loop_.poll(1);
        }
        return true;
    }
    [[noreturn]] void die(std::string_view why);

    // ClientEvents: counts opens; any failure ends the run.
    void on_open(Client& client) override;
    void on_failure(Client& client, std::string_view why) override;
    virtual void opened(Client&) {}
    // How many clients are through their opening: the WebSocket handshake,
    // or whatever a scenario waits for after it (a chat client's welcome).
    // open_all keeps --connect-batch clients in flight until this counts them.
    virtual std::size_t through_opening() const { return open_count_; }
    // The room client `id` asks for with --rooms: r<offset + id * rooms / connections>,
    // so that consecutive clients fill one room after another.
    std::string room_of(std::size_t id) const;

    const Settings& settings_;
    ServerStats server_;
    ClientLoop loop_;
    std::vector<Target> targets_;  // one per port
    std::vector<std::unique_ptr<Client>> clients_;
    std::size_t open_count_ = 0;
};

// Prints "RESULT scenario=<name> key=value ..." (what bench/run.sh parses).
class ResultLine {
public:
    explicit ResultLine(std::string_view scenario);
    ResultLine& add(std::string_view key, double value);
    ~ResultLine();

private:
    std::string text_;
};

std::unique_ptr<Scenario> make_echo(const Settings& settings);
std::unique_ptr<Scenario> make_idle(const Settings& settings);
std::unique_ptr<Scenario> make_broadcast(const Settings& settings);

}  // namespace wirechat::bench
