// See affected.hpp. Each phase's time is logged at debug level (`slipway -v`).
#include "pipeline/affected.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <future>

#include "pipeline/project.hpp"

namespace pipeline {
namespace {

class PhaseTimer {
  public:
    void done(const char* phase) {
        auto now = std::chrono::steady_clock::now();
        spdlog::debug("{}: {:.1f} ms", phase,
                      std::chrono::duration<double, std::milli>(now - m_last).count());
        m_last = now;
    }

  private:
    std::chrono::steady_clock::time_point m_last = std::chrono::steady_clock::now();
};

// The manifest compiled for selection (its graph, built by the loader, and patterns).
using LoadedSelector = std::unique_ptr<components::Selector>;
common::Result<LoadedSelector> load_selector(const diff::Repository* repo,
                                             const AffectedRequest& r) {
    components::ComponentGraph graph;
    auto manifest = load_project_manifest(repo, r.manifest, r.diff.head, &graph);
    if (!manifest) return std::unexpected(manifest.error());
    return std::make_unique<components::Selector>(*manifest, std::move(graph));
}

}  // namespace

common::Result<AffectedOutcome> select_affected(const AffectedRequest& r) {
    const bool from_git = r.changed_files.empty();
    if (from_git && r.diff.base.empty())
        return common::fail(common::ErrorCode::usage,
                            "affected: give --base REF or --changed-files FILE");
    PhaseTimer timer;
    std::optional<diff::Repository> repo;
    if (auto opened = diff::Repository::open(r.repo)) {
        repo = std::move(*opened);
    } else if (from_git || r.manifest.empty()) {
        return std::unexpected(opened.error());
    }
    const diff::Repository* git = repo ? &*repo : nullptr;
    const bool overlap = !manifest_comes_from_git(git, r.manifest, r.diff.head);
    std::future<common::Result<LoadedSelector>> pending;
    if (overlap) pending = std::async(std::launch::async, [&] { return load_selector(git, r); });
    AffectedOutcome out;
    auto paths = changed_paths(git, r.diff, r.changed_files, out.changes);
    timer.done("collecting changed paths");
    auto selector = overlap ? pending.get() : load_selector(git, r);
    if (!selector) return std::unexpected(selector.error());
    if (!paths) return std::unexpected(paths.error());
    timer.done("loading the manifest (after the diff)");
    out.selection = (*selector)->select(*paths);
    out.selector = std::move(*selector);
    timer.done("selecting components");
    return out;
}

}  // namespace pipeline
