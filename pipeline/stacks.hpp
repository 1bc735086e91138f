#pragma once
// Deploying an environment: its stacks on its targets, as one stack plan.
//
//   plan_environment  what the store knows (each stack's current deployment, each
//                     component's latest build) + the images this command brings -> one
//                     DeployPlan per node of the stack plan (parameters computed, template
//                     read, checked before anything touches AWS).
//   deploy_stacks     runs the stack plan as a oneTBB flow graph (components::BuildGraph):
//                     a node's body only hands its deploy to a runner thread and returns;
//                     the runner deploys the stack (its own store connection and AWS
//                     clients; the outputs it reads resolved from the stacks they come
//                     from) and reports back through the node's gateway. The graph alone
//                     says when a node may go; the plan settles what a failure skips. Each
//                     stack has its own intent, change set, events and reconciliation.
//
// An environment of one stack is a plan of one node: the same path.
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "deploy/deployer.hpp"
#include "deploy/parameters.hpp"
#include "deploy/stack_plan.hpp"
#include "pipeline/observer.hpp"
#include "pipeline/project.hpp"
#include "pipeline/services.hpp"
#include "versioning/records.hpp"

namespace pipeline {

/// How a deploy is to be made, whatever chose its images.
struct DeploySettings {
    std::string run_id;
    std::string actor;
    bool plan = false;               // preview the change set, then delete it
    bool wait = false;               // wait for a busy lease or stack instead of exit 3
    bool replace_failed = false;     // --replace-failed-stack
    std::string write_overrides;     // CodePipeline's file instead of deploying
    deploy::TargetFilter targets{};  // --wave / --region
};

/// How one stack's deploy ended.
struct DeployRun {
    int exit = 0;
    deploy::DeployPlan plan;                       // what was (to be) deployed
    std::optional<deploy::DeployOutcome> outcome;  // none with write_overrides
    std::set<std::string> changed_parameters;      // the stack's parameters that changed (or
                                                   // would: a plan)
    std::int64_t pending_id = 0;                   // write_overrides: the pending deployment
};

/// What the store knows of an environment when a command holds it.
struct KnownImages {
    std::vector<versioning::DeploymentRecord> current;       // each stack's, where it is
    std::map<std::string, deploy::KnownImage> latest_built;  // by component
};

/// Reads what the store knows of `env`.
common::Result<KnownImages> known_images(const Project& p, const components::Environment& env,
                                         versioning::VersionStore& store);

/// The images deployed in `stack` at `target`, by component: its own current deployment's,
/// and for components it has no record of (moved from another stack, a renamed stack) the
/// image another stack of the environment has in the same place.
std::map<std::string, deploy::KnownImage> deployed_images(const KnownImages& known,
                                                          const components::Stack& stack,
                                                          const components::Target& target);

/// The current deployment of `stack` at `target`, or nullptr.
const versioning::DeploymentRecord* current_of(const KnownImages& known,
                                               const components::Stack& stack,
                                               const components::Target& target);

/// The newest deployment of the newest *complete* environment deployment in `newest_first`
/// (an environment's deployments, newest first): one whose run deployed every target (no
/// scope) and every stack it touched succeeded. Its commit is what the environment runs as a
/// whole; a run whose later wave failed does not count, so the next run's base still covers
/// what that wave missed. For one stack: its latest succeeded deployment.
std::optional<versioning::DeploymentRecord> last_complete(
    const std::vector<versioning::DeploymentRecord>& newest_first);

/// True when the newest environment deployment in `newest_first` moved some stacks and not
/// others (a stack failed, a later wave was stopped, or it was limited with --wave/--region).
bool partially_deployed(const std::vector<versioning::DeploymentRecord>& newest_first);

/// last_complete() over `env`'s recorded deployments.
common::Result<std::optional<versioning::DeploymentRecord>> last_complete_deployment(
    versioning::VersionStore& store, const std::string& env);

/// The images a command brings: for every stack (by component), and per stack and target
/// (rollback to an earlier state; by `stack_key`), which win.
struct NewImages {
    std::map<std::string, deploy::KnownImage> all;
    std::map<std::string, std::map<std::string, deploy::KnownImage>> by_stack;
};

/// The stack plan of a command with one DeployPlan per node.
struct EnvironmentPlan {
    deploy::StackPlan plan;
    std::vector<deploy::DeployPlan> deploys;  // by node
};

/// Makes the environment plan of `stacks` on the kept `targets` with `images` over what is
/// `known`: parameters per stack (ErrorCode::input naming the component or parameter), the
/// templates read and every plan checked. `scope` is recorded with each deployment.
common::Result<EnvironmentPlan> plan_environment(
    const Project& p, const components::Environment& env, const deploy::StackSelection& stacks,
    const std::vector<bool>& targets, const KnownImages& known, const NewImages& images,
    const DeploySettings& settings, const std::string& scope);

/// How one stack of the plan ended.
struct StackRun {
    std::size_t node = 0;
    std::string label, stack, region, account, reason;
    std::size_t wave = 0;
    /// deployed, up-to-date, planned, declined, deploy-failed, overrides-written, skipped
    /// (a stack it waits for failed, or an earlier wave did), interrupted, error.
    std::string result;
    std::optional<DeployRun> run;
    std::optional<common::Error> error;
};

/// How an environment's deploy ended.
struct EnvironmentRun {
    std::vector<StackRun> stacks;        // plan order
    int exit = 0;                        // 0, 1 (a stack failed or was skipped), or an error's
    std::optional<common::Error> error;  // the first error that is not a stack's failure
};

/// Deploys `env_plan` (the caller holds the environment), as described above.
EnvironmentRun deploy_stacks(const components::Environment& env, EnvironmentPlan env_plan,
                             const DeploySettings& settings, Services& s, Observer& o);

}  // namespace pipeline
