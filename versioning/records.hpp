#pragma once
// The records of the version store, as plain values. Times are milliseconds since the Unix
// epoch (UTC); the caller passes them in.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace versioning {

using Millis = std::int64_t;

/// What became of one component in one run. `queued` is a reserved number whose build has
/// not started yet, `running` one whose build has not finished; `interrupted` one whose
/// process died before the build's end was recorded.
enum class BuildStatus {
    queued,
    running,
    succeeded,
    failed,
    timed_out,
    cancelled,
    skipped,
    reused,
    interrupted
};

std::string_view to_string(BuildStatus status);
std::optional<BuildStatus> parse_build_status(std::string_view text);

/// Where a started build runs, so that what outlives a killed run can be found again: the
/// process group of a local build (its leader's pid and that process's start time, which tells
/// a reused pid apart) or the id of a remote build (a CodeBuild build ARN).
struct BuildHandle {
    std::int64_t pgid = 0;
    std::int64_t pgid_start = 0;
    std::string remote_id{};
};

struct BuildRecord {
    std::string component;
    std::int64_t build_number = 0;  // 0: none (skipped, or cancelled before it started)
    std::string commit;
    std::string input_hash;
    std::string image_uri;
    BuildStatus status = BuildStatus::running;
    std::optional<int> exit_code;
    Millis started_at = 0;
    std::optional<Millis> finished_at;
    std::string log_path;
    std::string run_id;
    std::int64_t row = 0;        // the build's place in its component's history (paging cursor)
    BuildHandle handle{};        // set once the build started (see VersionStore::start_build)
    std::string image_digest{};  // "sha256:..." when the build reported it (remote builds)
};

/// A new build about to be queued: the store gives it the next number of its component.
struct BuildStart {
    std::string component;
    std::string commit;
    std::string input_hash;
    std::string run_id;
    Millis started_at = 0;  // when it was queued, until start_build says when it started
    std::string log_path;
    /// Whether its success may be reused by other runs: only a trusted run's build (one of a
    /// trigger branch, never a pull request's; pipeline/reuse.hpp) is found by find_reusable.
    bool shareable = true;
};

/// How a reserved build ended. `started_at` (when not 0) is when it started, for a build
/// whose start was not recorded on its own (see VersionStore::start_build).
struct BuildEnd {
    BuildStatus status = BuildStatus::succeeded;
    std::optional<int> exit_code;
    Millis finished_at = 0;
    Millis started_at = 0;
    std::string image_digest{};  // the pushed image's digest, when the build reported it
    std::int64_t row = 0;        // BuildRecord::row from reserve_build, when known (a lookup less)
};

/// How a run ended. `busy`: it found its environment held by another deploy and ended
/// before doing anything (without --wait).
enum class RunStatus { running, succeeded, failed, cancelled, interrupted, busy };

std::string_view to_string(RunStatus status);
/// The status a stored name stands for (running for an unknown name).
RunStatus parse_run_status(std::string_view text);

struct RunRecord {
    std::string id;
    std::string trigger;  // "cli", "webhook", "codebuild:<build id>", ...
    std::string base;
    std::string head;
    std::string env;
    RunStatus status = RunStatus::running;
    Millis started_at = 0;
    std::optional<Millis> finished_at;
    std::string host;
    std::int64_t pid = 0;
    std::int64_t pid_start = 0;  // the process's start time, to tell a reused pid apart
    std::string base_reason{};   // why `base` was used ("last succeeded deployment #4", ...)
    std::string report{};        // set when the run finishes: JSON (phases, timings, result)
    std::string kind = "run";    // the command: "run", "build", "deploy", "promote", "rollback"
    std::string actor{};         // who started it: "github:octocat", "alice@host", ...
};

/// The paths of one commit that touched one component.
struct DiffRecord {
    std::string commit;
    std::string component;
    std::vector<std::string> paths;
};

/// One component's image in a deployment. `commit` is the commit the image is current for:
/// every change up to it that affects the component is in the image (the commit it was
/// built from, or a later one whose changes leave the component's inputs as they were). Empty
/// when no one knows (an image given by URI that no recorded build made): the next run
/// rebuilds the component. docs/deploy.md, "What counts as deployed".
struct DeploymentImage {
    std::string component;
    std::int64_t build_number = 0;
    std::string image_uri;
    bool changed = false;
    std::string parameter{};  // the stack parameter that carries the image
    std::string commit{};
};

/// A deployment's status: `pending` from the moment slipway is about to execute its change
/// set (or has written CodePipeline's overrides) until reconciliation reads the outcome from
/// the stack; then `succeeded` or `failed`; `superseded` when a later deployment of the
/// environment succeeded while it was still pending and the stack never confirmed it.
namespace deployment_status {
inline constexpr const char* pending = "pending";
inline constexpr const char* succeeded = "succeeded";
inline constexpr const char* failed = "failed";
inline constexpr const char* superseded = "superseded";
}  // namespace deployment_status

