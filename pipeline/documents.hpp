#pragma once
// The JSON documents of the query commands (docs/json.md), each from a pipeline value, keys
// in sorted order: a selection (`affected --json`), a build command's report (`build
// --json`), a component's history, every environment's status, a commit's recorded diffs.
// Paths are themselves when UTF-8, else git's quoted form (common/path_text.hpp).
#include <string>
#include <vector>

#include "components/affected.hpp"
#include "components/builder.hpp"
#include "diff/tree_diff.hpp"
#include "pipeline/builds.hpp"
#include "pipeline/history.hpp"

namespace pipeline {

/// `affected --json`: the selection, with the diff's refs when it came from git.
std::string selection_json(const components::Selection& s, const diff::ChangeSet* changes);

/// `build --json`: each build of run `run_id` at `commit`.
std::string build_report_json(const components::BuildReport& r, const std::string& run_id,
                              const std::string& commit);

/// `history COMPONENT --json`.
std::string history_json(const ComponentHistory& h);

/// `build --dry-run --json`: the builds a build would run, in plan order, each with the build
/// number and image it would get (or, `reused`, the earlier build with the same inputs), and
/// the components it waits for.
std::string build_plan_json(const components::BuildPlan& plan,
                            const std::vector<ProspectiveBuild>& builds, const std::string& commit);

/// `status --json`.
std::string status_json(const StatusView& v);

/// `diffs COMMIT --json`.
std::string diffs_json(const std::string& commit, const std::vector<versioning::DiffRecord>& diffs);

}  // namespace pipeline
