#pragma once
// A data-parallel pass over [0, n) in chunks of `grain` items (STYLE rule 4): chunk k covers
// [k * grain, min(n, (k + 1) * grain)), so a pass can give each chunk its own output slot
// and merge them in order afterwards. Input that fits in one chunk runs on the calling
// thread: oneTBB starts its workers (and loads its allocator and OpenMP support libraries)
// on first use, which costs a few milliseconds -- more than a whole pass over a small
// repository.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstddef>

namespace components {

constexpr std::size_t chunk_count(std::size_t n, std::size_t grain) {
    return (n + grain - 1) / grain;
}

/// Calls body(chunk, begin, end) for every chunk, in parallel when there are several.
template <typename Body>
void for_each_chunk(std::size_t n, std::size_t grain, const Body& body) {
    const std::size_t chunks = chunk_count(n, grain);
    auto run = [&](std::size_t k) { body(k, k * grain, std::min(n, (k + 1) * grain)); };
    if (chunks == 1) return run(0);
    if (chunks > 1) tbb::parallel_for(std::size_t{0}, chunks, run);
}

}  // namespace components
