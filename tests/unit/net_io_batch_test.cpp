// IoBatch: a tick's reads and writes in one submission, over real sockets
// (socketpairs). Each socket gets back what a read or writev of its own
// would have given: the bytes, EOF, -EAGAIN; a full slot when more waits;
// partial writes when the submission runs out of pieces. Skipped, with a
// warning, where the kernel refuses io_uring (the loop then never batches).
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "net/io_batch.h"

using wirechat::net::BatchedSocket;
using wirechat::net::IoBatch;

namespace {

// One end of a socketpair under test (non-blocking, as the server's are),
// and the other end to feed and check it.
struct Pair {
    int ours = -1;
    int peer = -1;
    Pair() {
        int fds[2];
        REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) == 0);
        ours = fds[0];
        peer = fds[1];
    }
    ~Pair() {
        close(ours);
        if (peer >= 0) close(peer);
    }
    Pair(const Pair&) = delete;
    Pair& operator=(const Pair&) = delete;

    void feed(const std::string& bytes) const {
        REQUIRE(write(peer, bytes.data(), bytes.size()) == ssize_t(bytes.size()));
    }
    std::string drain() const {
        std::string out;
        char buffer[4096];
        for (ssize_t n; (n = read(peer, buffer, sizeof buffer)) > 0;) out.append(buffer, std::size_t(n));
        return out;
    }
};

// Records what the batch tells it; writes `pieces` as separate iovecs.
struct Recorder final : BatchedSocket {
    explicit Recorder(int socket) : fd(socket) {}
    int fd;
    std::vector<std::string> pieces;
    std::optional<int> read_result;
    std::string read_bytes;
    std::optional<int> write_result;
    std::function<void()> on_done;  // run from inside the callback

    void on_io(std::uint32_t) override {}  // not watched: the test drives the batch
    int batch_fd() const override { return fd; }
    void batch_read(int result, std::span<std::uint8_t> slot) override {
        read_result = result;
        if (result > 0) read_bytes.assign(reinterpret_cast<const char*>(slot.data()), std::size_t(result));
        if (on_done) on_done();
    }
    int batch_gather(iovec* iov, int max) override {
        int count = 0;
        for (; count < max && count < int(pieces.size()); ++count)
            iov[count] = {pieces[std::size_t(count)].data(), pieces[std::size_t(count)].size()};
        return count;
    }
    void batch_written(int result) override {
        write_result = result;
        if (on_done) on_done();
    }
};

// Null, with a warning, where the kernel refuses io_uring.
std::unique_ptr<IoBatch> open_batch() {
    auto batch = IoBatch::open();
    if (!batch) WARN("io_uring is not available here: IoBatch is not tested");
    return batch;
}

}  // namespace

TEST_CASE("a batch of reads gives each socket what a read of its own would") {
    auto batch = open_batch();
    if (!batch) return;
    Pair small, empty, large, closed;
    small.feed("hello");
    const std::string big(3000, 'x');
    large.feed(big);
    close(closed.peer);
    closed.peer = -1;

    Recorder a(small.ours), b(empty.ours), c(large.ours), d(closed.ours);
    for (Recorder* r : {&a, &b, &c, &d}) batch->add_read(*r);
    batch->run_reads();

    CHECK(a.read_result == 5);
    CHECK(a.read_bytes == "hello");
    CHECK(b.read_result == -EAGAIN);
    // A full slot: the rest is still in the socket for an ordinary read.
    CHECK(c.read_result == int(IoBatch::read_slot_size));
    CHECK(c.read_bytes == big.substr(0, IoBatch::read_slot_size));
    char rest[4096];
    CHECK(read(large.ours, rest, sizeof rest) == ssize_t(big.size() - IoBatch::read_slot_size));
    CHECK(d.read_result == 0);  // EOF
}

TEST_CASE("more readable sockets than read slots take several submissions, each its own bytes") {
    auto batch = open_batch();
    if (!batch) return;
    constexpr int count = 150;  // over twice the slots of one submission
    std::vector<std::unique_ptr<Pair>> pairs;
    std::vector<std::unique_ptr<Recorder>> readers;
    for (int i = 0; i < count; ++i) {
        pairs.push_back(std::make_unique<Pair>());
        pairs.back()->feed("message " + std::to_string(i));
        readers.push_back(std::make_unique<Recorder>(pairs.back()->ours));
        batch->add_read(*readers.back());
    }
    batch->run_reads();
    for (int i = 0; i < count; ++i) {
        INFO("socket " << i);
        CHECK(readers[std::size_t(i)]->read_bytes == "message " + std::to_string(i));
    }
}

TEST_CASE("a batch of writes sends one piece or several, in order, and says -EAGAIN when full") {
    auto batch = open_batch();
    if (!batch) return;
    Pair one, several, full;
    // Fill `full` until the kernel takes no more.
    const std::string chunk(65536, 'f');
    while (write(full.ours, chunk.data(), chunk.size()) > 0) {
    }
    REQUIRE(errno == EAGAIN);

    Recorder a(one.ours), b(several.ours), c(full.ours);
    a.pieces = {"single"};
    b.pieces = {"GET ", "/ ", "HTTP/1.1\r\n"};
    c.pieces = {"more"};
    for (Recorder* r : {&a, &b, &c}) batch->add_write(*r);
    batch->run_writes();

    CHECK(a.write_result == 6);
    CHECK(one.drain() == "single");
    CHECK(b.write_result == 16);
    CHECK(several.drain() == "GET / HTTP/1.1\r\n");
    CHECK(c.write_result == -EAGAIN);
}

TEST_CASE("a write that does not fit the submission's pieces is cut short, as a partial write") {
    auto batch = open_batch();
    if (!batch) return;
    // 1,024 pieces per submission: 17 writers of 60 take 1,020, the 18th
    // gets the last 4, and the 19th goes in the next submission whole.
    constexpr int writers = 19;
    std::vector<std::unique_ptr<Pair>> pairs;
    std::vector<std::unique_ptr<Recorder>> recorders;
    for (int i = 0; i < writers; ++i) {
        pairs.push_back(std::make_unique<Pair>());
        recorders.push_back(std::make_unique<Recorder>(pairs.back()->ours));
        recorders.back()->pieces.assign(60, "ab");
        batch->add_write(*recorders.back());
    }
    batch->run_writes();
    for (int i = 0; i < writers; ++i) {
        INFO("writer " << i);
        const int expected = i == 17 ? 4 * 2 : 60 * 2;
        CHECK(recorders[std::size_t(i)]->write_result == expected);
        CHECK(pairs[std::size_t(i)]->drain().size() == std::size_t(expected));
    }
}

TEST_CASE("a socket forgotten before its batch runs is not read; one forgotten in a callback is not told") {
    auto batch = open_batch();
    if (!batch) return;
    Pair first, second, third;
    for (Pair* p : {&first, &second, &third}) p->feed("x");
    Recorder a(first.ours), b(second.ours), c(third.ours);
    // Forgotten before the batch runs:
    batch->add_read(a);
    batch->forget(a);
    // Forgotten by b's callback, when c's read is done but c not yet told:
    batch->add_read(b);
    batch->add_read(c);
    b.on_done = [&] { batch->forget(c); };
    batch->run_reads();
    CHECK_FALSE(a.read_result.has_value());
    char byte;
    CHECK(recv(first.ours, &byte, 1, MSG_DONTWAIT) == 1);  // still there: a was never read
    CHECK(b.read_result == 1);
    CHECK_FALSE(c.read_result.has_value());
}
