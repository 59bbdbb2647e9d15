#include "cluster/redis_link.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>

#include <string>
#include <vector>

namespace wirechat::cluster {

namespace {

constexpr int watchdog_period_ms = 250;

RedisLink* link_of(const redisAsyncContext* context) { return static_cast<RedisLink*>(context->data); }

std::string error_of(const redisReply* reply) {
    return reply ? std::string(reply->str, reply->len) : std::string("connection lost");
}

}  // namespace

RedisLink::RedisLink(net::EventLoop& loop, const RedisTarget& target, std::string name, int timeout_ms,
                     Listener listener)
    : loop_(loop), target_(target), name_(std::move(name)), timeout_ms_(timeout_ms), listener_(std::move(listener)) {}

RedisLink::~RedisLink() {
    disconnect();
    loop_.timers().cancel(timer_);
    loop_.forget(*this);
}

void RedisLink::connect() {
    if (context_) return;
    redisAsyncContext* context = redisAsyncConnect(target_.address.c_str(), target_.port);
    if (!context) {
        listener_.lost("out of memory");
        return;
    }
    if (context->err) {
        const std::string why = context->errstr;
        redisAsyncFree(context);
        listener_.lost(why);
        return;
    }
    context_ = context;
    quiet_ = freeing_ = false;
    context_->data = this;
    context_->ev.data = this;
    context_->ev.addWrite = add_write;
    context_->ev.cleanup = cleanup;
    redisAsyncSetConnectCallback(context_, on_connect);
    redisAsyncSetDisconnectCallback(context_, on_disconnect);
    fd_ = context_->c.fd;
    socket_open_ = false;
    connecting_since_ = loop_.now_ms();
    // Edge-triggered: connect() has usually finished on loopback, and an
    // edge is reported for what is ready when the socket is added.
    loop_.watch(fd_, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, *this);
    loop_.timers().arm(timer_, loop_.now_ms() + watchdog_period_ms);

    // What a fresh connection needs before anything else; hiredis sends it
    // once the socket is connected, and commands issued meanwhile follow it.
    auto fail_unless_ok = [this](std::string_view what) {
        return [this, what = std::string(what)](const redisReply* reply) {
            if (reply && reply->type == REDIS_REPLY_ERROR) lose(what + ": " + error_of(reply));
        };
    };
    if (!target_.password.empty()) {
        if (target_.user.empty()) {
            const std::string_view args[] = {"AUTH", target_.password};
            command(args, fail_unless_ok("AUTH"));
        } else {
            const std::string_view args[] = {"AUTH", target_.user, target_.password};
            command(args, fail_unless_ok("AUTH"));
        }
    }
    if (target_.db != 0) {
        const std::string db = std::to_string(target_.db);
        const std::string_view args[] = {"SELECT", db};
        command(args, fail_unless_ok("SELECT"));
    }
    const std::string_view setname[] = {"CLIENT", "SETNAME", name_};
    command(setname, fail_unless_ok("CLIENT SETNAME"));
    const std::string_view ping[] = {"PING"};
    command(ping, [this](const redisReply* reply) {
        if (!reply || reply->type == REDIS_REPLY_ERROR) return;  // lost, or a failed AUTH says why
        ready_ = true;
        listener_.ready();
    });
}

// Inside one of its callbacks hiredis only marks the context, and frees it
// when the callback returns; either way cleanup() comes last.
void RedisLink::disconnect() {
    if (!context_ || freeing_) return;
    quiet_ = true;
    redisAsyncFree(context_);  // waiting callbacks get nullptr
}

void RedisLink::lose(std::string_view why) {
    if (!context_ || freeing_ || quiet_) return;
    const std::string reason(why);
    disconnect();
    listener_.lost(reason);
}

void RedisLink::report(std::string_view why) {
    if (quiet_) return;
    quiet_ = true;
    listener_.lost(why);
}

void RedisLink::command(std::span<const std::string_view> args, Callback done) {
    if (!context_) {
        done(nullptr);
        return;
    }
    send(args, new Callback(std::move(done)));
}

void RedisLink::subscribe(std::string_view channel, Callback on_reply) {
    subscription_ = std::move(on_reply);
    if (!context_) {
        subscription_(nullptr);
        return;
    }
    const std::string_view args[] = {"SUBSCRIBE", channel};
    send(args, nullptr);
}

void RedisLink::send(std::span<const std::string_view> args, Callback* done) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (std::string_view arg : args) {
        argv.push_back(arg.data());
        lengths.push_back(arg.size());
    }
    const int status = done ? redisAsyncCommandArgv(context_, on_reply, done, int(argv.size()), argv.data(),
                                                    lengths.data())
                            : redisAsyncCommandArgv(context_, on_subscribed_reply, this, int(argv.size()),
                                                    argv.data(), lengths.data());
    if (status != REDIS_OK) {  // the context is being freed
        if (done) {
            (*done)(nullptr);
            delete done;
        }
        return;
    }
    if (done) sent_at_.push_back(net::EventLoop::clock_ns());
}

