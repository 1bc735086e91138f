#pragma once
// Internal to the diff library: a tree-to-tree diff without rename detection that, like
// git's own, never opens a subtree whose id is the same on both sides.
#include <git2.h>

#include <vector>

#include "common/error.hpp"
#include "diff/change_set.hpp"
#include "diff/renames.hpp"

namespace diff::detail {

/// The changes from the tree `old_tree` to the tree `new_tree` in git's order (A, D, M
/// and T only).
common::Result<std::vector<Change>> walk_tree_diff(git_repository* repo, const git_oid& old_tree,
                                                   const git_oid& new_tree);

/// The same changes with both sides' modes and ids, the input of rename detection.
common::Result<std::vector<SidedChange>> walk_tree_diff_sided(git_repository* repo,
                                                              const git_oid& old_tree,
                                                              const git_oid& new_tree);

}  // namespace diff::detail
