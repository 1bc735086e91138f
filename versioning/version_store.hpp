#pragma once
// The version store: build numbers, builds, diffs, runs and deployments. Two backends
// implement it (SQLite, the embedded default; DynamoDB, for teams with many runners); the
// rest of slipway sees only this interface. Every method that writes several rows does so
// atomically; numbers are never handed out twice or reused.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "versioning/records.hpp"

namespace versioning {

/// Whether commit `head` is older in history than commit `than` (a strict ancestor of it):
/// false when it is not, and when that is not known here (a commit not fetched yet).
using OlderThan = std::function<bool(const std::string& head, const std::string& than)>;

/// The heads a new job replaces, as enqueue_job records them (JobRecord::replaced): the
/// waiting job's head unless `older` knows it older than `head`, then the heads it had
/// replaced that are not known older or equal; at most 8.
std::vector<std::string> replaced_heads(const JobRecord& waiting, const std::string& head,
                                        const OlderThan& older);

/// What enqueue_job stores for `job` given the environment's open jobs (`running`, `waiting`:
/// nullptr when there is none): dropped when its head is already running or waiting there,
/// or older in history than either; else waiting, with the heads it replaces.
JobRecord queued_job(const JobRecord& job, const JobRecord* running, const JobRecord* waiting,
                     const OlderThan& older);

/// Why `waiting` is superseded by `by`: a newer head, or a later push whose order is checked
/// after the worker's fetch.
std::string superseded_reason(const JobRecord& by, const JobRecord& waiting);

class VersionStore {
  public:
    virtual ~VersionStore() = default;

    /// Records a new run (status running) and returns its id as given.
    virtual common::Result<void> begin_run(const RunRecord& run) = 0;
    /// Ends a run with its status and `report` (JSON text; empty when there is none).
    virtual common::Result<void> finish_run(const std::string& run_id, RunStatus status, Millis at,
                                            const std::string& report) = 0;
    /// The runs of one environment (`env` empty: every run), newest first.
    virtual common::Result<std::vector<RunRecord>> runs(const std::string& env,
                                                        std::size_t limit) = 0;

    /// Runs `writes` -- calls on this store -- as one unit where the backend can: SQLite makes
    /// them one transaction (all or nothing, one commit). DynamoDB makes the deliveries' and
    /// the queue's writes (record_delivery, set_delivery_result, enqueue_job) one
    /// TransactWriteItems sent at the end, all or nothing, and runs `writes` again after a
    /// conflict (so such a batch must be able to start over); its other writes land one by
    /// one, each atomic. A builder writes a build's end and its successors' reservations
    /// this way; the service a delivery, the jobs it queues and its result.
    virtual common::Result<void> batch(const std::function<common::Result<void>()>& writes) {
        return writes();
    }

    /// True when batch() makes its writes one commit, so grouping writes saves work.
    [[nodiscard]] virtual bool batches_writes() const { return false; }

    /// Reserves the next build number of `start.component` (1, 2, ...) and records the build
    /// as queued, atomically; `image_uri` renders the image URI for the number.
    virtual common::Result<BuildRecord> reserve_build(
        const BuildStart& start, const std::function<std::string(std::int64_t)>& image_uri) = 0;
    /// Records that a queued build started (status running) at `at`, and where it runs.
    virtual common::Result<void> start_build(const std::string& component,
                                             std::int64_t build_number, Millis at,
                                             const BuildHandle& where) = 0;
    /// Records how a queued or running build ended (and when it started, if `end` says).
    virtual common::Result<void> finish_build(const std::string& component,
                                              std::int64_t build_number, const BuildEnd& end) = 0;

    /// Records a build that takes no new number: reused (carrying the reused build's number
    /// and image), skipped or cancelled before it started (number 0).
    virtual common::Result<void> record_build(const BuildRecord& build) = 0;

    /// The latest succeeded shareable build of the component with this input hash, if any.
    virtual common::Result<std::optional<BuildRecord>> find_reusable(
        const std::string& component, const std::string& input_hash) = 0;

    /// The number the next reservation of the component would get (nothing is reserved).
    virtual common::Result<std::int64_t> peek_next_number(const std::string& component) = 0;

    /// Builds of one component, newest first.
    virtual common::Result<std::vector<BuildRecord>> builds_of(const std::string& component,
                                                               std::size_t limit) = 0;
    /// The latest build of every component, by name.
    virtual common::Result<std::vector<BuildRecord>> latest_builds() = 0;
    /// How long the latest build of each component took, for those whose latest build
    /// succeeded (the scheduler's weights): by default read from latest_builds().
    virtual common::Result<std::vector<std::pair<std::string, Millis>>> latest_durations();
    /// Every component the store has seen, sorted.
    virtual common::Result<std::vector<std::string>> known_components() = 0;

