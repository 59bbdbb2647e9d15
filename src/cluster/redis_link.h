// One connection to Redis, through hiredis's asynchronous API, driven by our
// own event loop: no thread, no blocking call once connected.
//
// hiredis keeps the protocol (RESP) and the queue of callbacks; we give it
// the socket's readiness. Its hooks fit the loop's habits:
//   - the socket is in the epoll set once, edge-triggered, for reading and
//     writing, as every connection is (no epoll_ctl per command);
//   - reading goes on while the socket has bytes or its EOF to give, since
//     hiredis reads 16 KiB a call and the loop hears of readiness only on an
//     edge;
//   - commands issued during a tick are written once, before the loop
//     sleeps (hiredis's addWrite hook queues the link on the before-sleep
//     list), as the loop does for every connection; what the kernel does
//     not take then waits for the socket's next writable edge (never the
//     before-sleep list again: that would spin while Redis is not reading).
// hiredis 0.14 (Debian 12) has no timeouts of its own: a command waiting
// longer than `timeout_ms` for its reply, while nothing at all came from
// Redis for that long, counts as a lost connection. (Replies that came but
// wait in our socket while the loop is busy are not Redis's silence.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "net/event_loop.h"
#include "net/timer_heap.h"
#include "ops/histogram.h"

struct redisAsyncContext;
struct redisReply;

namespace wirechat::cluster {

struct RedisTarget {
    std::string address;  // numeric, resolved once at start
    std::uint16_t port = 6379;
    std::string user, password;
    unsigned db = 0;
};

class RedisLink final : private net::IoHandler, private net::Deferred {
public:
    // The reply, or nullptr when the connection was lost before it came.
    using Callback = std::function<void(const redisReply* reply)>;
    struct Listener {
        // Connected, authenticated and on the right database.
        std::function<void()> ready;
        // The connection failed or was lost (not after disconnect()).
        std::function<void(std::string_view why)> lost;
    };

    // `name` is what CLIENT LIST shows for the connection.
    RedisLink(net::EventLoop& loop, const RedisTarget& target, std::string name, int timeout_ms,
              Listener listener);
    ~RedisLink();
    RedisLink(const RedisLink&) = delete;
    RedisLink& operator=(const RedisLink&) = delete;

    // Starts connecting; ready() or lost() follows.
    void connect();
    // Drops the connection, if any: waiting callbacks get nullptr, and
    // lost() is not called.
    void disconnect();
    bool ready() const { return ready_; }
    bool connected() const { return context_ != nullptr; }
    // Commands waiting for their replies.
    std::size_t waiting() const { return sent_at_.size(); }
    // Seconds from each command's write to its reply (for the metrics).
    const ops::Histogram& latency() const { return latency_; }

    // A command, binary-safe. Ignored (done gets nullptr at once) when not
    // connected.
    void command(std::span<const std::string_view> args, Callback done);
    // SUBSCRIBE: `on_reply` gets the confirmation and then every message,
    // until the connection goes (then nullptr).
    void subscribe(std::string_view channel, Callback on_reply);

private:
    void on_io(std::uint32_t events) override;
    void run_deferred(List from) override;
    void send(std::span<const std::string_view> args, Callback* done);
    void on_timer();
    void write();
    bool more_to_read() const;
    void lose(std::string_view why);
    void report(std::string_view why);

    static void on_reply(redisAsyncContext* context, void* reply, void* data);
    static void on_subscribed_reply(redisAsyncContext* context, void* reply, void* data);
    static void on_connect(const redisAsyncContext* context, int status);
    static void on_disconnect(const redisAsyncContext* context, int status);
    static void add_write(void* data);
    static void cleanup(void* data);

    net::EventLoop& loop_;
    RedisTarget target_;
    std::string name_;
    int timeout_ms_;
    Listener listener_;
    redisAsyncContext* context_ = nullptr;
    int fd_ = -1;
    bool socket_open_ = false;       // the first writable edge came: connected
    std::int64_t connecting_since_ = 0;
    bool ready_ = false;
    bool writing_ = false;   // in redisAsyncHandleWrite: what it leaves waits for EPOLLOUT
    bool quiet_ = false;     // lost() was reported, or disconnect() asked: say nothing more
    bool freeing_ = false;   // hiredis is freeing the context: never free it twice
    std::deque<std::int64_t> sent_at_;  // when each waiting command was issued (monotonic ns)
    std::int64_t heard_at_ = 0;         // when bytes last came from Redis (monotonic ns)
    ops::Histogram latency_ = ops::loop_timings();
    Callback subscription_;
    net::Timer timer_{[this] { on_timer(); }};
};

}  // namespace wirechat::cluster