/// A deployment of one environment's stack. `commit` is the environment's place in history
/// after it: a commit every change up to which is deployed -- the common ancestor of every
/// image's commit and `template_commit` (a run: its head; a rollback or a hand-picked image
/// lowers it). Empty when an image's commit is unknown. The ancestry checks ("newest in
/// history") compare with it; what a run rebuilds is decided per component from the images'
/// own commits.
struct DeploymentRecord {
    std::int64_t id = 0;
    std::string env;
    std::string stack;
    std::string commit;
    std::string status;  // "succeeded", "failed", ...
    Millis started_at = 0;
    std::optional<Millis> finished_at;
    std::string change_set;
    std::string run_id;
    std::vector<DeploymentImage> images{};
    std::string kind = "deploy";  // "deploy", "promote" or "rollback"
    std::string source{};         // promote: "test#12"; rollback: "#9" or "component#build"
    std::string reason{};         // why a failed attempt failed
    std::string client_token{};   // ExecuteChangeSet's ClientRequestToken (slipway executes)
    std::string actor{};          // who deployed: see RunRecord::actor
    std::string executed_by = "slipway";  // "slipway", or "codepipeline" (overrides written)
    std::string template_commit{};  // the commit whose template (and config components) it runs
    std::string template_hash{};    // sha256 of the template as sent, in a canonical JSON form
    /// Every parameter passed to the stack (NoEcho values as "****": never stored).
    std::map<std::string, std::string> parameters{};
    /// Where the stack is: its region and account when the environment names them
    /// (`regions`, `accounts`), else "" (the one-region form). An environment's current
    /// state is the latest succeeded deployment of each (stack, region, account).
    std::string region{};
    std::string account{};
    /// What part of the environment its run deployed: "" all of it, else the --wave /
    /// --region limit ("wave 1", "region eu-west-1"). The deployments of one run (one
    /// run_id) make one environment deployment.
    std::string scope{};
    std::string note{};  // why: a rollback's --reason; "request #7 ..." for a gated promotion
};

/// The (stack, region, account) a deployment is of: one stack of an environment in one place.
[[nodiscard]] inline std::string stack_key(const DeploymentRecord& d) {
    return d.stack + "#" + d.region + "#" + d.account;
}

/// A deployment's parameters as stored: a JSON object, keys sorted ("" for none); and back
/// (an empty map for text that is not such an object).
std::string parameters_json(const std::map<std::string, std::string>& parameters);
std::map<std::string, std::string> parse_parameters_json(std::string_view text);

/// One component's image in one deployment, for per-component history.
struct ComponentDeployment {
    std::int64_t deployment_id = 0;
    std::string env;
    std::string status;
    std::int64_t build_number = 0;
    std::string image_uri;
    bool changed = false;
    std::string commit;  // the commit the component's image is current for (DeploymentImage)
    std::optional<Millis> finished_at;
    std::string kind = "deploy";
    std::string actor{};
    Millis started_at = 0;
    std::string run_id{};  // the run that made the deployment
    std::string note{};    // why it was made (DeploymentRecord::note)
};

/// One page of a listing, newest first: `next` is the cursor of the following page (empty
/// on the last page).
template <typename T>
struct Page {
    std::vector<T> items;
    std::string next;
};

/// The number a page cursor holds ("42"; of "1700000000000.run-1" pass the part before the
/// dot): 0, meaning the first page, for an empty or malformed one. Both backends use the
/// same cursors: a build's row, a deployment's id, a run's "<started_at>.<id>".
std::int64_t cursor_number(std::string_view cursor);

/// The page of `items` (read with one more than `limit`, to know whether more follow): the
/// first `limit`, and the cursor of the last of them when more follow.
template <typename T, typename F>
Page<T> paged(std::vector<T> items, std::size_t limit, F&& cursor_of) {
    Page<T> page;
    if (items.size() > limit) {
        items.resize(limit);
        if (limit > 0) page.next = cursor_of(items.back());
    }
    page.items = std::move(items);
    return page;
}

/// A webhook or queue message, stored before anything is done with it: (source, id) is
/// unique, so a redelivered event is recognised.
struct DeliveryRecord {
    std::string source;  // "github", "sqs"
    std::string id;      // X-GitHub-Delivery, the event's id
    Millis received_at = 0;
    std::string event;        // "push", "ping", "codecommit"
    std::string ref;          // "refs/heads/dev"
    std::string head;         // the commit it names
    std::string actor;        // who pushed
    std::string result;       // "queued", "ignored", "dropped", "duplicate"
    std::string reason;       // why it was ignored or dropped
    std::int64_t job_id = 0;  // the job it became (0: none)
};

