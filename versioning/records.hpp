#pragma once
// The records of the version store, as plain values. Times are milliseconds since the Unix
// epoch (UTC); the caller passes them in.
#include <cstdint>
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

struct DeploymentImage {
    std::string component;
    std::int64_t build_number = 0;
    std::string image_uri;
    bool changed = false;
    std::string parameter{};  // the stack parameter that carries the image
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
};

/// One component's image in one deployment, for per-component history.
struct ComponentDeployment {
    std::int64_t deployment_id = 0;
    std::string env;
    std::string status;
    std::int64_t build_number = 0;
    std::string image_uri;
    bool changed = false;
    std::string commit;
    std::optional<Millis> finished_at;
    std::string kind = "deploy";
    std::string actor{};
    Millis started_at = 0;
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
    std::string owner;       // the service instance that claimed it
    Millis lease_until = 0;  // its claim expires then unless renewed
    std::string reason;      // superseded by #N, dropped: already pending, ...
    int attempts = 0;        // how often it was claimed (a dead replica's job runs again once)
};

/// A named lease (the per-environment deploy lock): held by `owner` until `expires_at`.
struct LockInfo {
    std::string name;
    std::string owner;
    Millis acquired_at = 0;
    Millis expires_at = 0;
};

}  // namespace versioning
