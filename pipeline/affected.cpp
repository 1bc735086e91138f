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

// The manifest compiled for selection (its graph, built by the loader, and patterns). Docker
// components' ignore files are read where the manifest is: from the head commit when it
// comes from git, else from the work tree at `root`.
using LoadedSelector = std::unique_ptr<components::Selector>;
common::Result<LoadedSelector> load_selector(const diff::Repository* repo,
                                             const AffectedRequest& r, const std::string& root,
                                             std::string& store) {
    components::ComponentGraph graph;
    auto manifest = load_project_manifest(repo, r.manifest, r.diff.head, &graph);
    if (!manifest) return std::unexpected(manifest.error());
    store = manifest->store;
    auto selector = std::make_unique<components::Selector>(*manifest, std::move(graph));
    if (selector->docker().empty()) return selector;
    const bool from_git = manifest_comes_from_git(repo, r.manifest, r.diff.head);
    std::string head;
    if (from_git) {
        auto id = repo->resolve_commit(r.diff.head);
        if (!id) return std::unexpected(id.error());
        head = *id;
    }
    auto read = from_git ? commit_reader(*repo, head) : work_tree_reader(root);
    if (auto ok = selector->load_docker_ignores(read); !ok) return std::unexpected(ok.error());
    return selector;
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
    const std::string root = repo ? repo->root().string() : r.repo;
    AffectedOutcome out;
    std::future<common::Result<LoadedSelector>> pending;
    if (overlap)
        pending = std::async(std::launch::async,
                             [&] { return load_selector(git, r, root, out.manifest_store); });
    auto paths = changed_paths(git, r.diff, r.changed_files, out.changes);
    timer.done("collecting changed paths");
    auto selector = overlap ? pending.get() : load_selector(git, r, root, out.manifest_store);
    if (!selector) return std::unexpected(selector.error());
    if (!paths) return std::unexpected(paths.error());
    timer.done("loading the manifest (after the diff)");
    out.selection = (*selector)->select(*paths);
    out.selector = std::move(*selector);
    timer.done("selecting components");
    return out;
}

}  // namespace pipeline
