// The program's side of the parallel module (parallel_module.hpp): opens
// libslipway-parallel.so on first use, runs data-parallel passes through it (run_chunks), and
// is components::BuildGraph for the executor and the stack deploys: the same interface
// (build_graph.hpp), each call handed to the module's graph, which is build_graph.cpp's
// BuildGraph. (That class is built into the module alone, with hidden symbols; here
// BuildGraph is a handle to it.) There is no other scheduler: without the module, making a
// BuildGraph throws, naming the file.
//
// A data-parallel pass has no order to decide (its chunks are independent and write their
// own slots), so without the module it still runs: the same chunk function is called for
// every chunk on this thread, which is what tbb::parallel_for does with one thread -- the
// same code, the same results, the same exception semantics, one thread.
//
// Exceptions stay on their side: a chunk that throws is caught here, the first exception kept
// and rethrown once the pass ended (chunks not yet started are skipped); the graph's
// hand-overs call the callback from a noexcept trampoline, as build_graph.cpp's noexcept node
// bodies did.
#include <dlfcn.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <exception>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "components/build_graph.hpp"
#include "components/parallel.hpp"
#include "components/parallel_module.hpp"

namespace components {
namespace {

namespace fs = std::filesystem;

struct Module {
    const SlipwayParallelApi* api = nullptr;
    std::string error;  // why there is none
};

// The module at its place relative to this program: SLIPWAY_PARALLEL_RELATIVE from bin/
// (slipway; every program of the build tree), SLIPWAY_PARALLEL_FROM_LIBEXEC from
// libexec/slipway/ (slipway-serve, installed). The first that exists; else the first, for
// the message.
Module open_module() {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return {nullptr, "cannot find this program (/proc/self/exe): " + ec.message()};
    fs::path path = (self.parent_path() / SLIPWAY_PARALLEL_RELATIVE).lexically_normal();
    if (const fs::path other =
            (self.parent_path() / SLIPWAY_PARALLEL_FROM_LIBEXEC).lexically_normal();
        !fs::exists(path, ec) && fs::exists(other, ec))
        path = other;
    // Opened for the life of the process: oneTBB's threads must outlive every pass.
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) return {nullptr, ::dlerror()};
    const auto entry =
        reinterpret_cast<SlipwayParallelEntry>(::dlsym(handle, slipway_parallel_entry));
    if (entry == nullptr) return {nullptr, path.string() + ": not slipway's parallel module"};
    const SlipwayParallelApi* api = entry();
    if (api->abi != slipway_parallel_abi)
        return {nullptr, path.string() + " is of another slipway (interface " +
                             std::to_string(api->abi) + ", this program's " +
                             std::to_string(slipway_parallel_abi) + ")"};
    return {api, {}};
}

const Module& module() {
    static const Module m = open_module();
    return m;
}

// The module's table, or an exception naming what is missing (a broken installation).
const SlipwayParallelApi& api_or_throw() {
    const Module& m = module();
    if (m.api == nullptr)
        throw std::runtime_error("slipway's parallel module is needed to build and deploy: " +
                                 m.error);
    return *m.api;
}

}  // namespace

void require_parallel_module() {
    (void)api_or_throw();
}

namespace {

// for_chunks of the module's table with one thread: what a pass runs on without the module.
int for_chunks_on_this_thread(std::size_t chunks, SlipwayChunkFn run, void* context, char*,
                              std::size_t) noexcept {
    for (std::size_t k = 0; k < chunks; ++k) run(context, k);
    return 0;
}

}  // namespace

void run_chunks(std::size_t chunks, ChunkRunner run, const void* body) {
    const Module& m = module();
    auto* const for_chunks = m.api != nullptr ? m.api->for_chunks : for_chunks_on_this_thread;
    if (m.api == nullptr) spdlog::debug("running {} chunks on one thread: {}", chunks, m.error);
    struct Pass {
        ChunkRunner run = nullptr;
        const void* body = nullptr;
        std::atomic<bool> failed{false};
        std::mutex mutex;
        std::exception_ptr error;
    } pass;
    pass.run = run;
    pass.body = body;
    const SlipwayChunkFn chunk = [](void* context, std::size_t k) noexcept {
        auto& p = *static_cast<Pass*>(context);
        if (p.failed.load(std::memory_order_relaxed)) return;
        try {
            p.run(p.body, k);
        } catch (...) {
            const std::lock_guard lock(p.mutex);
            if (!p.error) p.error = std::current_exception();
            p.failed = true;
        }
    };
    char error[512] = "";
    if (for_chunks(chunks, chunk, &pass, error, sizeof error) != 0)
        throw std::runtime_error(std::string("a parallel pass failed: ") + error);
    if (pass.error) std::rethrow_exception(pass.error);
}

struct BuildGraph::Nodes {
    const SlipwayParallelApi* api = nullptr;
    std::function<void(const Handoff&)> handoff;
    void* graph = nullptr;  // the module's
};

std::vector<ScheduleNode> schedule_of(const BuildPlan& plan) {
    std::vector<ScheduleNode> out;
    out.reserve(plan.size());
    for (std::size_t i = 0; i < plan.size(); ++i) {
        const auto& b = plan.at(i);
        out.push_back({b.waits_for, b.dependents, b.chain, b.runner, b.name_rank});
    }
    return out;
}

BuildGraph::BuildGraph(std::vector<ScheduleNode> nodes,
                       const std::array<std::size_t, k_runners>& slots,
                       std::function<void(const Handoff&)> handoff)
    : m_nodes(std::make_unique<Nodes>()) {
    m_nodes->api = &api_or_throw();
    m_nodes->handoff = std::move(handoff);
    const SlipwayHandoffFn trampoline = [](void* context, int kind, std::size_t build) noexcept {
        static_cast<Nodes*>(context)->handoff({static_cast<Handoff::Kind>(kind), build});
    };
    char error[512] = "";
    std::vector<SlipwayScheduleNode> table;
    table.reserve(nodes.size());
    for (const ScheduleNode& n : nodes)
        table.push_back({n.waits_for.data(), n.waits_for.size(), n.dependents.data(),
                         n.dependents.size(), n.chain, n.runner, n.name_rank});
    m_nodes->graph = m_nodes->api->graph_new(table.data(), table.size(), slots.data(), trampoline,
                                             m_nodes.get(), error, sizeof error);
    if (m_nodes->graph == nullptr)
        throw std::runtime_error(std::string("cannot make the build graph: ") + error);
}

BuildGraph::~BuildGraph() {
    m_nodes->api->graph_delete(m_nodes->graph);
}

void BuildGraph::start() {
    m_nodes->api->graph_start(m_nodes->graph);
}

void BuildGraph::ended(std::size_t i, bool succeeded) {
    m_nodes->api->graph_ended(m_nodes->graph, i, succeeded ? 1 : 0);
}

void BuildGraph::stop() {
    m_nodes->api->graph_stop(m_nodes->graph);
}

void BuildGraph::wait() {
    m_nodes->api->graph_wait(m_nodes->graph);
}

}  // namespace components
