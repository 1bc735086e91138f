// The parallel module's side of the table (parallel_module.hpp says why it is a module): a
// data-parallel pass is tbb::parallel_for over the chunks, and a build graph is
// components::BuildGraph (build_graph.cpp, linked into this module alone). Every function
// catches what oneTBB or the graph may throw: a status and a message for the calls that can
// fail, and for those that cannot (start, ended, stop, wait) slipway's own line for a broken
// invariant and exit 70, as the program's main would (an exception may not cross into the
// program, whose libstdc++ is another).
#include <tbb/parallel_for.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <vector>

#include "components/build_graph.hpp"
#include "components/parallel_module.hpp"

namespace {

using components::BuildGraph;
using components::Handoff;
using components::k_runners;
using components::ScheduleNode;

void copy_message(const char* what, char* error, std::size_t error_size) {
    if (error_size == 0) return;
    std::snprintf(error, error_size, "%s", what);
}

[[noreturn]] void fatal(const char* what) {
    std::fprintf(stderr, "slipway: error: internal: %s\n", what);
    std::fflush(stderr);
    ::_exit(70);
}

// Runs `f`, turning anything it throws into fatal().
template <typename F>
void or_fatal(const F& f) noexcept {
    try {
        f();
    } catch (const std::exception& e) {
        fatal(e.what());
    } catch (...) {
        fatal("an unknown exception in the parallel module");
    }
}

int for_chunks(std::size_t chunks, SlipwayChunkFn run, void* context, char* error,
               std::size_t error_size) noexcept {
    try {
        tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t k) { run(context, k); });
        return 0;
    } catch (const std::exception& e) {
        copy_message(e.what(), error, error_size);
    } catch (...) {
        copy_message("an unknown exception in oneTBB", error, error_size);
    }
    return -1;
}

// The program's schedule, copied into this side's vectors.
std::vector<ScheduleNode> schedule_from(const SlipwayScheduleNode* nodes, std::size_t count) {
    std::vector<ScheduleNode> out(count);
    for (std::size_t i = 0; i < count; ++i) {
        const SlipwayScheduleNode& n = nodes[i];
        out[i].waits_for.assign(n.waits_for, n.waits_for + n.waits_for_count);
        out[i].dependents.assign(n.dependents, n.dependents + n.dependents_count);
        out[i].chain = n.chain;
        out[i].runner = n.runner;
        out[i].name_rank = n.name_rank;
    }
    return out;
}

void* graph_new(const SlipwayScheduleNode* nodes, std::size_t count, const std::size_t* slots,
                SlipwayHandoffFn handoff, void* context, char* error,
                std::size_t error_size) noexcept {
    try {
        std::array<std::size_t, k_runners> s{};
        for (std::size_t r = 0; r < k_runners; ++r) s[r] = slots[r];
        return new BuildGraph(schedule_from(nodes, count), s, [handoff, context](const Handoff& h) {
            handoff(context, static_cast<int>(h.kind), h.build);
        });
    } catch (const std::exception& e) {
        copy_message(e.what(), error, error_size);
    } catch (...) {
        copy_message("an unknown exception making the build graph", error, error_size);
    }
    return nullptr;
}

BuildGraph& graph(void* g) {
    return *static_cast<BuildGraph*>(g);
}

void graph_start(void* g) noexcept {
    or_fatal([&] { graph(g).start(); });
}

void graph_ended(void* g, std::size_t build, int succeeded) noexcept {
    or_fatal([&] { graph(g).ended(build, succeeded != 0); });
}

void graph_stop(void* g) noexcept {
    or_fatal([&] { graph(g).stop(); });
}

void graph_wait(void* g) noexcept {
    or_fatal([&] { graph(g).wait(); });
}

void graph_delete(void* g) noexcept {
    or_fatal([&] { delete &graph(g); });
}

constexpr SlipwayParallelApi k_api{slipway_parallel_abi, for_chunks, graph_new,  graph_start,
                                   graph_ended,          graph_stop, graph_wait, graph_delete};

}  // namespace

extern "C" __attribute__((visibility("default"))) const SlipwayParallelApi*
slipway_parallel_api() noexcept {
    return &k_api;
}
