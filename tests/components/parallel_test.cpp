// for_each_chunk: every index in exactly one chunk, chunk k covering [k*grain, ...), on the
// calling thread for a single chunk and through oneTBB for several.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "components/parallel.hpp"

namespace {

using components::chunk_count;
using components::for_each_chunk;

TEST(ForEachChunk, EveryIndexOnceInItsChunk) {
    for (std::size_t n : {0u, 1u, 7u, 8u, 9u, 1000u, 4097u}) {
        const std::size_t grain = 8;
        std::vector<std::atomic<int>> seen(n);
        std::vector<std::atomic<int>> chunks(chunk_count(n, grain));
        for_each_chunk(n, grain, [&](std::size_t k, std::size_t begin, std::size_t end) {
            EXPECT_EQ(begin, k * grain);
            EXPECT_EQ(end, std::min(n, begin + grain));
            ++chunks[k];
            for (std::size_t i = begin; i < end; ++i) ++seen[i];
        });
        for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(seen[i], 1) << n << " " << i;
        for (auto& c : chunks) EXPECT_EQ(c, 1) << n;
    }
}

TEST(ForEachChunk, OneChunkRunsOnTheCallingThread) {
    const auto caller = std::this_thread::get_id();
    for_each_chunk(5, 8, [&](std::size_t, std::size_t, std::size_t) {
        EXPECT_EQ(std::this_thread::get_id(), caller);
    });
}

}  // namespace
