#pragma once
// Deploying an environment as the pipeline does it for `deploy`, `promote`, `rollback` and
// the deploy phase of `run`: which image each component's parameter gets (what the store
// knows, after the environment is held), the deploy plan from the manifest's settings, and
// the deploy itself (or CodePipeline's overrides, recorded as a pending deployment).
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "deploy/deployer.hpp"
#include "deploy/parameters.hpp"
#include "pipeline/gates.hpp"
#include "pipeline/observer.hpp"
#include "pipeline/project.hpp"
#include "pipeline/services.hpp"
#include "pipeline/stacks.hpp"
#include "pipeline/summary.hpp"
#include "pipeline/trigger.hpp"

namespace pipeline {

/// The deploy plan of `stack` of `env` at `target` with `params`, from the manifest's
/// settings (the template read; the environment's shared parameters its template declares
/// added).
common::Result<deploy::DeployPlan> make_deploy_plan(
    const Project& p, const components::Environment& env, const components::Stack& stack,
    const components::Target& target, deploy::ParameterSet params, const DeploySettings& settings);

/// Deploys one stack's `plan` with `store` and `cloud` (the caller holds the environment),
/// or writes CodePipeline's overrides and records them as a pending deployment executed by
/// CodePipeline.
common::Result<DeployRun> execute_deploy(deploy::DeployPlan plan, const DeploySettings& settings,
                                         versioning::VersionStore& store, CloudServices& cloud,
                                         const Clock& clock, deploy::DeployReporter& reporter);

/// `deploy`, `promote`, `rollback`.
struct DeployRequest {
    std::string env;
    std::string kind = "deploy";      // deploy, promote, rollback
    std::vector<std::string> images;  // deploy: COMPONENT=URI
    bool latest = false;              // deploy: each component's latest succeeded build
    std::string from;                 // promote: the source environment (default promote_from)
    std::int64_t to_deployment = 0;   // rollback --to
    std::string component;            // rollback --component ...
    std::int64_t build = 0;           // ... --build
    bool allow_older = false;         // deploy: from a head older than the deployed commit
    DeploySettings settings;          // run_id and actor are filled in
    Trigger trigger;
    std::int64_t request_id = 0;   // promote --request: that request's images
    bool override_freeze = false;  // promote --override-freeze (an approver, with a reason)
    std::string reason;            // why: recorded with a rollback and with a new request
    bool auto_deploy = false;      // a new request is the service's to deploy when ready
};

struct DeployCommandOutcome {
    RunSummary summary;  // recorded with the run (unless --plan)
    EnvironmentRun run;
    /// A promotion into a gated environment: its request (recorded, or for --plan the one it
    /// would record), and its gates when they were decided.
    std::optional<versioning::PromotionRequest> request;
    std::optional<GateVerdict> verdict;
    bool held = false;  // the gates held it: nothing deployed, no run recorded (exit 5)
};

/// One deploy command as a run: the environment held, the plan made from what the store
/// knows then, checked (bad input records nothing), the run recorded, deployed, the run
/// ended. A promotion into an environment with gates goes through a promotion request (the
/// open one, the one named, or a new one): held by its gates, the request is recorded and
/// nothing else (`held`, exit 5); let through, exactly its images are deployed and the request
/// ends with the outcome. A `deploy` into a gated environment is refused (ErrorCode::held).
/// Errors: input/usage (nothing recorded), busy (recorded as a busy run), external,
/// interrupted.
common::Result<DeployCommandOutcome> run_deploy_command(const Project& p, const DeployRequest& r,
                                                        Services& s, Observer& o);

/// The exit status of a deploy outcome: 0 deployed, up to date or planned; 1 failed or
/// declined.
int exit_status(const deploy::DeployOutcome& outcome);

/// The summary's `result` for a deploy outcome ("deployed", "up-to-date", ...).
std::string result_name(const deploy::DeployOutcome& outcome);

/// The summary's deploy fields from an outcome: the deployment, the stack's status, the
/// failed resources and the outputs (not `result`).
void summarize_outcome(const deploy::DeployOutcome& outcome, RunSummary& summary);

/// The summary's deploy fields from an environment's deploy: a line per stack, and `result`
/// (one stack: its own fields as summarize_outcome fills them; several: deploy-failed when
/// any stack failed or was skipped, up-to-date when every one was, else deployed).
void summarize_environment(const EnvironmentRun& run, RunSummary& summary);

}  // namespace pipeline
