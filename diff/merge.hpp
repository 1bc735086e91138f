#pragma once
// The commit a pull request's merge would make: GitHub's test merge, made locally. The two
// commits are merged as `git merge` would (libgit2's merge of their trees over their merge
// base, rename detection on), and the result written as a commit object with both as
// parents -- into the object database only: no ref, no work tree, no index is touched.
#include <string>

#include "common/error.hpp"
#include "diff/repository.hpp"

namespace diff {

/// The merge of `head` into `base` (both commit ids or refs) as a new commit object; its id.
/// Conflicts: ErrorCode::failed naming the conflicting paths (at most ten); external for git.
common::Result<std::string> merge_commit(const Repository& repo, const std::string& base,
                                         const std::string& head);

}  // namespace diff
