#pragma once
// An open git repository (work tree, bare, or linked worktree) and the questions slipway
// asks of its history: what a ref names, the merge base of two commits, the files of a tree.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"

struct git_repository;

namespace diff {

/// A file of a commit's tree: path, blob id (hex) and git mode (0100644, 0100755, 0120000,
/// 0160000).
struct TreeEntry {
    std::string path;
    std::string id;
    std::uint32_t mode = 0100644;
};

class Repository {
  public:
    /// Opens the repository that contains `dir` (searching upwards, like git does).
    /// Fails with ErrorCode::input when `dir` is not inside a git repository.
    static common::Result<Repository> open(const std::filesystem::path& dir);

    /// The work tree's root, or the git directory of a bare repository.
    [[nodiscard]] std::filesystem::path root() const;
    [[nodiscard]] bool is_bare() const;
    [[nodiscard]] bool is_shallow() const;

    /// The full hex id of the commit `ref` names (anything `git rev-parse` accepts;
    /// annotated tags are peeled). Fails with ErrorCode::input naming the ref, with the
    /// closest branch or tag name as a hint.
    [[nodiscard]] common::Result<std::string> resolve_commit(const std::string& ref) const;

    /// The merge base of two commits (hex ids) as `git merge-base` gives it. Fails with
    /// ErrorCode::input for unrelated histories and for shallow clones that lack it.
    [[nodiscard]] common::Result<std::string> merge_base(const std::string& base_ref,
                                                         const std::string& base_id,
                                                         const std::string& head_ref,
                                                         const std::string& head_id) const;

    /// Whether `descendant` contains `ancestor` in its history (`git merge-base --is-ancestor`;
    /// true for equal commits). Fails with ErrorCode::input when either is not a commit of
    /// this repository (not fetched yet, or beyond a shallow clone's boundary).
    [[nodiscard]] common::Result<bool> contains(const std::string& descendant,
                                                const std::string& ancestor) const;

    /// Every file path (blobs, symlinks and submodules) in the tree of a commit, sorted.
    [[nodiscard]] common::Result<std::vector<std::string>> list_files(
        const std::string& commit_id) const;

    /// Every file of a commit's tree with its blob id and mode, sorted by path.
    [[nodiscard]] common::Result<std::vector<TreeEntry>> list_files_with_ids(
        const std::string& commit_id) const;

    /// The content of the file at `path` in the tree of a commit. Fails with
    /// ErrorCode::input when the commit has no such file.
    [[nodiscard]] common::Result<std::string> read_file(const std::string& commit_id,
                                                        const std::string& path) const;

    /// Every file of the work tree that git does not ignore, tracked or untracked (the files
    /// `git ls-files --cached --others --exclude-standard` lists, minus deleted ones), sorted.
    /// Fails with ErrorCode::input for a bare repository.
    [[nodiscard]] common::Result<std::vector<std::string>> work_tree_files() const;

    /// A boolean git configuration value (e.g. core.quotePath), or `fallback`.
    [[nodiscard]] bool config_bool(const std::string& key, bool fallback) const;

    /// The branch HEAD is on ("main"), or "" when HEAD is detached or unborn.
    [[nodiscard]] std::string current_branch() const;

    /// A string git configuration value (e.g. remote.origin.url), or "" when unset.
    [[nodiscard]] std::string config_string(const std::string& key) const;

    /// Short names of local branches, remote-tracking branches and tags.
    [[nodiscard]] std::vector<std::string> ref_names() const;

    /// The libgit2 handle, for the diff library's own translation units.
    [[nodiscard]] git_repository* handle() const { return m_repo.get(); }

  private:
    struct Deleter {
        void operator()(git_repository* repo) const noexcept;
    };
    explicit Repository(git_repository* repo) : m_repo(repo) {}
    std::unique_ptr<git_repository, Deleter> m_repo;
};

/// git's object id (SHA-1, hex) of `text` stored as a blob: a stable content hash.
std::string hash_text(std::string_view text);

}  // namespace diff
