#pragma once
// `slipway run`: the whole pipeline for one environment, as a merge to `dev`, a CodeBuild
// step or the service runs it. Two calls, values in and values out:
//
//   plan_run:    hold the environment (its lease, waiting or busy; its pending deployments
//                reconciled) -> choose the base (per component, the commit its deployed
//                image is current for -- pipeline/ledger.hpp -- else the environment's base
//                branch; or --base) -> select the affected components (everything on a first
//                deployment or with `all`) -> plan the builds ->
//                preflight: the deploy's parameters, with the images the builds would
//                give, checked against the template before anything is built or recorded.
//   execute_run: record the run -> record the diffs and build -> deploy the affected stacks
//                (pipeline/stacks.hpp: in dependency order and waves, independent ones in
//                parallel), each with a parameter for every one of its components ->
//                record how the run ended, with its phases and summary.
//
// A stack is affected when one of its components is, when its template changed, or when a
// stack whose outputs it reads is; the others are not touched. Nothing affected: no stack is
// touched. A config-only change deploys without building. A plan (`RunRequest::plan`) builds and
// records nothing and previews the change set.
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "components/affected.hpp"
#include "deploy/lease.hpp"
#include "pipeline/builds.hpp"
#include "pipeline/deploys.hpp"
#include "pipeline/observer.hpp"
#include "pipeline/project.hpp"
#include "pipeline/services.hpp"
#include "pipeline/summary.hpp"
#include "pipeline/trigger.hpp"

namespace pipeline {

struct RunRequest {
    std::string env;
    std::string base = "auto";  // a ref, or auto (see choose_base)
    BuildOptions builds;
    bool all = false;                // build every image component
    bool force_deploy = false;       // deploy even when nothing is affected
    bool plan = false;               // build nothing, record nothing, preview the change set
    bool wait = false;               // wait for a busy environment or stack instead of exit 3
    bool allow_older = false;        // ship a head older in history than the deployed commit
    bool replace_failed = false;     // --replace-failed-stack
    std::string write_overrides;     // CodePipeline's file instead of deploying
    deploy::TargetFilter targets{};  // --wave / --region
    Trigger trigger;
};

/// A run planned and holding its environment (move-only: it owns the lease).
struct RunPlan {
    RunRequest request;
    const components::Environment* env = nullptr;
    std::unique_ptr<deploy::EnvironmentLease> lease;
    BaseChoice base;
    std::string base_id;  // the base's commit id; empty without a base (or when only the
                          // components' own deployed commits are known)
    /// The newest deployment of the environment's last complete deployment (stacks.hpp
    /// last_complete): its commit is the environment's place in history.
    std::optional<versioning::DeploymentRecord> deployed;
    /// Per component, the commit its deployed state is current for over every stack and
    /// place (ledger.hpp deployed_commits); and the stacks' template commits.
    std::map<std::string, std::string> commits;
    std::vector<std::string> template_commits;
    std::set<std::string> owed;         // components whose deployed image lacks a change up to head
    components::Selection selection;    // from the diff; empty without a base
    std::vector<std::string> selected;  // the components to build (when they have a build)
    bool everything = false;            // a first deployment, or `all`
    bool deploy_needed = false;
    deploy::StackSelection stacks;  // which stacks deploy, and why
    std::vector<bool> targets;      // where (--wave / --region)
    PlannedBuilds builds;
    std::vector<ProspectiveBuild> prospective;                  // the images the builds would give
    std::vector<std::optional<components::Reusable>> reusable;  // what the builds reuse
    EnvironmentPlan preflight;                                  // with those images, checked
    RunSummary summary;  // run id, trigger, base, head, started
};

/// Plans the run (see above). Errors: input (manifest, ref, parameters: nothing recorded, no
/// number taken), busy (recorded as a busy run unless planning), external, interrupted.
common::Result<RunPlan> plan_run(const Project& p, const RunRequest& r, Services& s, Observer& o);

struct RunOutcome {
    RunSummary summary;                    // recorded with the run (not for a plan)
    std::optional<EnvironmentRun> deploy;  // when the deploy phase ran (or the plan's preview)
    std::optional<common::Error> error;    // what stopped the run after it was recorded
    int exit = 0;
    std::vector<ProspectiveBuild> prospective;  // a plan: the builds it would run
};

/// Executes a planned run.
RunOutcome execute_run(const Project& p, RunPlan plan, Services& s, Observer& o);

/// A plan's outcome as JSON, keys sorted (docs/json.md): the base, the affected components,
/// the builds it would run with their images, whether the stack would be touched and which
/// of its parameters would change.
std::string plan_json(const RunOutcome& planned);

}  // namespace pipeline
