#pragma once
// The scheduler: a build plan as a oneTBB flow graph that alone decides which build may start
// and when. The executor (builder.cpp) only does what the graph hands it -- start this build,
// record that one as skipped -- and tells the graph when a build it started has ended.
//
//   done[w] ──► join[i] ──► route ──► queue[r] ──► limit[r] ──► dispatch[r] ──► executor
//   (one per      (continue_node:       (priority_   (limiter_node:   (hands the build
//    build)        fires once every      queue_node:  the runner's     over: start, or
//                  dependency ended)     most urgent  slots)           skip once stopped)
//                                        first)
//                         └─► a dependency failed, or the run stopped: skip (no slot taken)
//
// - Readiness: join[i] is a continue_node with an edge from done[w] of every build i waits
//   for, so it fires exactly when all of them have ended; roots go straight to route. Nothing
//   else counts dependencies.
// - Most urgent first: each runner's ready builds wait in a priority_queue_node ordered by
//   the plan's chains (the longest chain of work still to do, critical-path scheduling), ties
//   by name; a limiter_node with the runner's slots lets the most urgent through whenever a
//   slot is free. When a build ends, its dependents are queued (done[w]'s edges, most urgent
//   dependent first) before its slot is given back, so the choice sees them.
// - A dependency failed: route hands the build over as skipped, which the executor records
//   and reports back as ended-and-failed, so skips travel down the graph as ends do.
// - Fail-fast and interrupts: stop() makes route and dispatch hand every build over as
//   skipped from then on; what is queued drains through the free slots.
//
// TBB threads run only these node bodies (lightweight: a few comparisons and a callback):
// they never wait on a process or the network and never touch the store. Any thread may call
// ended(); the callback may run on it (lightweight nodes run inline) or on a TBB thread.
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "components/build_plan.hpp"

namespace components {

/// What the graph hands the executor.
struct Handoff {
    enum Kind {
        queued,  // ready and waiting for a slot (the executor may reserve its number ahead)
        start,   // start it now: a slot of its runner is its own until ended()
        skip,    // it will not run (a dependency failed, or the run stopped)
    } kind = start;
    std::size_t build = 0;
};

/// One node as the scheduler sees it: a planned build, or a planned stack deploy (the
/// deploy's stack plan runs on the same graph).
struct ScheduleNode {
    std::vector<std::size_t> waits_for;   // node indices
    std::vector<std::size_t> dependents;  // node indices
    std::int64_t chain = 1;               // the longest chain of work from it on
    std::size_t runner = k_local;         // whose slots it takes
    std::size_t name_rank = 0;            // ties between equal chains
};

/// The scheduler's view of a build plan.
std::vector<ScheduleNode> schedule_of(const BuildPlan& plan);

class BuildGraph {
  public:
    /// The graph of `nodes`, `slots[r]` nodes of runner r at once (at least 1). `handoff` is
    /// called once per node with start or skip (and before that with queued when it waits
    /// for a slot), on any thread: it must be quick and thread-safe.
    BuildGraph(std::vector<ScheduleNode> nodes, const std::array<std::size_t, k_runners>& slots,
               std::function<void(const Handoff&)> handoff);
    /// The graph of a build plan.
    BuildGraph(const BuildPlan& plan, const std::array<std::size_t, k_runners>& slots,
               std::function<void(const Handoff&)> handoff)
        : BuildGraph(schedule_of(plan), slots, std::move(handoff)) {}
    /// Waits until no graph work is left; every build handed over must have ended().
    ~BuildGraph();
    BuildGraph(const BuildGraph&) = delete;
    BuildGraph& operator=(const BuildGraph&) = delete;

    /// Lets the builds without dependencies go ahead.
    void start();
    /// Build `i`, handed over to start or to skip, has ended: its dependents may go ahead
    /// (skipped ones, if it did not succeed), and a slot it held is free again.
    void ended(std::size_t i, bool succeeded);
    /// From now on nothing starts: every build still to come is handed over as skipped.
    void stop();
    /// Waits until no graph work is left.
    void wait();

  private:
    struct Nodes;
    std::unique_ptr<Nodes> m_nodes;
};

}  // namespace components
