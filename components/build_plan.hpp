#pragma once
// The build plan: the selected components that have a build step, with the dependencies
// between them, where each one runs, and the single-threaded ready queue the executor draws
// from. It knows no processes and no store (ninja's Plan; the executor is ninja's Builder).
//
// A build waits for every planned build it depends on, also through dependencies that
// are not built themselves (a library without a build step passes its dependencies on).
// Which builds may go ahead is the executor's flow graph's to say (set_ready); the plan
// orders them and settles what a failure skips. Among ready builds of one runner the one
// heading the longest chain of work still to do starts first (critical-path scheduling),
// ties by name. Work is measured in expected durations when the caller knows them (`weigh`:
// each component's last build, as ninja uses its log), and in builds when it does not.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "components/graph.hpp"
#include "components/manifest.hpp"

namespace components {

struct PlannedBuild {
    std::string component;
    std::string command;
    std::chrono::seconds timeout{0};
    std::vector<std::size_t> waits_for;   // plan indices
    std::vector<std::size_t> dependents;  // plan indices
    std::int64_t chain = 0;  // the longest chain of work from this build on, itself included
    std::size_t runner = 0;  // where it runs: k_local or k_codebuild
};

/// Where a planned build runs.
constexpr std::size_t k_local = 0;
constexpr std::size_t k_codebuild = 1;
constexpr std::size_t k_runners = 2;

enum class PlanState { pending, running, succeeded, failed, skipped };

class BuildPlan {
  public:
    /// The builds of `selected` (names of affected components) that have a build step, in
    /// dependency order (dependencies first, ties by name). Each runs where its component
    /// says (`remote`), or on CodeBuild when `all_remote`.
    static BuildPlan make(const Manifest& manifest, const ComponentGraph& graph,
                          const std::vector<std::string>& selected, bool all_remote = false);

    [[nodiscard]] std::size_t size() const { return m_builds.size(); }
    [[nodiscard]] const PlannedBuild& at(std::size_t i) const { return m_builds[i]; }
    [[nodiscard]] PlanState state(std::size_t i) const { return m_state[i]; }

    /// Weighs each build with its expected duration in ms (by component); builds without one
    /// count as the median of the known ones. With none known every build weighs 1.
    void weigh(const std::map<std::string, std::int64_t>& expected_ms);

    /// A pending build whose dependencies all ended may go ahead (the graph says when).
    void set_ready(std::size_t i);
    /// The most urgent ready build of `runner`, now marked running; nullopt if none.
    std::optional<std::size_t> next_ready(std::size_t runner);
    /// Every ready build, in the order next_ready would hand each runner's out (nothing is
    /// marked).
    [[nodiscard]] std::vector<std::size_t> ready() const;
    [[nodiscard]] std::size_t ready_count() const { return m_ready.size(); }
    /// Records a running build's end. A failure skips every pending build that waits for it
    /// (transitively); those are returned.
    std::vector<std::size_t> mark_done(std::size_t i, bool succeeded);
    /// Skips every build still pending (fail-fast, cancellation) and returns them.
    std::vector<std::size_t> skip_pending();
    /// True when no build is pending or running.
    [[nodiscard]] bool finished() const;

  private:
    // Orders ready builds by runner, then the longer chain first (hence negated), then the
    // smaller name.
    using ReadyKey = std::tuple<std::size_t, std::int64_t, std::size_t, std::size_t>;
    [[nodiscard]] ReadyKey key_of(std::size_t i) const;

    std::vector<PlannedBuild> m_builds;
    std::vector<PlanState> m_state;
    std::vector<bool> m_is_ready;
    std::vector<std::size_t> m_name_rank;  // place of each build's name in name order
    std::set<ReadyKey> m_ready;            // pending builds with nothing left to wait for
};

/// Values for an image tag template.
struct TagValues {
    std::string component;
    std::int64_t build = 0;
    std::string commit;
    std::string env;
    std::string timestamp;  // YYYYmmddTHHMMSS, UTC
};

/// `repository:tag` with the template's placeholders filled in. {short_commit} is the
/// first 12 hex digits. Fails (ErrorCode::input) for {env} when no environment is given.
common::Result<std::string> render_image_uri(const ImageSettings& image, const TagValues& values);

}  // namespace components