/// A job of the service's queue: run the pipeline for `env` at `head`. Per environment at
/// most one job runs and one waits; a newer head replaces the waiting one.
enum class JobStatus { pending, running, succeeded, failed, superseded, dropped, interrupted };

std::string_view to_string(JobStatus status);
JobStatus parse_job_status(std::string_view text);

struct JobRecord {
    std::int64_t id = 0;
    std::string env;
    std::string branch;
    std::string head;
    std::string trigger;  // "github:<delivery>", "sqs:<event>", "reconciler"
    std::string actor;
    JobStatus status = JobStatus::pending;
    Millis created_at = 0;
    std::optional<Millis> started_at;
    std::optional<Millis> finished_at;
    std::string run_id;
    std::string owner;            // the service instance that claimed it
    Millis lease_until = 0;       // its claim expires then unless renewed
    std::string reason;           // superseded by #N, dropped: already pending, ...
    int attempts = 0;             // how often it was claimed (a dead replica's job runs again once)
    std::string kind = "run";     // "run" (the pipeline at head), "promote" (a request) or
                                  // "rollback" (to an earlier deployment)
    std::int64_t request_id = 0;  // promote: the request it ships; rollback: the deployment
    std::string note{};           // rollback: why (the person's reason)
    /// The heads of the waiting jobs it replaced whose order in history was not known when it
    /// was queued (commits not fetched yet): its worker compares them after its fetch, and a
    /// newer one is queued again rather than lost. At most 8.
    std::vector<std::string> replaced{};
};

/// Space-separated heads as stored, and back.
std::string joined_heads(const std::vector<std::string>& heads);
std::vector<std::string> split_heads(std::string_view text);

/// One image a promotion request would ship, with the commit its build was made from.
struct RequestImage {
    std::string component;
    std::int64_t build_number = 0;
    std::string image_uri;
    std::string commit;
    bool changed = false;  // differs from what the target ran when the request was made
};

/// A person's decision on a promotion request: `approve`, `reject`, or `override-freeze`
/// (promote during a freeze window; always with a reason).
struct RequestDecision {
    std::string actor;
    std::string verdict;
    std::string reason;
    Millis at = 0;
};

/// A promotion request's status: `open` while held by its gates; then `deployed`, `failed`
/// (its deploy failed), or `rejected`. Only an open request takes decisions.
namespace request_status {
inline constexpr const char* open = "open";
inline constexpr const char* deployed = "deployed";
inline constexpr const char* failed = "failed";
inline constexpr const char* rejected = "rejected";
}  // namespace request_status

/// A promotion into an environment that its gates held (or checked and let through): exactly
/// what it would ship -- the source environment's deployment then, every image with its
/// build and commit -- and the decisions taken on it.
struct PromotionRequest {
    std::int64_t id = 0;
    std::string env;   // the environment promoted into
    std::string from;  // the environment promoted from
    std::string status = request_status::open;
    std::string requested_by;
    Millis requested_at = 0;
    std::int64_t source_deployment = 0;  // the source's deployment whose images these are
    std::int64_t base_deployment = 0;    // the target's current deployment then (0: none)
    std::string commit;                  // the source deployment's commit
    std::vector<RequestImage> images;
    std::vector<RequestDecision> decisions;
    bool auto_deploy = false;        // `slipway serve` deploys it once its gates pass
    std::string reason;              // why it was asked for (--reason; "" for none)
    std::string outcome{};           // why it ended as it did ("rejected by bob: ...")
    std::int64_t deployment_id = 0;  // the deployment that shipped it
    std::string run_id;
    std::optional<Millis> finished_at;
};

/// The request as one JSON document (what both backends store) and back; nullopt for text
/// that is not one.
std::string request_document(const PromotionRequest& r);
std::optional<PromotionRequest> parse_request_document(std::string_view text);

/// One resource that differs from its template, as DetectStackDrift reported it.
struct DriftedResource {
    std::string logical_id;
    std::string resource_type;
    std::string status;       // MODIFIED, DELETED
    std::string differences;  // "PropertyPath: expected -> actual; ..."
};

/// The last drift check of an environment's stack.
struct DriftRecord {
    std::string env;
    std::string stack;
    Millis checked_at = 0;
    std::string status;  // IN_SYNC, DRIFTED, UNKNOWN (never checked, no stack), FAILED
    std::string reason;  // why a check failed or is unknown
    std::vector<DriftedResource> resources;
};

std::string drift_document(const DriftRecord& d);
std::optional<DriftRecord> parse_drift_document(std::string_view text);

/// A named lease (the per-environment deploy lock): held by `owner` until `expires_at`.
struct LockInfo {
    std::string name;
    std::string owner;
    Millis acquired_at = 0;
    Millis expires_at = 0;
};

}  // namespace versioning
