// The parallel module from the program's side: a pass of several chunks runs in
// libslipway-parallel.so (opened on first use, with oneTBB), and what a chunk throws comes
// back to the caller as the same exception, on the program's side of the module.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <stdexcept>
#include <string>

#include "components/parallel.hpp"

namespace {

using components::for_each_chunk;

std::string mapped_files() {
    std::ifstream in("/proc/self/maps");
    return {std::istreambuf_iterator<char>(in), {}};
}

TEST(ParallelModule, SeveralChunksRunInTheModuleWithOneTbb) {
    std::atomic<std::size_t> items{0};
    for_each_chunk(4096, 64,
                   [&](std::size_t, std::size_t begin, std::size_t end) { items += end - begin; });
    EXPECT_EQ(items, 4096u);
    const std::string maps = mapped_files();
    EXPECT_NE(maps.find("/libslipway-parallel.so"), std::string::npos) << maps;
    EXPECT_NE(maps.find("/libtbb.so"), std::string::npos) << maps;
}

TEST(ParallelModule, WhatAChunkThrowsReachesTheCaller) {
    std::atomic<int> ran{0};
    try {
        for_each_chunk(100, 10, [&](std::size_t k, std::size_t, std::size_t) {
            ++ran;
            if (k == 3) throw std::invalid_argument("chunk 3 failed");
        });
        FAIL() << "nothing thrown";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "chunk 3 failed");
    }
    EXPECT_GE(ran, 1);
    // The module is still usable after a failed pass.
    std::atomic<std::size_t> items{0};
    for_each_chunk(100, 10,
                   [&](std::size_t, std::size_t begin, std::size_t end) { items += end - begin; });
    EXPECT_EQ(items, 100u);
}

}  // namespace
