#pragma once
// git over HTTPS to AWS CodeCommit with AWS credentials, as git-remote-codecommit and the
// aws CLI's credential helper do it: no Git credentials of an IAM user, only a SigV4
// signature of the repository's path made with the caller's (temporary) credentials, sent
// as HTTP Basic authentication:
//   username  the access key id, followed by "%" and the session token when there is one;
//   password  "<YYYYmmddTHHMMSS>Z<signature>", the signature of the canonical request
//             "GIT\n<path>\n\nhost:<host>\n\nhost\n" (no payload hash) for the service
//             `codecommit` in the repository's region, its string to sign dated with the
//             same timestamp (without the Z).
// CodeCommit authorises the fetch with the IAM action codecommit:GitPull on the repository.
// Pure: credentials and time are values.
#include <chrono>
#include <optional>
#include <string>

#include "aws/config.hpp"
#include "aws/sigv4.hpp"

namespace aws {

/// A CodeCommit repository's HTTPS endpoint.
struct CodeCommitRemote {
    std::string host;  // "git-codecommit.us-east-1.amazonaws.com" (with a port if the URL has one)
    std::string path;  // "/v1/repos/shop"
    std::string region;  // "us-east-1"
};

/// The remote when `url` is CodeCommit's: https://git-codecommit[-fips].REGION.amazonaws.com
/// (or .amazonaws.com.cn)/v1/repos/NAME, or a URL on the host of CODE_COMMIT_ENDPOINT (read
/// as git-remote-codecommit reads it, for VPC endpoints and tests; its region from
/// AWS_REGION / AWS_DEFAULT_REGION). nullopt for any other URL.
std::optional<CodeCommitRemote> codecommit_remote(const std::string& url, const Env& env);

struct GitCredentials {
    std::string username;
    std::string password;
};

/// The HTTP Basic credentials for `remote` at `now` (valid for 15 minutes, as any SigV4
/// signature).
GitCredentials codecommit_git_credentials(const CodeCommitRemote& remote,
                                          const Credentials& credentials,
                                          std::chrono::system_clock::time_point now);

}  // namespace aws
