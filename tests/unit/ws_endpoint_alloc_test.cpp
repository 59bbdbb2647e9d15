// The endpoint's receive path allocates nothing per frame: whole frames are
// read with no allocation at all, and frames split across feeds allocate only
// the first time (the state parked between feeds is kept). Every operator new
// of this binary is counted, between start and stop only.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

#include "ws/endpoint.h"
#include "ws_test_frames.h"

using namespace wirechat::ws;
using Bytes = std::vector<std::uint8_t>;

namespace {

bool counting = false;
std::size_t allocations = 0;

}  // namespace

// Every form, so that whatever this binary allocates (Catch uses the
// nothrow one) is freed by the same allocator: under AddressSanitizer a
// block from its operator new freed by ours is an error.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    if (counting) ++allocations;
    return std::malloc(size == 0 ? 1 : size);
}
void* operator new(std::size_t size) {
    if (void* p = operator new(size, std::nothrow)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

// It keeps nothing it is given, so that only the endpoint's allocations count.
struct CountingHandler : EndpointHandler {
    std::size_t bytes_written = 0;
    void write(std::span<const std::uint8_t> data) override { bytes_written += data.size(); }
    std::size_t messages = 0;
    std::size_t payload_bytes = 0;
    std::size_t pings = 0;
    bool closed = false;
    void on_message(Opcode, std::span<const std::uint8_t> payload) override {
        ++messages;
        payload_bytes += payload.size();
    }
    void on_ping(std::span<const std::uint8_t>) override { ++pings; }
    void on_closed(std::uint16_t, std::string_view, bool) override { closed = true; }
};

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

// A client's traffic: a text message, a binary one in two fragments with a
// ping between them, and a pong.
Bytes traffic() {
    Bytes out;
    for (const Bytes& frame : {ws_test::wire_frame(Opcode::text, bytes_of("hello, world")),
                               ws_test::wire_frame(Opcode::binary, Bytes(300, 0xAB), false),
                               ws_test::wire_frame(Opcode::ping, bytes_of("are you there")),
                               ws_test::wire_frame(Opcode::continuation, Bytes(40, 0xCD)),
                               ws_test::wire_frame(Opcode::pong, {})})
        out.insert(out.end(), frame.begin(), frame.end());
    return out;
}

// Feeds `input` `rounds` times, in pieces of `piece` bytes, through `buffer`
// (allocated beforehand: the server role unmasks in place); returns the
// allocations made meanwhile.
std::size_t allocations_while_feeding(Endpoint& endpoint, const Bytes& input, Bytes& buffer, std::size_t piece,
                                      int rounds) {
    allocations = 0;
    counting = true;
    for (int round = 0; round < rounds; ++round) {
        std::copy(input.begin(), input.end(), buffer.begin());
        for (std::size_t at = 0; at < input.size(); at += piece)
            endpoint.feed(std::span<std::uint8_t>(buffer).subspan(at, std::min(piece, input.size() - at)));
    }
    counting = false;
    return allocations;
}

}  // namespace

TEST_CASE("whole unfragmented frames are read without allocating") {
    Bytes input;
    for (const Bytes& frame : {ws_test::wire_frame(Opcode::text, bytes_of("hello, world")),
                               ws_test::wire_frame(Opcode::binary, Bytes(300, 0xAB)),
                               ws_test::wire_frame(Opcode::ping, bytes_of("are you there")),
                               ws_test::wire_frame(Opcode::pong, {})})
        input.insert(input.end(), frame.begin(), frame.end());
    Bytes buffer(input.size());
    CountingHandler handler;
    Endpoint endpoint(Role::server, {}, handler);
    CHECK(allocations_while_feeding(endpoint, input, buffer, input.size(), 1000) == 0);
    CHECK(handler.messages == 2000);
    CHECK(handler.pings == 1000);
    CHECK_FALSE(handler.closed);
}

TEST_CASE("frames split across feeds allocate only the first time") {
    const Bytes input = traffic();
    Bytes buffer(input.size());
    // Pieces that cut headers, payloads and the gap between fragments in
    // ever different places.
    for (std::size_t piece : {1, 3, 7, 100, 333}) {
        INFO("pieces of " << piece);
        CountingHandler handler;
        Endpoint endpoint(Role::server, {}, handler);
        allocations_while_feeding(endpoint, input, buffer, piece, 1);
        CHECK(allocations_while_feeding(endpoint, input, buffer, piece, 100) == 0);
        CHECK(handler.messages == 202);
        CHECK(handler.payload_bytes == 101 * (12 + 340));
        CHECK(handler.pings == 101);
        CHECK_FALSE(handler.closed);
    }
}
