#pragma once
// Reconciliation of deploy intent. Every deployment is written as *pending* before its change
// set executes (deploy/deployer.hpp), and CodePipeline's overrides are written as pending
// deployments executed by CodePipeline. Before any command reads or changes an environment,
// its pending deployments are judged against what the stack itself says:
//
//   1. Events stamped with the deployment's ClientRequestToken (real CloudFormation stamps
//      every event of an operation with it): the newest stack-level one decides. A terminal
//      CREATE_COMPLETE / UPDATE_COMPLETE is success at that event's time; any other terminal
//      status is failure; anything else means the operation still runs.
//   2. Without such events (moto stamps none; old events are paged out), the change set:
//      AVAILABLE means it was never executed (failure); EXECUTE_IN_PROGRESS still runs;
//      EXECUTE_FAILED failed.
//   3. Then the stack: in progress still runs; CREATE_COMPLETE / UPDATE_COMPLETE is success
//      when its last operation is ours (its ChangeSetId is the deployment's change set), or
//      when it holds what the deployment was to give it -- every recorded parameter (NoEcho
//      ones are not compared) and the template (its hash; GetTemplate) -- and was updated no
//      earlier than the intent was written (give or take clock skew). A rolled-back or
//      failed stack is failure; so is REVIEW_IN_PROGRESS (a first CREATE change set never
//      executed: no operation runs, and --replace-failed-stack can take it over). Older
//      deployments, written before parameters and template were recorded, are compared by
//      their images.
//   4. Otherwise the stack does not hold the deployment: `superseded` when a later deployment
//      of the environment succeeded, else failed -- or, for CodePipeline's, still pending
//      (the pipeline may not have run yet).
//
// A deployment is recorded as succeeded only when the stack has it. The judgement is a pure
// function; reconcile_pending() gathers the evidence and records the verdicts.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "deploy/cloudformation.hpp"
#include "versioning/version_store.hpp"

namespace deploy {

enum class PendingVerdict {
    succeeded,    // the stack reached it
    failed,       // it ran and failed, or never ran
    superseded,   // never confirmed, and a later deployment succeeded
    running,      // the stack operation is still going on
    unconfirmed,  // nothing to decide on yet (CodePipeline has not deployed it)
};

std::string_view to_string(PendingVerdict verdict);

struct PendingJudgement {
    PendingVerdict verdict = PendingVerdict::unconfirmed;
    versioning::Millis finished_at = 0;  // when the stack got there (0: not known)
    std::string reason;                  // for people, and recorded with a failure
};

/// What the stack says, read for one pending deployment.
struct StackEvidence {
    std::optional<StackInfo> stack;              // nullopt: the stack does not exist
    std::vector<StackEvent> events;              // newest first (the latest page)
    std::optional<ChangeSetInfo> change_set;     // nullopt: gone, or none to ask about
    std::optional<std::string> template_body{};  // GetTemplate, when it was needed
};

/// The verdict on `pending` from `evidence` (pure). `later_success`: a deployment of the
/// environment recorded after this one succeeded.
PendingJudgement judge_pending(const versioning::DeploymentRecord& pending,
                               const StackEvidence& evidence, bool later_success);

/// True when the stack's parameters hold every image of `d` (by its parameter names).
bool stack_holds_images(const StackInfo& stack, const versioning::DeploymentRecord& d);

/// True when the stack holds what `d` was to give it (step 3 above): its parameters (or, for
/// an older record without them, its images), its template when both hashes are known, and
/// a last update no earlier than the intent.
bool stack_holds(const StackInfo& stack, const versioning::DeploymentRecord& d,
                 const std::optional<std::string>& template_body);

struct ReconcileServices {
    CloudFormationApi& cloudformation;
    versioning::VersionStore& store;
    std::function<versioning::Millis()> now;
    std::function<void(std::chrono::milliseconds)> sleep;
    std::function<double()> random;
    std::function<bool()> interrupted;
};

/// One pending deployment, judged (and recorded unless still running or unconfirmed).
struct Reconciled {
    versioning::DeploymentRecord deployment;
    PendingJudgement judgement;
};

/// One stack of an environment in one place, as its deployments record it.
struct StackPlace {
    std::string stack;
    std::string region;   // as recorded ("" for the one-region form)
    std::string account;  // as recorded
};

/// Judges every pending deployment of environment `env` at `place` (services.cloudformation
/// speaks to that region and account), oldest first, and records the verdicts. Call it while
/// holding the environment's lease. A stack operation still running is waited for with
/// `wait`, else it is ErrorCode::busy. `note` hears what is going on. Errors:
/// ErrorCode::external (AWS, the store), busy, interrupted.
common::Result<std::vector<Reconciled>> reconcile_pending(
    const std::string& env, const StackPlace& place, ReconcileServices& services, bool wait,
    const std::function<void(const std::string&)>& note);

}  // namespace deploy
