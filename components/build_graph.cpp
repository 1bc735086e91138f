#include "components/build_graph.hpp"

#include <tbb/flow_graph.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <optional>
#include <tuple>
#include <vector>

namespace components {

namespace flow = tbb::flow;

namespace {

// A ready build, carrying what orders it among the others of its runner.
struct Ready {
    std::int64_t chain = 0;  // the longest chain of work from it on
    std::size_t rank = 0;    // its name's place in name order (ties)
    std::size_t build = 0;
};

// priority_queue_node's order: `a` before `b` means `b` is more urgent (it pops first).
struct LessUrgent {
    bool operator()(const Ready& a, const Ready& b) const {
        if (a.chain != b.chain) return a.chain < b.chain;
        return a.rank > b.rank;
    }
};

// Lightweight nodes run their bodies on the thread that puts to them (TBB honours that only
// for noexcept bodies), so an end reaches the priority queues before the slot frees.
using Join = flow::continue_node<Ready, flow::lightweight>;
using Route = flow::multifunction_node<Ready, std::tuple<Ready, Ready>, flow::lightweight>;
using Queue = flow::priority_queue_node<Ready, LessUrgent>;
using Limit = flow::limiter_node<Ready>;
using Dispatch = flow::function_node<Ready, flow::continue_msg, flow::lightweight>;
using Done = flow::broadcast_node<flow::continue_msg>;

static_assert(k_runners == 2, "route has one output port per runner");

}  // namespace

struct BuildGraph::Nodes {
    Nodes(std::vector<ScheduleNode> p, std::function<void(const Handoff&)> h)
        : plan(std::move(p)), handoff(std::move(h)), failed(plan.size()), held_slot(plan.size()) {}

    // No worker threads: the thread that puts (the executor's) runs the tasks its puts
    // spawn -- the buffer nodes' forwarding -- before start() and ended() return
    // (graph.wait_for_all). A worker kept for them never slept while builds ended every
    // millisecond: its spinning took a core's share from the builds (bench/README, issue 30).
    tbb::global_control workers{tbb::global_control::max_allowed_parallelism, 1};
    const std::vector<ScheduleNode> plan;
    std::function<void(const Handoff&)> handoff;
    std::vector<std::atomic<bool>> failed;     // ended without succeeding (or skipped)
    std::vector<std::atomic<bool>> held_slot;  // went through its runner's limiter
    std::atomic<bool> stopped{false};
    flow::graph graph;
    std::deque<Done> done;  // deques: nodes never move
    std::deque<std::optional<Join>> joins;
    std::optional<Route> route;
    std::deque<Queue> queues;
    std::deque<Limit> limits;
    std::deque<Dispatch> dispatch;
    std::vector<std::size_t> roots;

    [[nodiscard]] Ready ready(std::size_t i) const { return {plan[i].chain, plan[i].name_rank, i}; }

    // Hands a build over to start or to skip; the caller reports its end (ended()).
    void hand_over(Handoff::Kind kind, std::size_t i) { handoff({kind, i}); }

    // A build whose dependencies all ended: skipped if one of them failed or the run
    // stopped, else queued for its runner.
    void route_build(const Ready& r, Route::output_ports_type& ports) {
        const auto& waits = plan[r.build].waits_for;
        const bool doomed =
            stopped.load() || std::any_of(waits.begin(), waits.end(),
                                          [&](std::size_t w) { return failed[w].load(); });
        if (doomed) return hand_over(Handoff::skip, r.build);
        handoff({Handoff::queued, r.build});
        if (plan[r.build].runner == k_local)
            std::get<0>(ports).try_put(r);
        else
            std::get<1>(ports).try_put(r);
    }

    // A build through its runner's limiter: it holds a slot until it ends.
    void dispatch_build(const Ready& r) {
        held_slot[r.build] = true;
        hand_over(stopped.load() ? Handoff::skip : Handoff::start, r.build);
    }
};

BuildGraph::BuildGraph(std::vector<ScheduleNode> nodes,
                       const std::array<std::size_t, k_runners>& slots,
                       std::function<void(const Handoff&)> handoff)
    : m_nodes(std::make_unique<Nodes>(std::move(nodes), std::move(handoff))) {
    auto& n = *m_nodes;
    const auto& plan = n.plan;
    n.route.emplace(n.graph, flow::unlimited,
                    [&n](const Ready& r, Route::output_ports_type& ports) noexcept {
                        n.route_build(r, ports);
                    });
    for (std::size_t r = 0; r < k_runners; ++r) {
        auto& queue = n.queues.emplace_back(n.graph);
        auto& limit = n.limits.emplace_back(n.graph, std::max<std::size_t>(1, slots[r]));
        auto& dispatch =
            n.dispatch.emplace_back(n.graph, flow::unlimited, [&n](const Ready& b) noexcept {
                n.dispatch_build(b);
                return flow::continue_msg();
            });
        flow::make_edge(r == 0 ? flow::output_port<0>(*n.route) : flow::output_port<1>(*n.route),
                        queue);
        flow::make_edge(queue, limit);
        flow::make_edge(limit, dispatch);
    }
    for (std::size_t i = 0; i < plan.size(); ++i) {
        n.done.emplace_back(n.graph);
        auto& join = n.joins.emplace_back();
        if (plan[i].waits_for.empty()) {
            n.roots.push_back(i);
            continue;
        }
        join.emplace(n.graph, [&n, i](const flow::continue_msg&) noexcept { return n.ready(i); });
        flow::make_edge(*join, *n.route);
    }
    // A build's end reaches its dependents most urgent first: a broadcast puts to its
    // successors in the order their edges were made.
    for (std::size_t w = 0; w < plan.size(); ++w) {
        std::vector<std::size_t> dependents = plan[w].dependents;
        std::ranges::sort(dependents, [&](std::size_t a, std::size_t b) {
            return LessUrgent{}(n.ready(b), n.ready(a));
        });
        for (std::size_t d : dependents) flow::make_edge(n.done[w], *n.joins[d]);
    }
    std::ranges::sort(n.roots, [&](std::size_t a, std::size_t b) {
        return LessUrgent{}(n.ready(b), n.ready(a));
    });
}

BuildGraph::~BuildGraph() {
    wait();
}

void BuildGraph::start() {
    for (std::size_t i : m_nodes->roots) m_nodes->route->try_put(m_nodes->ready(i));
    m_nodes->graph.wait_for_all();  // the puts' tasks, on this thread: the handoffs are made
}

void BuildGraph::ended(std::size_t i, bool succeeded) {
    auto& n = *m_nodes;
    n.failed[i] = !succeeded;
    n.done[i].try_put(flow::continue_msg());  // dependents first: queued before the slot frees
    if (n.held_slot[i]) n.limits[n.plan[i].runner].decrementer().try_put(flow::continue_msg());
    n.graph.wait_for_all();  // the puts' tasks, on this thread: the next handoffs are made
}

void BuildGraph::stop() {
    m_nodes->stopped = true;
}

void BuildGraph::wait() {
    m_nodes->graph.wait_for_all();
}

}  // namespace components