void RedisLink::on_io(std::uint32_t events) {
    if (!context_) return;
    if (events & (EPOLLOUT | EPOLLERR)) {
        socket_open_ = true;
        write();  // completes the connect first
    }
    if (!context_ || !(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return;
    heard_at_ = net::EventLoop::clock_ns();
    do redisAsyncHandleRead(context_);
    while (context_ && more_to_read());
}

// Bytes, or the EOF that ends them: either way hiredis must read again (the
// edge that announced them is spent).
bool RedisLink::more_to_read() const {
    char byte;
    const ssize_t n = recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

// Before the loop sleeps: what this tick's commands wrote into hiredis's
// buffer leaves in one write. Until the socket is connected, hiredis would
// take "no error yet" for "connected"; the first writable edge sends it.
void RedisLink::run_deferred(List) {
    if (context_ && socket_open_) write();
}

// hiredis asks for a write again (addWrite) when the kernel did not take
// everything: from inside this call that request is for the next writable
// edge, which the socket is sure to give once it has room.
void RedisLink::write() {
    writing_ = true;
    redisAsyncHandleWrite(context_);
    writing_ = false;
}

void RedisLink::on_timer() {
    if (!context_) return;
    const std::int64_t now = loop_.now_ms();
    if (!ready_ && now - connecting_since_ > timeout_ms_) {
        lose("no connection within " + std::to_string(timeout_ms_) + " ms");
        return;
    }
    const std::int64_t now_ns = net::EventLoop::clock_ns(), timeout_ns = std::int64_t(timeout_ms_) * 1'000'000;
    if (!sent_at_.empty() && now_ns - sent_at_.front() > timeout_ns && now_ns - heard_at_ > timeout_ns) {
        lose("no reply within " + std::to_string(timeout_ms_) + " ms");
        return;
    }
    loop_.timers().arm(timer_, now + watchdog_period_ms);
}

void RedisLink::on_reply(redisAsyncContext* context, void* reply, void* data) {
    RedisLink* link = link_of(context);
    auto* done = static_cast<Callback*>(data);
    if (!link->sent_at_.empty()) {
        if (reply) link->latency_.observe(double(net::EventLoop::clock_ns() - link->sent_at_.front()) / 1e9);
        link->sent_at_.pop_front();
    }
    (*done)(static_cast<const redisReply*>(reply));
    delete done;
}

void RedisLink::on_subscribed_reply(redisAsyncContext*, void* reply, void* data) {
    auto* link = static_cast<RedisLink*>(data);
    if (link->subscription_) link->subscription_(static_cast<const redisReply*>(reply));
}

void RedisLink::on_connect(const redisAsyncContext* context, int status) {
    if (status == REDIS_OK) return;  // ready() comes with the PING's reply
    RedisLink* link = link_of(context);
    link->freeing_ = true;  // hiredis frees the context after this call
    link->report(std::string("cannot connect: ") + context->errstr);
}

void RedisLink::on_disconnect(const redisAsyncContext* context, int status) {
    RedisLink* link = link_of(context);
    link->freeing_ = true;
    link->report(status == REDIS_OK ? std::string("closed") : std::string("connection lost: ") + context->errstr);
}

void RedisLink::add_write(void* data) {
    auto* link = static_cast<RedisLink*>(data);
    if (!link->writing_) link->loop_.run_before_sleep(*link);
}

// hiredis is about to close the socket and free the context.
void RedisLink::cleanup(void* data) {
    auto* link = static_cast<RedisLink*>(data);
    link->loop_.unwatch(link->fd_);
    link->loop_.forget(*link);
    link->loop_.timers().cancel(link->timer_);
    link->fd_ = -1;
    link->context_ = nullptr;
    link->ready_ = false;
    link->sent_at_.clear();
}

}  // namespace wirechat::cluster
