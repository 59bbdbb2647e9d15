// OutputQueue: order across the tick scratch, the own buffer and shared
// bytes; settle() before the scratch is reused; memory given back once drained.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "net/output_queue.h"

using wirechat::net::OutputQueue;
using wirechat::net::SharedBytes;

namespace {

// Everything gathered, in order, as one string.
std::string gathered(const OutputQueue& queue) {
    iovec iov[16];
    int count = queue.gather(iov, 16);
    std::string out;
    for (int i = 0; i < count; ++i) out.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
    return out;
}

}  // namespace

TEST_CASE("appends go to the tick scratch, contiguous ones in one segment") {
    std::string scratch;
    OutputQueue queue(scratch);
    queue.append(std::string_view("head"));
    queue.append(std::string_view("-body"));
    CHECK(scratch == "head-body");
    iovec iov[4];
    CHECK(queue.gather(iov, 4) == 1);
    CHECK(queue.size() == 9);
    queue.consume(9);
    CHECK(queue.empty());
}

TEST_CASE("two queues sharing a scratch keep their own bytes apart") {
    std::string scratch;
    OutputQueue a(scratch), b(scratch);
    a.append(std::string_view("a1"));
    b.append(std::string_view("b1"));
    a.append(std::string_view("a2"));
    CHECK(gathered(a) == "a1a2");
    CHECK(gathered(b) == "b1");
}

TEST_CASE("shared bytes keep their place between private ones") {
    std::string scratch;
    OutputQueue queue(scratch);
    queue.append(std::string_view("<"));
    queue.append_shared(std::make_shared<const std::string>("shared"));
    queue.append(std::string_view(">"));
    CHECK(gathered(queue) == "<shared>");
}

TEST_CASE("settle() moves what was not written out of the scratch") {
    std::string scratch;
    OutputQueue queue(scratch);
    queue.append(std::string_view("hello "));
    queue.append_shared(std::make_shared<const std::string>("big "));
    queue.append(std::string_view("world"));
    queue.consume(3);  // "hel" went out
    queue.settle();
    scratch.assign("XXXXXXXXXXXXXXXXXXXX");  // the loop reuses the scratch
    CHECK(gathered(queue) == "lo big world");
    CHECK(queue.size() == 12);

    SECTION("and later appends still come after it") {
        scratch.clear();
        queue.append(std::string_view("!"));
        CHECK(gathered(queue) == "lo big world!");
    }
    SECTION("draining empties it") {
        queue.consume(12);
        CHECK(queue.empty());
        CHECK(gathered(queue).empty());
        queue.append(std::string_view("next"));
        CHECK(gathered(queue) == "next");
    }
}

TEST_CASE("a partial write leaves the rest of a segment in order") {
    std::string scratch;
    OutputQueue queue(scratch);
    queue.append(std::string_view("abcdef"));
    queue.append_shared(std::make_shared<const std::string>("ghi"));
    queue.consume(7);
    CHECK(gathered(queue) == "hi");
    queue.consume(2);
    CHECK(queue.empty());
}

TEST_CASE("empty appends queue nothing") {
    std::string scratch;
    OutputQueue queue(scratch);
    queue.append(std::string_view());
    queue.append_shared(std::make_shared<const std::string>());
    queue.append_shared(nullptr);
    CHECK(queue.empty());
    iovec iov[2];
    CHECK(queue.gather(iov, 2) == 0);
}

TEST_CASE("borrowed bytes are referenced until settle() copies what is left") {
    std::string scratch;
    OutputQueue queue(scratch);
    std::string read_buffer = "borrowed payload";
    queue.append(std::string_view("[hdr]"));
    queue.append_borrowed({reinterpret_cast<const std::uint8_t*>(read_buffer.data()), read_buffer.size()});
    CHECK(queue.has_borrowed());
    iovec iov[4];
    REQUIRE(queue.gather(iov, 4) == 2);
    CHECK(iov[1].iov_base == read_buffer.data());  // not copied

    queue.consume(5 + 9);  // the header and "borrowed " went out
    queue.settle();
    CHECK_FALSE(queue.has_borrowed());
    read_buffer.assign(read_buffer.size(), 'X');  // the next read reuses the buffer
    scratch.clear();
    CHECK(gathered(queue) == "payload");
    queue.consume(7);
    CHECK(queue.empty());
}
