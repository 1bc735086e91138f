#pragma once
// The build phase as `slipway build` and `slipway run` both run it: which components a
// request selects, the plan and its input hashes, the images the builds would give (the
// run's preflight and --dry-run), and the builds themselves, recorded as a run.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "components/affected.hpp"
#include "components/build_plan.hpp"
#include "components/builder.hpp"
#include "pipeline/observer.hpp"
#include "pipeline/project.hpp"
#include "pipeline/services.hpp"
#include "pipeline/summary.hpp"
#include "pipeline/trigger.hpp"

namespace pipeline {

/// How builds are run.
struct BuildOptions {
    std::size_t jobs = 0;  // local builds at once, and remote ones; 0: cores, and 32 remote
    bool fail_fast = false;
    bool reuse = true;   // an earlier succeeded build with the same inputs is reused
    std::string remote;  // "codebuild": every build runs there (--remote); see remote.hpp
};

/// The builds of one selection: the plan (dependency order) and each planned build's input
/// hash (plan order).
struct PlannedBuilds {
    components::BuildPlan plan;
    std::vector<std::string> hashes;
};

/// The plan for `selected` at the project's head, with the input hashes; with `remote`
/// ("codebuild") every build runs there, else where its component says.
common::Result<PlannedBuilds> plan_builds(const Project& p,
                                          const std::vector<std::string>& selected,
                                          const std::string& remote = "");

/// What a planned build would give, before anything is reserved: the next number and its
/// image, or the earlier build with the same inputs it would reuse.
struct ProspectiveBuild {
    std::string component;
    std::int64_t next_number = 0;
    std::string next_image;
    std::int64_t reused_number = 0;  // 0: nothing to reuse
    std::string reused_image;
    std::string reused_from;            // where the build to reuse was built ("" unknown)
    bool reused_image_checked = false;  // its image was found in ECR (else taken on trust)
    [[nodiscard]] std::int64_t build_number() const {
        return reused_number ? reused_number : next_number;
    }
    [[nodiscard]] const std::string& image_uri() const {
        return reused_number ? reused_image : next_image;
    }
};

/// For each planned build: the next number and its image URI, or the earlier build it would
/// reuse (`reusable`, by plan index, as reusable_builds() chose it; empty: none). `store` may
/// be null (a store not created yet: numbers from 1).
common::Result<std::vector<ProspectiveBuild>> prospective_builds(
    const Project& p, const PlannedBuilds& builds, versioning::VersionStore* store,
    const std::vector<std::optional<components::Reusable>>& reusable, const std::string& env,
    versioning::Millis at);

/// The settings of a build phase of run `run_id` (logs under .slipway/logs/<run>).
/// Its builds become reuse entries only when `trigger` is trusted (reuse.hpp: shares_builds).
components::BuildSettings build_settings(const Project& p, const std::string& run_id,
                                         const std::string& env, versioning::Millis started,
                                         const BuildOptions& options, const Trigger& trigger,
                                         const Services& s);

/// Runs the planned builds (recording each), progress to the observer: local ones as
/// processes, remote ones on CodeBuild (in the region of the environment `settings.env`
/// names, unless remote.codebuild says), after awaiting or stopping what interrupted runs
/// left running there (remote.hpp).
common::Result<components::BuildReport> run_builds(const Project& p, PlannedBuilds& builds,
                                                   const components::BuildSettings& settings,
                                                   Services& s, Observer& o);

/// Which paths of `commit` touched each affected component (dependency reasons left out).
std::vector<versioning::DiffRecord> diffs_of(const components::Selection& s,
                                             const std::string& commit);

/// `slipway build`: exactly one of a base (the affected components), all, or named ones.
struct BuildRequest {
    diff::DiffRequest diff;  // base and head when selecting by a diff
    bool all = false;
    std::vector<std::string> only;
    std::string env;  // for {env} in image tags
    BuildOptions options;
    Trigger trigger;
};

/// What a build request selects, and the plan.
struct SelectedBuilds {
    components::Selection selection;  // empty unless selected by a diff
    PlannedBuilds builds;
};

/// The selection and plan of a build request. Errors: usage (not exactly one way to
/// select, a bad --remote), input (unknown component, ref), external (git).
common::Result<SelectedBuilds> select_builds(const Project& p, const BuildRequest& r);

struct BuildCommandOutcome {
    std::string run_id;
    components::BuildReport report;
};

/// Records the run (and the diffs of a selection by diff), runs the builds, ends the run.
common::Result<BuildCommandOutcome> run_build_command(const Project& p, const BuildRequest& r,
                                                      SelectedBuilds& selected, Services& s,
                                                      Observer& o);

/// The exit status of a build report: 0 all succeeded, 130 interrupted, else 1.
int exit_status(const components::BuildReport& report);

}  // namespace pipeline
