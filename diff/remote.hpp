#pragma once
// What the service asks of a repository beyond diffs: fetching its remote, a clean copy of
// a commit's files to build in, and the commits between two deployments.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "diff/repository.hpp"

namespace diff {

/// A user name and password for an HTTPS remote (HTTP Basic authentication).
struct UserPass {
    std::string username;
    std::string password;
};

/// Answers a remote's request for credentials: for its URL, a user and password, nullopt
/// to have none (the fetch then fails as unauthenticated), or an error that ends the fetch.
using CredentialProvider =
    std::function<common::Result<std::optional<UserPass>>(const std::string& url)>;

/// Fetches `remote` with its configured refspecs (refs/remotes/<remote>/* for a clone).
/// Over HTTPS the server's certificate is always verified, against the CAs git's settings
/// name (GIT_SSL_CAINFO/CAPATH, http.sslCAInfo/sslCAPath, SSL_CERT_FILE/DIR, else the
/// system bundle: diff/certificates.cpp). Errors: ErrorCode::input for an unknown remote or
/// an unreadable CA file or folder (naming it and its variable or key), external naming the
/// remote and libgit2's message on one line (unreachable, refused, certificate not trusted).
/// A server that asks for a password gets what `credentials` gives, once: credentials it
/// refuses end the fetch with "the remote refused the credentials".
common::Result<void> fetch(const Repository& repo, const std::string& remote = "origin",
                           const CredentialProvider& credentials = {});

/// The URL `remote` fetches from ("" when the repository has no such remote).
std::string remote_url(const Repository& repo, const std::string& remote = "origin");

/// Fetches `refspecs` ("+refs/pull/7/head:refs/slipway/pull/7") from `remote` instead of its
/// configured ones, with fetch()'s certificate checks, credentials and errors; prunes nothing.
common::Result<void> fetch_refs(const Repository& repo, const std::string& remote,
                                const std::vector<std::string>& refspecs,
                                const CredentialProvider& credentials = {});

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