    /// Records which components a commit changed (replacing earlier records of the pair).
    virtual common::Result<void> record_diffs(const std::vector<DiffRecord>& diffs) = 0;
    virtual common::Result<std::vector<DiffRecord>> diffs_of(const std::string& commit) = 0;

    /// Records a deployment attempt with its images and returns its id. A `pending` one is
    /// the intent written before its change set executes; finish_deployment ends it.
    virtual common::Result<std::int64_t> record_deployment(const DeploymentRecord& deployment) = 0;
    /// Ends the pending deployment `id` as `status` (succeeded, failed or superseded) at `at`,
    /// atomically; false when it was not pending any more (another process ended it).
    virtual common::Result<bool> finish_deployment(std::int64_t id, const std::string& status,
                                                   Millis at, const std::string& reason) = 0;
    /// The pending deployments of one environment (`env` empty: all), oldest first, images
    /// included.
    virtual common::Result<std::vector<DeploymentRecord>> pending_deployments(
        const std::string& env) = 0;
    /// One component's deployments, newest first; `env` empty for every environment.
    virtual common::Result<std::vector<ComponentDeployment>> deployments_of(
        const std::string& component, const std::string& env, std::size_t limit) = 0;
    /// The latest succeeded deployment of each (environment, stack, region, account) (`env`
    /// empty: every environment), images included; an environment of one stack has one.
    virtual common::Result<std::vector<DeploymentRecord>> current_deployments(
        const std::string& env) = 0;

    /// One deployment by id, images included; nullopt when there is none.
    virtual common::Result<std::optional<DeploymentRecord>> deployment(std::int64_t id) = 0;
    /// The deployments of one environment (every attempt), newest first, images included.
    virtual common::Result<std::vector<DeploymentRecord>> deployments_in(const std::string& env,
                                                                         std::size_t limit) = 0;

    /// Takes the lease `name` for `owner` until `now + ttl` when it is free, expired or
    /// already `owner`'s (which renews it), atomically. Returns the holder after the call:
    /// the caller holds the lease exactly when the returned owner is `owner`.
    virtual common::Result<LockInfo> acquire_lock(const std::string& name, const std::string& owner,
                                                  Millis now, Millis ttl) = 0;
    /// Gives the lease up if `owner` still holds it (otherwise does nothing).
    virtual common::Result<void> release_lock(const std::string& name,
                                              const std::string& owner) = 0;

    // --- paging, for the service's API -------------------------------------------------
    /// One component's builds older than the cursor `before` (empty: the newest), newest
    /// first, at most `limit`.
    virtual common::Result<Page<BuildRecord>> build_page(const std::string& component,
                                                         const std::string& before,
                                                         std::size_t limit) = 0;
    /// One component's deployments (`env` empty: every environment), as build_page pages.
    virtual common::Result<Page<ComponentDeployment>> deployment_page(const std::string& component,
                                                                      const std::string& env,
                                                                      const std::string& before,
                                                                      std::size_t limit) = 0;
    /// Runs (`env` empty: every run), newest first, as build_page pages.
    virtual common::Result<Page<RunRecord>> run_page(const std::string& env,
                                                     const std::string& before,
                                                     std::size_t limit) = 0;
    /// One run by id (with its report); nullopt when there is none.
    virtual common::Result<std::optional<RunRecord>> run(const std::string& id) = 0;
    /// Every build a run recorded, by component.
    virtual common::Result<std::vector<BuildRecord>> builds_of_run(const std::string& run_id) = 0;

    // --- the service's deliveries and queue (docs/store.md) --------------------------
    /// Stores a delivery once: false, writing nothing, when (source, id) is stored already.
    virtual common::Result<bool> record_delivery(const DeliveryRecord& d) = 0;
    /// Records what became of a stored delivery (result, reason, job).
    virtual common::Result<void> set_delivery_result(const std::string& source,
                                                     const std::string& id,
                                                     const std::string& result,
                                                     const std::string& reason,
                                                     std::int64_t job_id) = 0;
    /// The latest deliveries, newest first.
    virtual common::Result<std::vector<DeliveryRecord>> deliveries(std::size_t limit) = 0;

