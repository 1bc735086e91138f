#pragma once
// What the service asks of a repository beyond diffs: fetching its remote, a clean copy of
// a commit's files to build in, and the commits between two deployments.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "diff/repository.hpp"

namespace diff {

/// Fetches `remote` with its configured refspecs (refs/remotes/<remote>/* for a clone).
/// Errors: ErrorCode::input for an unknown remote, external naming the remote and libgit2's
/// message (unreachable, refused).
common::Result<void> fetch(const Repository& repo, const std::string& remote = "origin");

/// Writes every file of `commit`'s tree into `dir` (created; emptied first), as a checkout
/// would, without touching the repository's own work tree or index: a clean tree to build
/// in. Errors: external (git, the file system).
common::Result<void> checkout_to(const Repository& repo, const std::string& commit,
                                 const std::filesystem::path& dir);

struct CommitInfo {
    std::string id;
    std::string summary;
    std::string author;
    std::int64_t time = 0;  // seconds since the epoch (committer time)
};

/// The commits reachable from `to` and not from `from` (`git log from..to`), newest first,
/// at most `limit`; `truncated` says whether there were more.
common::Result<std::vector<CommitInfo>> commits_between(const Repository& repo,
                                                        const std::string& from,
                                                        const std::string& to, std::size_t limit,
                                                        bool& truncated);

}  // namespace diff
