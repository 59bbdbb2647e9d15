// Memory for the objects an open connection keeps for its whole life
// (net::Connection, server::WsSession), carved from slabs of 64 blocks of
// exactly one size.
//
// Why not plain new: an idle WebSocket should cost a few hundred bytes, and
// malloc adds a header and rounds up to its bins (a 184-byte Connection takes
// 192, a 240-byte WsSession 256). Worse, these long-lived objects are
// allocated between the short-lived ones of each handshake (the HTTP session,
// the parsed request), so the handshake's freed memory is left in holes
// pinned between live connections. With 256 handshakes in flight that was
// about 90 bytes of RSS per connection at 10,000 connections. Slabs keep
// live connections packed together and away from the handshakes' churn.
//
// A slab is never given back: after a burst of connections the pool keeps
// room for as many as were open at once (as nginx keeps its connection
// array), and reuses it for the next ones.
//
// One pool per type and per thread: a connection is created, used and
// destroyed on its event loop's thread, and one loop runs per thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

namespace wirechat::net {

template <class T>
class BlockPool {
public:
    static constexpr std::size_t blocks_per_slab = 64;

    // The calling thread's pool of blocks for T.
    static BlockPool& local() {
        thread_local BlockPool pool;
        return pool;
    }

    void* allocate() {
        if (!free_) add_slab();
        FreeBlock* block = free_;
        free_ = block->next;
        return block;
    }

    void deallocate(void* pointer) noexcept { free_ = ::new (pointer) FreeBlock{free_}; }

    std::size_t slab_count() const { return slabs_.size(); }

private:
    // A free block holds the link to the next free one.
    struct FreeBlock {
        FreeBlock* next;
    };
    static constexpr std::size_t alignment = alignof(T) > alignof(FreeBlock) ? alignof(T) : alignof(FreeBlock);
    static constexpr std::size_t block_size =
        (std::max(sizeof(T), sizeof(FreeBlock)) + alignment - 1) / alignment * alignment;
    struct alignas(alignment) Block {
        std::byte bytes[block_size];
    };

    void add_slab() {
        slabs_.push_back(std::make_unique_for_overwrite<Block[]>(blocks_per_slab));
        Block* slab = slabs_.back().get();
        // Pushed last to first, so the slab is handed out in address order.
        for (std::size_t i = blocks_per_slab; i-- > 0;) deallocate(&slab[i]);
    }

    FreeBlock* free_ = nullptr;
    std::vector<std::unique_ptr<Block[]>> slabs_;
};

// Derive T from Pooled<T> to give it a class-specific operator new and
// delete from BlockPool<T>. T must be final: a derived class would not fit
// the blocks. Sanitizer builds use plain new, so that AddressSanitizer still
// catches a use after free.
template <class T>
class Pooled {
#ifndef WIRECHAT_SANITIZED
public:
    static void* operator new(std::size_t) {
        static_assert(std::is_final_v<T>, "a pooled class must be final");
        return BlockPool<T>::local().allocate();
    }
    static void operator delete(void* pointer) noexcept { BlockPool<T>::local().deallocate(pointer); }
#endif
};

}  // namespace wirechat::net
