// Tree-to-tree diffs with libgit2, configured to answer exactly as `git diff` does with
// git's default settings: renames on (diff.renames, 50% similarity scored by git's own
// metric, diff.renameLimit 1000), type changes reported as T, and paths in bytewise order.
#include "diff/tree_diff.hpp"

#include <algorithm>
#include <optional>

#include "diff/git_handles.hpp"
#include "diff/similarity.hpp"
#include "diff/tree_walk.hpp"

namespace diff {

using namespace detail;
using common::ErrorCode;
using common::fail;

namespace {

constexpr int k_default_rename_limit = 1000;  // git's default for diff.renameLimit

struct RenameConfig {
    bool renames = true;
    bool copies = false;
    int limit = k_default_rename_limit;
};

RenameConfig read_rename_config(git_repository* repo) {
    RenameConfig out;
    git_config* raw = nullptr;
    if (git_repository_config_snapshot(&raw, repo) != 0) return out;
    ConfigHandle config(raw);
    const char* value = nullptr;
    if (git_config_get_string(&value, config.get(), "diff.renames") == 0) {
        std::string v = value;
        std::transform(v.begin(), v.end(), v.begin(), ::tolower);
        out.copies = v == "copies" || v == "copy";
        out.renames = out.copies || !(v == "false" || v == "no" || v == "off" || v == "0");
    }
    int32_t limit = 0;
    if (git_config_get_int32(&limit, config.get(), "diff.renameLimit") == 0 && limit > 0) {
        out.limit = limit;
    }
    git_error_clear();
    return out;
}

std::optional<Status> to_status(git_delta_t status) {
    switch (status) {
        case GIT_DELTA_ADDED:
        case GIT_DELTA_UNTRACKED:
            return Status::added;
        case GIT_DELTA_DELETED:
            return Status::deleted;
        case GIT_DELTA_MODIFIED:
        case GIT_DELTA_CONFLICTED:
            return Status::modified;
        case GIT_DELTA_RENAMED:
            return Status::renamed;
        case GIT_DELTA_COPIED:
            return Status::copied;
        case GIT_DELTA_TYPECHANGE:
            return Status::type_changed;
        default:
            return std::nullopt;
    }
}

// Collects libgit2's deltas as changes.
std::vector<Change> collect_changes(git_diff* diff) {
    std::vector<Change> out;
    const size_t count = git_diff_num_deltas(diff);
    out.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        const git_diff_delta* d = git_diff_get_delta(diff, i);
        auto status = to_status(d->status);
        if (!status) continue;
        Change c{*status, d->new_file.path, "", 0};
        if (*status == Status::deleted) c.path = d->old_file.path;
        if (*status == Status::renamed || *status == Status::copied) {
            c.old_path = d->old_file.path;
            c.similarity = static_cast<int>(d->similarity);
        }
        out.push_back(std::move(c));
    }
    // git lists changes in path order; a rename stands where its new path does.
    std::stable_sort(out.begin(), out.end(),
                     [](const Change& a, const Change& b) { return a.path < b.path; });
    return out;
}

common::Result<DiffHandle> diff_trees(const Repository& repo, git_tree* old_tree,
                                      git_tree* new_tree, bool include_uncommitted) {
    git_diff_options options = GIT_DIFF_OPTIONS_INIT;
    options.flags = GIT_DIFF_INCLUDE_TYPECHANGE | GIT_DIFF_SKIP_BINARY_CHECK;
    git_diff* raw = nullptr;
    int rc = 0;
    if (include_uncommitted) {
        options.flags |= GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS;
        rc = git_diff_tree_to_workdir_with_index(&raw, repo.handle(), old_tree, &options);
    } else {
        rc = git_diff_tree_to_tree(&raw, repo.handle(), old_tree, new_tree, &options);
    }
    if (rc != 0) return git_failure("computing the diff");
    return DiffHandle(raw);
}

common::Result<void> find_renames(git_repository* repo, git_diff* diff) {
    RenameConfig config = read_rename_config(repo);
    if (!config.renames) return {};
    git_diff_find_options find = GIT_DIFF_FIND_OPTIONS_INIT;
    find.flags = GIT_DIFF_FIND_RENAMES | GIT_DIFF_FIND_FOR_UNTRACKED;
    if (config.copies) find.flags |= GIT_DIFF_FIND_COPIES;
    find.rename_threshold = 50;
    find.copy_threshold = 50;
    find.rename_limit = static_cast<size_t>(config.limit);
    find.metric = git_compatible_metric();
    if (git_diff_find_similar(diff, &find) != 0) return git_failure("detecting renames");
    return {};
}

}  // namespace

std::vector<std::string> touched_paths(const ChangeSet& changes) {
    std::vector<std::string> paths;
    paths.reserve(changes.changes.size());
    for (const auto& c : changes.changes) {
        paths.push_back(c.path);
        if (!c.old_path.empty()) paths.push_back(c.old_path);
    }
    std::sort(paths.begin(), paths.end());
    paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
    return paths;
}

common::Result<ChangeSet> compute_changes(const Repository& repo, const DiffRequest& request) {
    ChangeSet out{request.base, request.head, "", "", "", request.include_uncommitted, {}};
    if (request.include_uncommitted && repo.is_bare()) {
        return fail(ErrorCode::usage,
                    "--include-uncommitted needs a work tree; this repository is bare");
    }
    if (request.include_uncommitted && request.head != "HEAD") {
        return fail(ErrorCode::usage,
                    "--include-uncommitted compares with the work tree: it cannot be combined with "
                    "--head " +
                        request.head);
    }
    auto base_id = repo.resolve_commit(request.base);
    if (!base_id) return std::unexpected(base_id.error());
    auto head_id = repo.resolve_commit(request.head);
    if (!head_id) return std::unexpected(head_id.error());
    out.base_id = *base_id;
    out.head_id = *head_id;

    std::string from = out.base_id;
    if (!request.two_dot) {
        auto mb = repo.merge_base(request.base, out.base_id, request.head, out.head_id);
        if (!mb) return std::unexpected(mb.error());
        out.merge_base = from = *mb;
    }
    auto old_tree = commit_tree(repo.handle(), from);
    if (!old_tree) return std::unexpected(old_tree.error());
    auto new_tree = commit_tree(repo.handle(), out.head_id);
    if (!new_tree) return std::unexpected(new_tree.error());

    if (!request.detect_renames && !request.include_uncommitted) {
        // Selection's path: git's subtree-skipping walk, much faster than libgit2's diff.
        auto changes = walk_tree_diff(repo.handle(), *git_tree_id(old_tree->get()),
                                      *git_tree_id(new_tree->get()));
        if (!changes) return std::unexpected(changes.error());
        out.changes = std::move(*changes);
        return out;
    }
    auto diff = diff_trees(repo, old_tree->get(), new_tree->get(), request.include_uncommitted);
    if (!diff) return std::unexpected(diff.error());
    if (request.detect_renames) {
        if (auto ok = find_renames(repo.handle(), diff->get()); !ok) {
            return std::unexpected(ok.error());
        }
    }
    out.changes = collect_changes(diff->get());
    return out;
}

}  // namespace diff
