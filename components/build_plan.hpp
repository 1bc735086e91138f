#pragma once
// The build plan: the selected components that have a build step, with the dependencies
// between them, where each one runs and how urgent it is. A value: it knows no processes, no
// store and no state of a run (ninja's Plan); the flow graph (build_graph.hpp) executes it.
//
// A build waits for every planned build it depends on, also through dependencies that
// are not built themselves (a library without a build step passes its dependencies on).
// Among ready builds of one runner the one heading the longest chain of work still to do
// starts first (critical-path scheduling), ties by name. Work is measured in expected
// durations when the caller knows them (`weigh`: each component's last build, as ninja uses
// its log), and in builds when it does not.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
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
    std::int64_t chain = 0;     // the longest chain of work from this build on, itself included
    std::size_t runner = 0;     // where it runs: k_local or k_codebuild
    std::size_t name_rank = 0;  // its name's place in name order (ties between equal chains)
};

/// Where a planned build runs.
constexpr std::size_t k_local = 0;
constexpr std::size_t k_codebuild = 1;
constexpr std::size_t k_runners = 2;

class BuildPlan {
  public:
    /// The builds of `selected` (names of affected components) that have a build step, in
    /// dependency order (dependencies first, ties by name). Each runs where its component
    /// says (`remote`), or on CodeBuild when `all_remote`.
    static BuildPlan make(const Manifest& manifest, const ComponentGraph& graph,
                          const std::vector<std::string>& selected, bool all_remote = false);

    [[nodiscard]] std::size_t size() const { return m_builds.size(); }
    [[nodiscard]] const PlannedBuild& at(std::size_t i) const { return m_builds[i]; }

    /// Weighs each build with its expected duration in ms (by component); builds without one
    /// count as the median of the known ones. With none known every build weighs 1.
    void weigh(const std::map<std::string, std::int64_t>& expected_ms);

  private:
    std::vector<PlannedBuild> m_builds;
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
