// OutputQueue: order across the tick scratch, the own buffer and ranges of
// the scratch that several queues share; settle() before the scratch is
// reused; memory given back once drained.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <utility>

#include "net/output_queue.h"

using wirechat::net::OutputQueue;

namespace {

// Everything gathered, in order, as one string.
std::string gathered(const std::string& scratch, const OutputQueue& queue) {
    iovec iov[16];
    int count = queue.gather(scratch, iov, 16);
    std::string out;
    for (int i = 0; i < count; ++i) out.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
    return out;
}

// As the loop does with a broadcast (EventLoop::in_tick_output): the bytes
// are put in the scratch once, and every recipient queues that range.
std::pair<std::size_t, std::size_t> put(std::string& scratch, std::string_view bytes) {
    const std::size_t begin = scratch.size();
    scratch.append(bytes);
    return {begin, scratch.size()};
}

}  // namespace

TEST_CASE("appends go to the tick scratch, contiguous ones in one segment") {
    std::string scratch;
    OutputQueue queue;
    queue.append(scratch, std::string_view("head"));
    queue.append(scratch, std::string_view("-body"));
    CHECK(scratch == "head-body");
    iovec iov[4];
    CHECK(queue.gather(scratch, iov, 4) == 1);
    CHECK(queue.size() == 9);
    queue.consume(9);
    CHECK(queue.empty());
}

TEST_CASE("two queues sharing a scratch keep their own bytes apart") {
    std::string scratch;
    OutputQueue a, b;
    a.append(scratch, std::string_view("a1"));
    b.append(scratch, std::string_view("b1"));
    a.append(scratch, std::string_view("a2"));
    CHECK(gathered(scratch, a) == "a1a2");
    CHECK(gathered(scratch, b) == "b1");
}

TEST_CASE("a range of the scratch queued by several queues keeps its place between private ones") {
    std::string scratch;
    OutputQueue a, b;
    a.append(scratch, std::string_view("<"));
    const auto [begin, end] = put(scratch, "shared");
    a.append_scratch(begin, end);
    b.append_scratch(begin, end);
    a.append(scratch, std::string_view(">"));
    b.append(scratch, std::string_view("!"));
    CHECK(gathered(scratch, a) == "<shared>");
    CHECK(gathered(scratch, b) == "shared!");
    iovec iov[4];
    CHECK(b.gather(scratch, iov, 4) == 2);  // the range, then its own byte after a's
}

TEST_CASE("settle() moves what was not written out of the scratch") {
    std::string scratch;
    OutputQueue queue;
    queue.append(scratch, std::string_view("hello "));
    scratch.append("-");  // another connection's byte
    const auto [begin, end] = put(scratch, "big ");
    queue.append_scratch(begin, end);
    queue.append(scratch, std::string_view("world"));
    queue.consume(3);  // "hel" went out
    queue.settle(scratch);
    scratch.assign("XXXXXXXXXXXXXXXXXXXX");  // the loop reuses the scratch
    CHECK(gathered(scratch, queue) == "lo big world");
    CHECK(queue.size() == 12);

    SECTION("and later appends still come after it") {
        scratch.clear();
        queue.append(scratch, std::string_view("!"));
        CHECK(gathered(scratch, queue) == "lo big world!");
    }
    SECTION("draining empties it") {
        queue.consume(12);
        CHECK(queue.empty());
        CHECK(gathered(scratch, queue).empty());
        queue.append(scratch, std::string_view("next"));
        CHECK(gathered(scratch, queue) == "next");
    }
}

TEST_CASE("a partial write leaves the rest of a segment in order") {
    std::string scratch;
    OutputQueue queue;
    queue.append(scratch, std::string_view("abcdef"));
    scratch.append("-");
    const auto [begin, end] = put(scratch, "ghi");
    queue.append_scratch(begin, end);
    queue.consume(7);
    CHECK(gathered(scratch, queue) == "hi");
    queue.consume(2);
    CHECK(queue.empty());
}

TEST_CASE("empty appends queue nothing") {
    std::string scratch;
    OutputQueue queue;
    queue.append(scratch, std::string_view());
    queue.append_scratch(3, 3);
    CHECK(queue.empty());
    iovec iov[2];
    CHECK(queue.gather(scratch, iov, 2) == 0);
}

TEST_CASE("borrowed bytes are referenced until settle() copies what is left") {
    std::string scratch;
    OutputQueue queue;
    std::string read_buffer = "borrowed payload";
    queue.append(scratch, std::string_view("[hdr]"));
    queue.append_borrowed({reinterpret_cast<const std::uint8_t*>(read_buffer.data()), read_buffer.size()});
    CHECK(queue.has_borrowed());
    iovec iov[4];
    REQUIRE(queue.gather(scratch, iov, 4) == 2);
    CHECK(iov[1].iov_base == read_buffer.data());  // not copied

    queue.consume(5 + 9);  // the header and "borrowed " went out
    queue.settle(scratch);
    CHECK_FALSE(queue.has_borrowed());
    read_buffer.assign(read_buffer.size(), 'X');  // the next read reuses the buffer
    scratch.clear();
    CHECK(gathered(scratch, queue) == "payload");
    queue.consume(7);
    CHECK(queue.empty());
}
