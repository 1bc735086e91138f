#pragma once
// The build plan: the selected components that have a build step, with the dependencies
// between them, and the single-threaded ready queue the Builder draws from. It knows no
// processes and no store (ninja's Plan; the Builder is ninja's Builder).
//
// A build waits for every planned build it depends on, also through dependencies that
// are not built themselves (a library without a build step passes its dependencies on).
// Among ready builds the one heading the longest chain of work still to do starts first
// (critical-path scheduling), ties by name. Work is measured in expected durations when the
// caller knows them (`weigh`: each component's last build, as ninja uses its log), and in
// builds when it does not.
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
};

enum class PlanState { pending, running, succeeded, failed, skipped };

class BuildPlan {
  public:
    /// The builds of `selected` (names of affected components) that have a build step, in
    /// dependency order (dependencies first, ties by name).
    static BuildPlan make(const Manifest& manifest, const ComponentGraph& graph,
                          const std::vector<std::string>& selected);

    [[nodiscard]] std::size_t size() const { return m_builds.size(); }
    [[nodiscard]] const PlannedBuild& at(std::size_t i) const { return m_builds[i]; }
    [[nodiscard]] PlanState state(std::size_t i) const { return m_state[i]; }

    /// Weighs each build with its expected duration in ms (by component); builds without one
    /// count as the median of the known ones. With none known every build weighs 1.
    void weigh(const std::map<std::string, std::int64_t>& expected_ms);

    /// The next build whose dependencies all succeeded, now marked running; nullopt if none.
    std::optional<std::size_t> next_ready();
    /// Every build next_ready could hand out now, in the order it would (nothing is marked).
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
    // Orders ready builds: the longer chain first (hence negated), then the smaller name.
    using ReadyKey = std::tuple<std::int64_t, std::size_t, std::size_t>;  // -chain, rank, index
    [[nodiscard]] ReadyKey key_of(std::size_t i) const;
    void refresh_ready();

    std::vector<PlannedBuild> m_builds;
    std::vector<PlanState> m_state;
    std::vector<std::size_t> m_waiting;    // unfinished dependencies per build
    std::vector<std::size_t> m_name_rank;  // place of each build's name in name order
    std::set<ReadyKey> m_ready;            // pending builds with nothing to wait for
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
