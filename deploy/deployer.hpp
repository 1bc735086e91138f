#pragma once
// One deploy of one environment's stack: the orchestration over the pure parts (parameters,
// state decisions, event filtering) and the edges (CloudFormation, S3, ECR, the store).
// Steps: validate the parameters against the template (before any AWS call) -> take the
// environment's lease in the store (unless the caller holds it) -> package artifacts -> read
// the stack and decide create/update -> create the change set and wait for it -> "no
// changes" is success -> preview -> (plan: stop; interactive: confirm) -> record the intent
// (a pending deployment with the change set, the execution token and every image) -> execute
// -> follow the events to a terminal status -> finish the deployment (succeeded only for
// CREATE_COMPLETE / UPDATE_COMPLETE) -> retag images -> read the stack's outputs -> release
// the lease.
//
// Once the change set is executed the stack operation goes on whatever happens to slipway.
// So errors while following it are retried (with backoff, for `follow_error_budget`), and
// when following really cannot go on (or slipway is interrupted) the deployment stays
// pending: the next command that touches the environment reconciles it from the stack
// (deploy/reconcile.hpp). A deployment is never recorded as succeeded unless the stack
// reached it.
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "deploy/artifacts.hpp"
#include "deploy/cloudformation.hpp"
#include "deploy/parameters.hpp"
#include "deploy/registry.hpp"
#include "deploy/template.hpp"
#include "versioning/version_store.hpp"

namespace deploy {

struct DeployPlan {
    std::string env;
    std::string stack;
    std::string region;           // recorded with the deployment (named targets; else "")
    std::string account;          // recorded with the deployment (named targets; else "")
    std::string scope;            // the part of the environment the command deploys ("" all of it)
    std::string label;            // the stack for people: "api", "api@eu-west-1"
    std::string commit;           // the environment's place in history after it (see records)
    std::string template_commit;  // the commit the template was read at
    std::string run_id;
    std::string kind = "deploy";  // "deploy", "promote", "rollback"
    std::string source;           // recorded with promotions and rollbacks
    Template tmpl;
    std::string template_dir;
    ParameterSet parameters;
    std::vector<std::string> capabilities;
    std::map<std::string, std::string> tags;
    std::string role_arn;
    std::string artifact_bucket;
    std::string artifact_prefix;
    bool plan_only = false;       // --plan: preview, then delete the change set
    bool wait_busy = false;       // --wait: wait for a busy lease or stack instead of exit 3
    bool replace_failed = false;  // --replace-failed-stack
    bool promote_tags = false;    // retag deployed ECR images for the environment
    bool immutable = false;       // ... and add a timestamped tag
    std::string lock_owner;
    std::chrono::milliseconds lock_ttl{std::chrono::minutes(10)};
    bool lease_held = false;  // the caller holds the lease and keeps it: neither take nor release
    std::string actor;        // who deploys, recorded with the deployment
    std::string note;         // why, recorded with the deployment (a rollback's reason)
    std::vector<std::string> rollback_alarms;  // the environment's alarms (rollback triggers)
    int monitoring_minutes = 0;                // ... watched this long after the update
    /// How long errors reading the stack's events are retried before the outcome is left to
    /// reconciliation.
    std::chrono::milliseconds follow_error_budget{std::chrono::minutes(10)};
};

struct ParameterChange {
    std::string name;
    std::string old_value;  // empty for a new stack or parameter
    std::string new_value;
    bool secret = false;  // NoEcho: shown masked
};

struct Preview {
    bool create = false;
    std::string change_set;
    std::vector<ResourceChange> changes;
    std::vector<ParameterChange> parameters;  // only those whose value changes
};

/// Where the deploy reports to (the CLI prints; tests collect).
class DeployReporter {
  public:
    virtual ~DeployReporter() = default;
    /// The parameters are valid and the lease is held: the deploy is about to touch AWS.
    virtual void begin(const DeployPlan& plan) = 0;
    virtual void note(const std::string& line) = 0;
    virtual void preview(const Preview& preview) = 0;
    /// Asked before executing when the run is interactive; false declines.
    virtual bool confirm(const Preview& preview) = 0;
    virtual void event(const StackEvent& event) = 0;
    /// Called between polls while the stack operation runs.
    virtual void waiting(const std::string& status, std::chrono::milliseconds elapsed) = 0;
};

struct DeployServices {
    CloudFormationApi& cloudformation;
    ArtifactStore* artifacts = nullptr;  // nullptr: nothing can be uploaded
    ImageRegistry* registry = nullptr;   // nullptr: no retagging
    versioning::VersionStore& store;
    std::function<versioning::Millis()> now;
    std::function<void(std::chrono::milliseconds)> sleep;
    std::function<double()> random;
    std::function<bool()> interrupted;
};

enum class DeployResult { deployed, up_to_date, planned, declined, failed };

struct DeployOutcome {
    DeployResult result = DeployResult::failed;
    std::string final_status;
    std::string change_set;
    std::int64_t deployment_id = 0;              // the recorded deployment (succeeded or failed)
    versioning::Millis finished_at = 0;          // when the stack reached `final_status`
    std::vector<StackEvent> failures;            // *_FAILED events of this operation
    std::map<std::string, std::string> outputs;  // deployed: the stack's outputs (DescribeStacks)
    std::vector<Upload> uploads;
    std::vector<std::string> warnings;
};

/// Deploys `plan`. Errors: ErrorCode::input (parameters, template, packaging inputs),
/// ErrorCode::busy (lease held or stack busy without --wait), ErrorCode::failed (a stack in a
/// state that needs a person), ErrorCode::external (AWS or the store), ErrorCode::interrupted.
/// A stack operation that ran and failed is an outcome (DeployResult::failed), not an error.
/// An error after the change set was executed leaves the deployment pending ("outcome
/// unknown"), for reconciliation.
common::Result<DeployOutcome> deploy_stack(const DeployPlan& plan, DeployServices& services,
                                           DeployReporter& reporter);

/// The plan's parameters checked against its template (every image parameter named with its
/// component): ErrorCode::input naming template:line, the parameter and the component; the
/// warnings otherwise.
common::Result<std::vector<std::string>> validate_plan(const DeployPlan& plan);

/// The deployment record of `plan` in `status`: images with their parameters and commits,
/// the template's commit and hash (of `template_body`, the text sent; empty: not known), and
/// every parameter, NoEcho values masked.
versioning::DeploymentRecord deployment_record(const DeployPlan& plan, const std::string& status,
                                               versioning::Millis started,
                                               const std::string& template_body = "");

/// The parameters whose values change from `current` (the stack's) to `next`, by name.
std::vector<ParameterChange> parameter_changes(const std::map<std::string, std::string>& current,
                                               const std::map<std::string, std::string>& next,
                                               const Template& t);

/// CodePipeline's template-configuration JSON: {"Parameters": {...}, "Tags": {...}}, keys
/// sorted.
std::string template_configuration(const std::map<std::string, std::string>& parameters,
                                   const std::map<std::string, std::string>& tags);

}  // namespace deploy
