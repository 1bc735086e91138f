#pragma once
// The Builder runs a BuildPlan: it starts ready builds up to `jobs` at once through a
// CommandRunner, gives each its build number and image from the VersionStore, records how
// each one ended, and skips what waits on a failure. One thread; the plan and the store are
// only ever touched from it.
//
// Why an event loop and not a oneTBB flow graph (as the design sketch has it): a build is a
// process, so running one is waiting, not computing. A flow graph would park a TBB thread in
// each running build's wait, put a lock around the plan and the store connection, and leave
// the most-urgent-first order and the -j limit to a limiter node; one thread polling the
// builds' pidfds does the same with no locks, and tests drive it with a fake runner (ninja's
// Plan/Builder; STYLE rules 3 and 4).
//
// Store writes are grouped: a build's number is committed before it starts, the next ready
// builds' numbers with it on a store whose batch is one commit, and starts and ends follow
// within k_write_delay (docs/store.md).
#include <functional>
#include <string>
#include <vector>

#include "components/build_plan.hpp"
#include "components/command_runner.hpp"
#include "versioning/version_store.hpp"

namespace components {

struct BuildSettings {
    std::string run_id;
    std::string commit;  // full hex id of the head commit
    std::string repo_root;
    std::string env;        // for {env} in tags; may be empty
    std::string timestamp;  // for {timestamp}: YYYYmmddTHHMMSS
    std::string log_dir;    // one <component>.log per build goes here
    ImageSettings image;
    std::vector<std::string> base_env;  // the environment every build inherits
    std::size_t jobs = 1;
    bool fail_fast = false;
    bool reuse = true;
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

/// Runs the plan. `input_hashes` holds each planned build's input hash (plan order). Store
/// failures stop the run: running builds are cancelled and the error is returned.
common::Result<BuildReport> run_builds(BuildPlan& plan,
                                       const std::vector<std::string>& input_hashes,
                                       versioning::VersionStore& store, CommandRunner& runner,
                                       BuildObserver& observer, const BuildSettings& settings);

/// The environment of one build: `base` (less any SLIPWAY_* variables) plus slipway's own.
std::vector<std::string> build_environment(const std::vector<std::string>& base,
                                           const BuildSettings& settings,
                                           const BuildOutcome& build);

}  // namespace components
