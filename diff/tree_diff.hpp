#pragma once
// The diff stage: the paths changed between two refs, as `git diff` reports them.
#include <string>

#include "common/error.hpp"
#include "diff/change_set.hpp"
#include "diff/repository.hpp"

namespace diff {

struct DiffRequest {
    std::string base;
    std::string head = "HEAD";
    bool two_dot = false;              // `git diff BASE HEAD` instead of `BASE...HEAD`
    bool detect_renames = true;        // git's default; selection does not need it
    bool include_uncommitted = false;  // add the work tree's staged/unstaged/untracked changes
};

/// The changes between the request's refs: merge-base semantics unless `two_dot`.
/// Fails with ErrorCode::input for an unknown ref, unrelated histories, a shallow clone
/// that lacks the merge base, or `include_uncommitted` without a work tree.
common::Result<ChangeSet> compute_changes(const Repository& repo, const DiffRequest& request);

}  // namespace diff
