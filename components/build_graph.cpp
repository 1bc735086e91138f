#include "components/build_graph.hpp"

#include <tbb/flow_graph.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <deque>
#include <optional>

namespace components {

namespace flow = tbb::flow;
using BuildNode = flow::async_node<flow::continue_msg, flow::continue_msg>;
using JoinNode = flow::continue_node<flow::continue_msg>;

struct BuildGraph::Nodes {
    // Gateway puts come from a thread outside TBB, so the arena needs a worker to run the
    // bodies they start even when TBB would run on one core alone.
    tbb::global_control workers{
        tbb::global_control::max_allowed_parallelism,
        static_cast<std::size_t>(std::max(2, tbb::this_task_arena::max_concurrency()))};
    flow::graph graph;
    std::deque<BuildNode> builds;  // deque: nodes never move
    std::deque<std::optional<JoinNode>> joins;
    std::vector<std::size_t> roots;
};

namespace {

std::vector<std::vector<std::size_t>> waits_of(const BuildPlan& plan) {
    std::vector<std::vector<std::size_t>> out;
    for (std::size_t i = 0; i < plan.size(); ++i) out.push_back(plan.at(i).waits_for);
    return out;
}

}  // namespace

BuildGraph::BuildGraph(const BuildPlan& plan, std::function<void(std::size_t)> ready)
    : BuildGraph(waits_of(plan), std::move(ready)) {}

BuildGraph::BuildGraph(const std::vector<std::vector<std::size_t>>& waits,
                       std::function<void(std::size_t)> ready)
    : m_nodes(std::make_unique<Nodes>()) {
    auto& n = *m_nodes;
    for (std::size_t i = 0; i < waits.size(); ++i) {
        n.builds.emplace_back(n.graph, flow::unlimited,
                              [ready, i](const flow::continue_msg&, BuildNode::gateway_type& gw) {
                                  gw.reserve_wait();
                                  ready(i);
                              });
        auto& join = n.joins.emplace_back();
        if (waits[i].empty()) {
            n.roots.push_back(i);
            continue;
        }
        join.emplace(n.graph, [](const flow::continue_msg&) { return flow::continue_msg(); });
        flow::make_edge(*join, n.builds[i]);
    }
    for (std::size_t i = 0; i < waits.size(); ++i) {
        for (std::size_t w : waits[i]) flow::make_edge(n.builds[w], *n.joins[i]);
    }
}

BuildGraph::~BuildGraph() {
    wait();
}

void BuildGraph::start() {
    for (std::size_t i : m_nodes->roots) m_nodes->builds[i].try_put(flow::continue_msg());
}

void BuildGraph::complete(std::size_t i) {
    auto& gateway = m_nodes->builds[i].gateway();
    gateway.try_put(flow::continue_msg());
    gateway.release_wait();
}

void BuildGraph::wait() {
    m_nodes->graph.wait_for_all();
}

}  // namespace components
