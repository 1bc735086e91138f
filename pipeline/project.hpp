#pragma once
// The project a command works on: the git repository (when there is one), the manifest with
// its component graph (built once), the head commit, and where the version store is. Also
// the changed paths a selection starts from.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "components/affected.hpp"
#include "components/graph.hpp"
#include "components/manifest.hpp"
#include "diff/repository.hpp"
#include "diff/tree_diff.hpp"
#include "versioning/version_store.hpp"

namespace pipeline {

struct ProjectRequest {
    std::string repo = ".";  // the repository, or a folder inside it
    std::string manifest;    // --manifest: a file instead of slipway.yml
    std::string head = "HEAD";
    std::string store;      // --store: the store URL (see store_url)
    std::string work_tree;  // where builds run and templates are read (default: the
                            // repository's own work tree); the service checks out there
    std::string state_dir;  // where logs go (default: <root>/.slipway)
};

struct Project {
    std::optional<diff::Repository> repo;  // none outside a git repository
    std::string root;                      // the work tree's root (or the folder given)
    components::Manifest manifest;
    components::ComponentGraph graph;
    std::string head;       // the head's full commit id; empty without a repository
    std::string store_url;  // as store_url() chose it
    std::string state_dir;  // logs under <state_dir>/logs; empty: <root>/.slipway

    /// The environment `name`, or ErrorCode::input listing the manifest's environments.
    [[nodiscard]] common::Result<const components::Environment*> environment(
        const std::string& name) const;
};

/// Opens the repository (if `r.repo` is in one), loads the manifest at `r.head` and builds
/// its graph, resolves the head. Errors: ErrorCode::input (manifest, ref), external (git).
/// With a `work_tree`, the manifest is read from the head commit.
common::Result<Project> open_project(const ProjectRequest& r);

/// The manifest to use: `manifest_flag` when given; else, when `head` is HEAD, slipway.yml
/// at the work tree's root; else (another commit, or a bare repository) slipway.yml in the
/// tree of `head`, so the components are those of the commit being looked at.
/// With `graph`, also the manifest's dependency graph (built once, by the loader's checks).
common::Result<components::Manifest> load_project_manifest(
    const diff::Repository* repo, const std::string& manifest_flag, const std::string& head,
    components::ComponentGraph* graph = nullptr);

/// Whether load_project_manifest reads from the repository's object database (and so must
/// not run beside other work on the same repository handle).
bool manifest_comes_from_git(const diff::Repository* repo, const std::string& manifest_flag,
                             const std::string& head);

/// Reads files of `commit` (for docker contexts' ignore files and Dockerfiles): nullopt when
/// the commit has no such file.
components::ReadTreeFile commit_reader(const diff::Repository& repo, const std::string& commit);

/// Reads files of the work tree under `root`: nullopt when there is no such file.
components::ReadTreeFile work_tree_reader(const std::string& root);

/// The project's selector, with its docker contexts' ignore files read from the head commit.
/// Errors: input (an ignore file Docker refuses), external (git).
common::Result<components::Selector> project_selector(const Project& p);

/// The folder of one run's build logs (created).
std::string log_dir(const Project& p, const std::string& run_id);

/// Changed paths, one per line, from a file or "-" (stdin). Blank lines are skipped, a
/// trailing CR dropped, and git's "quoted" form unquoted.
common::Result<std::vector<std::string>> read_path_list(const std::string& file);

/// The changed paths for selection: from `changed_files` (a path list) when given, else
/// from git (both sides of every rename), the change set then left in `changes`.
common::Result<std::vector<std::string>> changed_paths(const diff::Repository* repo,
                                                       const diff::DiffRequest& request,
                                                       const std::string& changed_files,
                                                       std::optional<diff::ChangeSet>& changes);

/// The store URL: `flag`, else $SLIPWAY_STORE, else the manifest's `store`, else
/// sqlite:.slipway/state.db.
std::string store_url(const std::string& flag, const components::Manifest* manifest);

/// Opens the store (relative paths under `root`). With `must_exist`, a SQLite store that
/// does not exist yet is not created: nullptr is returned instead.
common::Result<std::unique_ptr<versioning::VersionStore>> open_store_at(const std::string& url,
                                                                        const std::string& root,
                                                                        bool must_exist);

/// A project and its store (created when missing), as the commands that build or deploy
/// open them.
struct OpenedProject {
    Project project;
    std::unique_ptr<versioning::VersionStore> store;
};
common::Result<OpenedProject> open_project_with_store(const ProjectRequest& r);

}  // namespace pipeline
