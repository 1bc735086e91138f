#pragma once
// The executor runs a BuildPlan: the plan's flow graph (build_graph.hpp) decides which build
// may start and when -- after its dependencies, within its runner's slots, most urgent first,
// skipped after a failure or once the run stops -- and hands each build over. The executor
// does what it is handed: gives the build its number and image from the VersionStore (or an
// earlier build to reuse), starts it on its runner (local processes, CodeBuild), records how
// it ended, and tells the graph, which moves on. It keeps no dependency count of its own.
//
// Threads: TBB threads run only the graph's node bodies, which queue a handoff for the
// executor and return (no TBB thread waits on a process or the network, none touches the
// store). The executor is one thread -- the caller's -- polling the runners' descriptors,
// the graph's handoffs and the interrupt pipe; the store is only ever touched from it. A
// running build costs no thread: a process is a pidfd in that poll, a remote build an id in
// the CodeBuild runner's poll loop (ninja's Plan/Builder; STYLE rules 3, 4).
//
// Store writes are grouped: a build's number is committed before it starts, the numbers of
// the builds queued behind it with it on a store whose batch is one commit, and starts and
// ends follow within k_write_delay (docs/store.md). A remote build's id is written the
// moment it is known, so a later run finds it even if this one is killed right after.
#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "components/build_plan.hpp"
#include "components/build_runner.hpp"
#include "versioning/version_store.hpp"

namespace components {

/// An earlier succeeded build a planned build reuses (same component, same input hash), and
/// where it was built ("ci-runner-3", "codebuild:project:uuid"; empty when unknown).
struct Reusable {
    versioning::BuildRecord build;
    std::string built_by;
    bool image_checked = false;  // its image was found in ECR just now (else taken on trust)
};

struct BuildSettings {
    std::string run_id;
    std::string commit;  // full hex id of the head commit
    std::string repo_root;
    std::string env;        // for {env} in tags; may be empty
    std::string timestamp;  // for {timestamp}: YYYYmmddTHHMMSS
    std::string log_dir;    // one <component>.log per build goes here
    ImageSettings image;
    std::vector<std::string> base_env;  // the environment every build inherits
    std::size_t jobs = 1;               // local builds at once
    std::size_t remote_jobs = 1;        // remote builds at once
    bool fail_fast = false;
    bool reuse = true;
    bool shareable = true;  // its successes may be reused by other runs (pipeline/reuse.hpp)
    int interrupt_fd = -1;  // one byte readable here is an interrupt (Ctrl-C); -1: none
    /// What each build reuses instead of running, by plan index (see find_reusable_builds);
    /// used only with `reuse`.
    std::vector<std::optional<Reusable>> reusable;
    /// Remote builds of interrupted runs to await instead of building again, by plan index
    /// (see adoptable_builds).
    std::vector<std::optional<versioning::BuildRecord>> adopt;
    std::function<versioning::Millis()> now;
};

struct BuildOutcome {
    std::string component;
    versioning::BuildStatus status = versioning::BuildStatus::skipped;
    std::int64_t build_number = 0;
    std::string image_uri;
    std::optional<int> exit_code;
    versioning::Millis started_at = 0;
    versioning::Millis finished_at = 0;
    std::string log_path;
    std::string input_hash;
    versioning::BuildHandle handle{};  // where it ran
    std::string image_digest{};        // when the build reported it
    bool adopted = false;              // an interrupted run's remote build, awaited here
    std::string reused_from{};         // reused: where the reused build was built
};

/// Receives the output of running builds, line by line, and a periodic tick.
class OutputSink {
  public:
    virtual ~OutputSink() = default;
    virtual void line(std::size_t job, std::string_view text) = 0;
    /// Whether line() wants the builds' output; false lets local builds write straight into
    /// their log files (line() is then seldom or never called).
    [[nodiscard]] virtual bool wants_lines() const { return true; }
    /// How often tick() wants to run while builds run; zero for never.
    [[nodiscard]] virtual std::chrono::milliseconds tick_interval() const { return {}; }
    virtual void tick() {}
    /// Called each time the executor is about to wait, and once the builds are over: a sink
    /// may hold what it was told until then and write it at once.
    virtual void flush() {}
};

/// Told about every step, for progress display.
class BuildObserver : public OutputSink {
  public:
    /// Before anything starts: how many builds the run has (each ends with finished()).
    virtual void planned(std::size_t builds) { (void)builds; }
    virtual void started(std::size_t job, const BuildOutcome& build) = 0;
    virtual void finished(std::size_t job, const BuildOutcome& build) = 0;
};

struct BuildReport {
    std::vector<BuildOutcome> builds;  // plan order
    bool interrupted = false;
    [[nodiscard]] bool all_succeeded() const;
};

/// The runner for each kind of build (PlannedBuild::runner); nullptr where the plan has none.
using Runners = std::array<BuildRunner*, k_runners>;

/// Runs the plan. `input_hashes` holds each planned build's input hash (plan order). Store
/// or runner failures stop the run: running builds are cancelled, what can be recorded is,
/// and the error is returned.
common::Result<BuildReport> run_builds(BuildPlan& plan,
                                       const std::vector<std::string>& input_hashes,
                                       versioning::VersionStore& store, const Runners& runners,
                                       BuildObserver& observer, const BuildSettings& settings);

/// What every build of a run inherits: `settings.base_env` less any SLIPWAY_* variables,
/// and slipway's variables that are the same for every build of the run.
std::shared_ptr<const std::vector<std::string>> shared_environment(const BuildSettings& settings);

/// The environment of one build: `shared` (from shared_environment) plus the build's own
/// SLIPWAY_* variables.
BuildEnv build_environment(std::shared_ptr<const std::vector<std::string>> shared,
                           const BuildOutcome& build);

/// For each planned build, the latest succeeded build of its component with the same input
/// hash in `store` (what reuse takes), with the host or CI build that built it.
common::Result<std::vector<std::optional<Reusable>>> find_reusable_builds(
    const BuildPlan& plan, const std::vector<std::string>& input_hashes,
    versioning::VersionStore& store);

/// Which remote builds of interrupted runs (`orphans`) this plan awaits: a remote build of
/// the same component with the same input hash (when reuse is on), by plan index. The rest
/// go to `unwanted`: nobody will await them, so they are to be stopped.
std::vector<std::optional<versioning::BuildRecord>> adoptable_builds(
    const BuildPlan& plan, const std::vector<std::string>& input_hashes,
    const std::vector<versioning::BuildRecord>& orphans, bool reuse,
    std::vector<versioning::BuildRecord>& unwanted);

}  // namespace components
