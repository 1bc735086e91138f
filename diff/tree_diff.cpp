// The diff stage: the changes between two commits (or a commit and the work tree) as
// `git diff` reports them with git's default settings: renames on (diff.renames, 50%
// similarity by git's own score, diff.renameLimit 1000, paired in git's order by
// renames.cpp), type changes reported as T, and paths in bytewise order. Commit to commit,
// the trees are walked by tree_walk.cpp; the work tree is compared by libgit2.
#include "diff/tree_diff.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "diff/content_readers.hpp"
#include "diff/git_handles.hpp"
#include "diff/renames.hpp"
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
    int32_t limit = 0;  // 0 or less: no limit, as in git
    if (git_config_get_int32(&limit, config.get(), "diff.renameLimit") == 0) out.limit = limit;
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

// The new side of a work-tree delta: a stored blob when the object database has it, else
// the file on disk (hashed here when libgit2 has not, for exact rename matches).
common::Result<FileSide> worktree_side(const Repository& repo, git_odb* odb,
                                       const git_diff_delta& d) {
    FileSide side{d.new_file.mode, d.new_file.id, false};
    const bool has_id = (d.new_file.flags & GIT_DIFF_FLAG_VALID_ID) != 0;
    if (has_id && git_odb_exists(odb, &side.id) == 1) return side;
    side.in_worktree = true;
    if (!has_id) {
        auto id = hash_worktree_file(repo.handle(), repo.root(), d.new_file.path, side.mode);
        if (!id) return std::unexpected(id.error());
        side.id = *id;
    }
    return side;
}

// libgit2's deltas (no renames asked of libgit2) as changes, in path order; with both sides
// when `with_sides`.
common::Result<std::vector<SidedChange>> collect_changes(const Repository& repo, git_odb* odb,
                                                         git_diff* diff, bool with_sides) {
    std::vector<SidedChange> out;
    const size_t count = git_diff_num_deltas(diff);
    out.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        const git_diff_delta* d = git_diff_get_delta(diff, i);
        auto status = to_status(d->status);
        if (!status) continue;
        SidedChange c{{*status, d->new_file.path, "", 0}, {}, {}};
        if (*status != Status::added) {
            c.old_side = {d->old_file.mode, d->old_file.id, false};
        }
        if (*status == Status::deleted) {
            c.change.path = d->old_file.path;
        } else if (with_sides) {
            auto side = worktree_side(repo, odb, *d);
            if (!side) return std::unexpected(side.error());
            c.new_side = *side;
        }
        out.push_back(std::move(c));
    }
    std::stable_sort(out.begin(), out.end(), [](const SidedChange& a, const SidedChange& b) {
        return a.change.path < b.change.path;
    });
    return out;
}

common::Result<DiffHandle> diff_worktree(const Repository& repo, git_tree* old_tree) {
    git_diff_options options = GIT_DIFF_OPTIONS_INIT;
    options.flags = GIT_DIFF_INCLUDE_TYPECHANGE | GIT_DIFF_SKIP_BINARY_CHECK |
                    GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS;
    git_diff* raw = nullptr;
    if (git_diff_tree_to_workdir_with_index(&raw, repo.handle(), old_tree, &options) != 0) {
        return git_failure("computing the diff");
    }
    return DiffHandle(raw);
}

common::Result<OdbHandle> open_odb(const Repository& repo) {
    git_odb* raw = nullptr;
    if (git_repository_odb(&raw, repo.handle()) != 0) {
        return git_failure("opening the object database");
    }
    return OdbHandle(raw);
}

// The changes with both sides (when renames are wanted): from the tree walk, or from
// libgit2's work-tree diff.
common::Result<std::vector<SidedChange>> sided_changes(const Repository& repo, git_odb* odb,
                                                       git_tree* old_tree, git_tree* new_tree,
                                                       const DiffRequest& request) {
    if (!request.include_uncommitted) {
        return walk_tree_diff_sided(repo.handle(), *git_tree_id(old_tree), *git_tree_id(new_tree));
    }
    auto diff = diff_worktree(repo, old_tree);
    if (!diff) return std::unexpected(diff.error());
    return collect_changes(repo, odb, diff->get(), request.detect_renames);
}

// The changes with renames (and copies, if configured) paired as git pairs them.
common::Result<std::vector<Change>> find_renames(const Repository& repo, git_odb* odb,
                                                 std::vector<SidedChange> sided, bool wanted) {
    const RenameConfig config = read_rename_config(repo.handle());
    if (!wanted || !config.renames) {
        std::vector<Change> out;
        out.reserve(sided.size());
        for (auto& c : sided) out.push_back(std::move(c.change));
        return out;
    }
    WorktreeContentReader reader(odb, repo.root());
    auto found = detect_renames(sided, {config.copies, config.limit}, reader);
    if (!found) return std::unexpected(found.error().with_context("detecting renames"));
    if (found->needed_limit > 0) {
        // git prints the same advice on stderr and, like slipway, still lists the exact
        // and same-basename renames it found.
        spdlog::warn(
            "exhaustive rename detection was skipped due to too many files; set "
            "diff.renameLimit to at least {} to detect them all",
            found->needed_limit);
    }
    return std::move(found->changes);
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
    auto odb = open_odb(repo);
    if (!odb) return std::unexpected(odb.error());
    auto sided = sided_changes(repo, odb->get(), old_tree->get(), new_tree->get(), request);
    if (!sided) return std::unexpected(sided.error());
    auto changes = find_renames(repo, odb->get(), std::move(*sided), request.detect_renames);
    if (!changes) return std::unexpected(changes.error());
    out.changes = std::move(*changes);
    return out;
}

}  // namespace diff
