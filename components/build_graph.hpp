#pragma once
// A build plan's dependency graph as a oneTBB flow graph. Build i is an async_node whose
// body only reports `ready(i)` and returns, keeping the graph open (reserve_wait) until the
// executor calls complete(i): that puts the node's message through its gateway and closes
// it (release_wait). A build with dependencies sits behind a continue_node that fires once
// every dependency's node has put its message, so ready(i) says exactly "everything i waits
// for has ended". TBB threads run only these bodies: they never wait on a process or the
// network and never touch the store.
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "components/build_plan.hpp"

namespace components {

class BuildGraph {
  public:
    /// Builds the graph of `plan`; `ready` is called on a TBB thread, once per build.
    BuildGraph(const BuildPlan& plan, std::function<void(std::size_t)> ready);
    /// The same over any plan given as each node's waits (node indices): the deploy's stack
    /// plan runs on it too.
    BuildGraph(const std::vector<std::vector<std::size_t>>& waits,
               std::function<void(std::size_t)> ready);
    /// Waits for the graph: every build must have been completed.
    ~BuildGraph();
    BuildGraph(const BuildGraph&) = delete;
    BuildGraph& operator=(const BuildGraph&) = delete;

    /// Lets the builds without dependencies go ahead.
    void start();
    /// Build `i`, which was reported ready, has ended (or will never run): the builds that
    /// wait for it may go ahead once their other dependencies have ended too. Any thread.
    void complete(std::size_t i);
    /// Waits until no graph work is left (every build completed, every body returned).
    void wait();

  private:
    struct Nodes;
    std::unique_ptr<Nodes> m_nodes;
};

}  // namespace components
