#pragma once
// The parallel module: everything of slipway that runs on oneTBB -- the data-parallel passes
// (parallel.hpp) and the build scheduler's flow graph (build_graph.cpp, unchanged) -- is built
// into a shared object of its own, libslipway-parallel.so, that the program opens where
// parallel work starts (parallel_loader.cpp), not at every start.
//
// Why: oneTBB is the one dependency Debian ships only as a shared library, and libtbb.so
// needs the shared libstdc++. Linked into the program, both were loaded and relocated at
// every start -- ~2 M of the 3.2 M instructions of `slipway --version`, most of them binding
// libstdc++'s own ~4,300 symbol relocations (bench/README.md, "Start-up"). Kept in the
// module, the program links libstdc++ statically and loads neither until a build or a large
// pass needs threads.
//
// The program and the module may each have their own libstdc++ (a program linked with a
// static one), so what crosses between them is C: this table of functions, plain integers,
// arrays of them, and opaque pointers that only their owner dereferences or frees. No
// exception crosses: the module's functions catch everything and answer with a status (and a
// message), and the callbacks the program gives are noexcept trampolines that keep an
// exception on the program's side. A schedule crosses as SlipwayScheduleNode entries
// (components::ScheduleNode's fields, its vectors as pointer and length), which the module
// copies into its own graph before graph_new returns.
//
// The module is found relative to the program (SLIPWAY_PARALLEL_RELATIVE: from bin/ to
// lib/<multiarch>/slipway/ installed; the build tree keeps the same layout, build/lib/...,
// so that build/cli/slipway, the tests in build/tests/ and the benchmarks find it too).
#include <cstddef>
#include <cstdint>

extern "C" {

/// Bumped whenever this table changes: the program refuses a module of another version.
inline constexpr std::uint32_t slipway_parallel_abi = 2;

/// A chunk of a data-parallel pass; must not throw.
using SlipwayChunkFn = void (*)(void* context, std::size_t chunk) noexcept;
/// The build graph hands a build over (kind: components::Handoff::Kind); must not throw.
using SlipwayHandoffFn = void (*)(void* context, int kind, std::size_t build) noexcept;

/// A node of the schedule (components::ScheduleNode): node indices it waits for and that wait
/// for it, its chain, runner and name rank. Read only during graph_new.
struct SlipwayScheduleNode {
    const std::size_t* waits_for;
    std::size_t waits_for_count;
    const std::size_t* dependents;
    std::size_t dependents_count;
    std::int64_t chain;
    std::size_t runner;
    std::size_t name_rank;
};

struct SlipwayParallelApi {
    std::uint32_t abi;  // slipway_parallel_abi of the module
    /// Runs run(context, k) for every k in [0, chunks), on oneTBB's threads. 0, or -1 with a
    /// message in error[0, error_size) when oneTBB failed (some chunks may have run).
    int (*for_chunks)(std::size_t chunks, SlipwayChunkFn run, void* context, char* error,
                      std::size_t error_size) noexcept;
    /// A components::BuildGraph of the `count` nodes, with `slots` (components::k_runners
    /// entries); nullptr with a message in error when it could not be made.
    void* (*graph_new)(const SlipwayScheduleNode* nodes, std::size_t count,
                       const std::size_t* slots, SlipwayHandoffFn handoff, void* context,
                       char* error, std::size_t error_size) noexcept;
    void (*graph_start)(void* graph) noexcept;
    void (*graph_ended)(void* graph, std::size_t build, int succeeded) noexcept;
    void (*graph_stop)(void* graph) noexcept;
    void (*graph_wait)(void* graph) noexcept;
    /// Waits as graph_wait does, then frees the graph.
    void (*graph_delete)(void* graph) noexcept;
};

/// The module's one exported symbol.
using SlipwayParallelEntry = const SlipwayParallelApi* (*)() noexcept;
inline constexpr const char* slipway_parallel_entry = "slipway_parallel_api";

}  // extern "C"
