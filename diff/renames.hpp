#pragma once
// Internal to the diff library: rename (and copy) detection over the changes of a tree
// diff, pairing old and new paths in the order and with the tie-breaks of git's own
// diffcore-rename, so `slipway diff` names the same pairs as `git diff`.
#include <git2.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "diff/change_set.hpp"

namespace diff::detail {

/// One side of a changed path: mode 0 when the path does not exist on that side.
struct FileSide {
    std::uint32_t mode = 0;
    git_oid id{};              // the blob (or submodule commit) id
    bool in_worktree = false;  // the content is the work-tree file, not a stored blob
};

/// A change as the tree diff finds it (A, D, M or T), with both of its sides.
struct SidedChange {
    Change change;
    FileSide old_side;
    FileSide new_side;
};

/// Where rename detection reads file contents (the object database, the work tree).
class ContentReader {
  public:
    virtual ~ContentReader() = default;
    /// The size in bytes of the content of `side` (at `path`), cheaply where possible.
    virtual common::Result<std::size_t> size(const FileSide& side, const std::string& path) = 0;
    /// The content of `side` (at `path`).
    virtual common::Result<std::string> read(const FileSide& side, const std::string& path) = 0;
};

struct RenameOptions {
    bool copies = false;  // diff.renames=copies: modified files are copy sources too
    int limit = 1000;     // diff.renameLimit; 0 or less means no limit, as in git
};

struct RenameResult {
    std::vector<Change> changes;  // the input's order; a rename stands where its new path did
    int needed_limit = 0;         // > 0 when inexact detection was skipped: the limit it would need
};

/// Pairs deleted (and, with copies, modified) paths with added ones as git does: exact
/// matches by blob id first, then unique basenames at 75% similarity, then the similarity
/// matrix at 50% unless sources × destinations exceed limit². Fails only when `reader`
/// fails.
common::Result<RenameResult> detect_renames(const std::vector<SidedChange>& changes,
                                            const RenameOptions& options, ContentReader& reader);

}  // namespace diff::detail
