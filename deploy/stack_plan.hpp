#pragma once
// The stack plan: which stacks of an environment a command deploys, where (targets: a region
// in an account), and what each waits for -- a value made by pure code, as the build plan is.
//
// One node per (stack, target). Within a target a node waits for the planned nodes of the
// stacks whose outputs it reads or that it depends_on (through stacks that are not planned:
// their outputs are read as they are). A node of wave w+1 waits for every node of the last
// earlier wave that has any, so a wave starts only when the one before it has succeeded.
// The pipeline's executor runs the plan on the builds' scheduler (components/build_graph.hpp,
// through schedule_of): the graph alone says when a node may go and what a failure skips --
// everything that waits for it, so a failed wave stops the later ones while the other
// targets of its own wave go on.
#include <cstddef>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "components/build_graph.hpp"
#include "components/manifest.hpp"

namespace deploy {

/// Which stacks a run deploys, and why (by index into the environment's stacks).
struct StackSelection {
    std::vector<bool> deploy;
    std::vector<std::string> reasons;  // "" for a stack not deployed
};

/// The stacks of `env` a run deploys: every stack with `everything`; else those with an
/// affected member, those whose template is among `changed_paths`, every stack when an
/// affected config component is in no stack, and those that read outputs of a stack that
/// deploys (transitively).
StackSelection select_stacks(const components::Manifest& m, const components::Environment& env,
                             const std::vector<std::string>& affected,
                             const std::vector<std::string>& changed_paths, bool everything);

/// Every stack, for commands that deploy the whole environment (deploy, promote, rollback).
StackSelection all_stacks(const components::Environment& env, const std::string& reason);

/// A command's limit on where it deploys: `wave` (1-based; 0 none) and `region` (a region,
/// an account id, or account/region; "" none).
struct TargetFilter {
    std::size_t wave = 0;
    std::string region;
};

/// The targets of `env` the filter keeps (by index). ErrorCode::usage when it keeps none.
common::Result<std::vector<bool>> filter_targets(const components::Environment& env,
                                                 const TargetFilter& filter);

/// The scope a deployment records: "" when `kept` is every target, else the filter in words.
std::string scope_of(const TargetFilter& filter, const std::vector<bool>& kept);

struct StackNode {
    std::size_t stack = 0;   // index into env.stacks
    std::size_t target = 0;  // index into env.targets
    std::size_t wave = 0;
    std::string label;  // "api" (one target), "api@eu-west-1", "api@111111111111/eu-west-1"
    std::string reason;
    std::vector<std::size_t> waits_for;   // node indices
    std::vector<std::size_t> dependents;  // node indices
};

class StackPlan {
  public:
    /// The nodes of the selected stacks on the kept targets (see above), in order: by wave,
    /// target, then dependency order of the stacks (ties as written).
    static StackPlan make(const components::Environment& env, const StackSelection& stacks,
                          const std::vector<bool>& targets);

    [[nodiscard]] std::size_t size() const { return m_nodes.size(); }
    [[nodiscard]] const StackNode& at(std::size_t i) const { return m_nodes[i]; }
    [[nodiscard]] bool empty() const { return m_nodes.empty(); }

  private:
    std::vector<StackNode> m_nodes;
};

/// The scheduler's view of `plan`: every node on one runner (the caller gives its slots),
/// the longest chain of nodes waiting on it first.
std::vector<components::ScheduleNode> schedule_of(const StackPlan& plan);

/// The label of stack `stack` at `target` ("api", or "api@eu-west-1" for a named target).
std::string stack_label(const std::string& stack, const components::Target& target);

}  // namespace deploy
