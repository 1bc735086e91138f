#pragma once
// A data-parallel pass over [0, n) in chunks of `grain` items (STYLE rule 4): chunk k covers
// [k * grain, min(n, (k + 1) * grain)), so a pass can give each chunk its own output slot
// and merge them in order afterwards. Input that fits in one chunk runs on the calling
// thread: several chunks run on oneTBB's threads in the parallel module
// (parallel_module.hpp), which is opened -- with oneTBB, its allocator and the shared
// libstdc++ -- on first use; that costs a few milliseconds, more than a whole pass over a
// small repository.
#include <algorithm>
#include <cstddef>

namespace components {

constexpr std::size_t chunk_count(std::size_t n, std::size_t grain) {
    return (n + grain - 1) / grain;
}

/// One chunk of a pass: calls the body behind `body` with chunk `k`.
using ChunkRunner = void (*)(const void* body, std::size_t k);

/// Runs run(body, k) for every k in [0, chunks) on the parallel module's threads; without the
/// module (a program copied away from its installation) the same chunk function one chunk
/// after the other on this thread, as tbb::parallel_for does with one thread.
/// Rethrows the first exception a chunk threw, after the others ended (chunks not yet started
/// then are skipped); throws std::runtime_error when oneTBB itself failed.
void run_chunks(std::size_t chunks, ChunkRunner run, const void* body);

/// Throws std::runtime_error naming the module and why when the parallel module cannot be
/// opened (a broken installation). Builds and stack deploys run on its flow graph, the one
/// engine (docs/architecture.md): callers check before holding or recording anything.
void require_parallel_module();

/// Calls body(chunk, begin, end) for every chunk, in parallel when there are several.
template <typename Body>
void for_each_chunk(std::size_t n, std::size_t grain, const Body& body) {
    const std::size_t chunks = chunk_count(n, grain);
    auto run = [&](std::size_t k) { body(k, k * grain, std::min(n, (k + 1) * grain)); };
    if (chunks == 1) return run(0);
    if (chunks > 1)
        run_chunks(
            chunks,
            [](const void* r, std::size_t k) { (*static_cast<const decltype(run)*>(r))(k); }, &run);
}

}  // namespace components
