#pragma once
// The build phase as `slipway build` and `slipway run` both run it: the input hashes of the
// head tree, the run record, the diffs of a selection, and the parallel builds themselves
// with the console, the process runner and Ctrl-C wired up.
#include <string>
#include <vector>

#include "common/error.hpp"
#include "components/affected.hpp"
#include "components/build_plan.hpp"
#include "components/builder.hpp"
#include "components/graph.hpp"
#include "diff/repository.hpp"
#include "versioning/version_store.hpp"

namespace cli {

/// How the builds of one run are to be run.
struct BuildJob {
    std::string run_id;
    std::string commit;  // full hex id of the head
    std::string env;
    std::string root;  // the repository's work tree
    components::ImageSettings image;
    versioning::Millis started = 0;
    std::size_t jobs = 0;  // 0: the number of cores
    bool fail_fast = false;
    bool reuse = true;
    bool quiet = false;
};

/// Every component's input hash at `head_id` (by manifest component index).
common::Result<std::vector<std::string>> component_hashes(diff::Repository& repo,
                                                          const components::Manifest& manifest,
                                                          const components::ComponentGraph& graph,
                                                          const std::string& head_id);

/// The hashes of the planned builds, in plan order.
std::vector<std::string> plan_hashes(const components::BuildPlan& plan,
                                     const components::ComponentGraph& graph,
                                     const std::vector<std::string>& hashes);

/// A running run of this process, started at `started`.
versioning::RunRecord new_run_record(const std::string& id, const std::string& trigger,
                                     const std::string& base, const std::string& head,
                                     const std::string& env, versioning::Millis started);

/// Which paths of `commit` touched each affected component (dependency reasons left out).
std::vector<versioning::DiffRecord> diffs_of(const components::Selection& s,
                                             const std::string& commit);

/// Runs the plan's builds in parallel on this terminal; Ctrl-C cancels them.
common::Result<components::BuildReport> run_build_plan(components::BuildPlan& plan,
                                                       const std::vector<std::string>& hashes,
                                                       versioning::VersionStore& store,
                                                       const BuildJob& job);

}  // namespace cli
