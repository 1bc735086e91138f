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
/// Over HTTPS the server's certificate is always verified, against the CAs git's settings
/// name (GIT_SSL_CAINFO/CAPATH, http.sslCAInfo/sslCAPath, SSL_CERT_FILE/DIR, else the
/// system bundle: diff/certificates.cpp). Errors: ErrorCode::input for an unknown remote or
/// an unreadable CA file or folder (naming it and its variable or key), external naming the
/// remote and libgit2's message on one line (unreachable, refused, certificate not trusted).
common::Result<void> fetch(const Repository& repo, const std::string& remote = "origin");

/// The URL `remote` fetches from ("" when the repository has no such remote).
std::string remote_url(const Repository& repo, const std::string& remote = "origin");

/// What fetch checks of the CA settings before connecting, without connecting: for an
/// HTTPS remote, that the CA file or folder they name is readable (an unknown remote
/// passes: fetch reports it). Errors: input naming the file and its variable or key.
common::Result<void> check_fetch_settings(const Repository& repo,
                                          const std::string& remote = "origin");

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