    /// Queues `job` for its environment, atomically and newest-wins -- newest in history: a
    /// job for a head that is already waiting or running there, or older than one of those
    /// (`older`, asked inside the atomic step), is stored `dropped` with the reason;
    /// otherwise it waits (`pending`) and the job that waited before it is `superseded`
    /// (queued_job). Returns the job as stored, with its id.
    virtual common::Result<JobRecord> enqueue_job(const JobRecord& job,
                                                  const OlderThan& older = {}) = 0;
    /// Claims for `owner` until `now + ttl` the oldest waiting job of an environment where no
    /// job runs; nullopt when there is none. Two processes never claim the same job, nor two
    /// jobs of one environment. A running job whose claim expired (its replica died) is
    /// first taken back: it waits again, to be run once more, unless it ran twice already or
    /// a newer job waits for its environment -- then it is `interrupted`. Either way it is
    /// returned in `interrupted` (its run, if it started one, is to be marked interrupted).
    virtual common::Result<std::optional<JobRecord>> claim_job(
        const std::string& owner, Millis now, Millis ttl, std::vector<JobRecord>& interrupted) = 0;
    /// Extends `owner`'s claim of job `id` to `now + ttl`, recording the run it started when
    /// `run_id` is given; false when the job is not theirs any more.
    virtual common::Result<bool> renew_job(std::int64_t id, const std::string& owner, Millis now,
                                           Millis ttl, const std::string& run_id) = 0;
    /// Ends `owner`'s running job `id` as `status` with a reason (and its run, when `run_id`
    /// is given); does nothing when the job is not theirs any more.
    virtual common::Result<void> finish_job(std::int64_t id, const std::string& owner,
                                            JobStatus status, Millis at, const std::string& run_id,
                                            const std::string& reason) = 0;
    /// The jobs of an environment (`env` empty: all), newest first.
    virtual common::Result<std::vector<JobRecord>> jobs(const std::string& env,
                                                        std::size_t limit) = 0;

    // --- promotion requests and drift checks (docs/deploy.md, "Gates") ----------------
    /// Records a new promotion request and returns its id (1, 2, ... across environments).
    virtual common::Result<std::int64_t> record_request(const PromotionRequest& request) = 0;
    /// One request by id; nullopt when there is none.
    virtual common::Result<std::optional<PromotionRequest>> request(std::int64_t id) = 0;
    /// Requests of one environment (`env` empty: all), newest first.
    virtual common::Result<std::vector<PromotionRequest>> requests(const std::string& env,
                                                                   std::size_t limit) = 0;
    /// Adds `decision` to request `id`, atomically, while it is open; false (writing nothing)
    /// when it is not open any more.
    virtual common::Result<bool> decide_request(std::int64_t id,
                                                const RequestDecision& decision) = 0;
    /// Ends open request `id` as `status` at `at` (the deployment and run that shipped it, and
    /// `outcome`: why it ended so, or ""), atomically; false when it was not open any more
    /// (another process ended it). Its `reason` (why it was asked for) stays.
    virtual common::Result<bool> finish_request(std::int64_t id, const std::string& status,
                                                Millis at, std::int64_t deployment_id,
                                                const std::string& run_id,
                                                const std::string& outcome) = 0;
    /// Records the latest drift check of an environment (replacing the one before).
    virtual common::Result<void> record_drift(const DriftRecord& drift) = 0;
    /// The latest drift check of every environment checked, by name.
    virtual common::Result<std::vector<DriftRecord>> drifts() = 0;

    /// Marks run `run_id` interrupted at `now`, with its queued and running builds, if it is
    /// still running (a run of a process on another host that is known to be gone). Its
    /// remote builds stay running, as in recover_interrupted.
    virtual common::Result<void> interrupt_run(const std::string& run_id, Millis now) = 0;

    /// Marks as interrupted the running runs of `host` whose process is gone (`alive` says
    /// whether pid + start time still name a live process), and their queued and running
    /// builds. Each local build that was running is first handed to `orphan`, which stops
    /// what is left of its process group. Builds running remotely (a remote id) stay
    /// running: they go on without us, and the next run awaits or stops them
    /// (orphaned_remote_builds). Returns how many runs it marked.
    virtual common::Result<std::size_t> recover_interrupted(
        const std::string& host, Millis now,
        const std::function<bool(std::int64_t pid, std::int64_t pid_start)>& alive,
        const std::function<void(const BuildRecord&)>& orphan) = 0;

    /// Remote builds still recorded running whose run no longer runs (it was interrupted),
    /// oldest first: a new run awaits the ones it needs and stops the others.
    virtual common::Result<std::vector<BuildRecord>> orphaned_remote_builds() = 0;
};

/// Opens the store a URL names: `sqlite:PATH` (relative to `base_dir`). Fails with
/// ErrorCode::input for an unknown scheme, ErrorCode::external when the store cannot be
/// opened, and refuses a store written by a newer slipway.
common::Result<std::unique_ptr<VersionStore>> open_store(const std::string& url,
                                                         const std::string& base_dir);

/// Opens the store a URL names for reading only: a SQLite file that does not exist gives
/// nullptr (nothing is created), one of an older schema an error (it is not upgraded); a
/// DynamoDB table is opened as by open_store (reads are all that follow).
common::Result<std::unique_ptr<VersionStore>> open_store_read_only(const std::string& url,
                                                                   const std::string& base_dir);

/// Creates the store a URL names if it does not exist (SQLite: the file and its schema;
/// DynamoDB: the table, on-demand billing, waiting until it is active). Returns what it
/// did, for people.
common::Result<std::string> init_store(const std::string& url, const std::string& base_dir);

}  // namespace versioning
