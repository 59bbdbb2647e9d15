// BlockPool: distinct aligned blocks, reuse of freed ones, a new slab only
// when one is full, one pool per thread; Pooled routes new/delete to it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <set>
#include <thread>
#include <vector>

#include "net/block_pool.h"

using wirechat::net::BlockPool;
using wirechat::net::Pooled;

namespace {

// An odd size and a stricter alignment than a pointer's.
struct alignas(16) Odd {
    unsigned char bytes[40];
};

struct Item final : Pooled<Item> {
    explicit Item(int v) : value(v) {}
    int value;
    char padding[100] = {};
};

}  // namespace

TEST_CASE("blocks are distinct, aligned, writable, and a slab holds blocks_per_slab of them") {
    BlockPool<Odd> pool;
    std::vector<Odd*> blocks;
    std::set<std::uintptr_t> addresses;
    for (std::size_t i = 0; i < BlockPool<Odd>::blocks_per_slab; ++i) {
        auto* odd = new (pool.allocate()) Odd;
        std::fill(std::begin(odd->bytes), std::end(odd->bytes), static_cast<unsigned char>(i));
        CHECK(reinterpret_cast<std::uintptr_t>(odd) % alignof(Odd) == 0);
        addresses.insert(reinterpret_cast<std::uintptr_t>(odd));
        blocks.push_back(odd);
    }
    CHECK(addresses.size() == BlockPool<Odd>::blocks_per_slab);
    CHECK(pool.slab_count() == 1);
    // No block overlaps another: each still holds what was written into it.
    for (std::size_t i = 0; i < blocks.size(); ++i)
        for (unsigned char byte : blocks[i]->bytes) REQUIRE(byte == static_cast<unsigned char>(i));

    pool.allocate();
    CHECK(pool.slab_count() == 2);
}

TEST_CASE("a freed block is handed out again before any new slab") {
    BlockPool<Odd> pool;
    void* first = pool.allocate();
    void* second = pool.allocate();
    pool.deallocate(first);
    CHECK(pool.allocate() == first);
    pool.deallocate(second);
    pool.deallocate(first);
    for (std::size_t i = 0; i < BlockPool<Odd>::blocks_per_slab; ++i) pool.allocate();
    CHECK(pool.slab_count() == 1);
}

TEST_CASE("each thread has its own pool") {
    BlockPool<Odd>* here = &BlockPool<Odd>::local();
    BlockPool<Odd>* there = nullptr;
    std::thread([&] { there = &BlockPool<Odd>::local(); }).join();
    CHECK(here != there);
    CHECK(&BlockPool<Odd>::local() == here);
}

TEST_CASE("a Pooled class is allocated from its thread's pool") {
    auto* item = new Item(7);
    CHECK(item->value == 7);
#ifdef WIRECHAT_SANITIZED
    // Sanitizer builds use plain new, so ASan sees every use after free.
    CHECK(BlockPool<Item>::local().slab_count() == 0);
#else
    CHECK(BlockPool<Item>::local().slab_count() == 1);
#endif
    delete item;
    auto* again = new Item(8);
#ifndef WIRECHAT_SANITIZED
    CHECK(again == item);  // the freed block, reused
#endif
    delete again;
}
