#pragma once
// Where credentials come from, in the order the AWS SDKs look:
//   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
//   2. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (GitHub Actions OIDC),
//      exchanged with STS AssumeRoleWithWebIdentity;
//   3. the profile (AWS_PROFILE, else "default") of ~/.aws/credentials and ~/.aws/config,
//      in the aws CLI's order: role_arn with source_profile (STS AssumeRole) or with
//      web_identity_token_file; IAM Identity Center (sso_session or legacy sso_* keys, see
//      sso.hpp); static keys; credential_process (see credential_process.hpp). A
//      source_profile may itself be any of these;
//   4. the container endpoint: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI with
//      AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE] (ECS, CodeBuild);
//   5. EC2 instance metadata, IMDSv2 (session token first), unless
//      AWS_EC2_METADATA_DISABLED=true.
// Temporary credentials are refreshed five minutes before they expire, so a long deploy
// never signs with stale ones.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "aws/client.hpp"

namespace aws {

struct TimedCredentials {
    Credentials credentials;
    std::optional<std::chrono::system_clock::time_point> expires;
    std::string source;  // "environment", "profile default", "container endpoint", ...
};

/// One place credentials may come from. nullopt: nothing configured there (the chain moves
/// on); an error: configured, but it failed (the chain stops and says so).
class CredentialProvider {
  public:
    virtual ~CredentialProvider() = default;
    virtual common::Result<std::optional<TimedCredentials>> resolve() = 0;
};

struct ChainOptions {
    Env env = process_env();
    std::string region = "us-east-1";  // for STS
    net::HttpOptions http;
    std::function<std::chrono::system_clock::time_point()> now;
};

/// The default chain, cached and refreshed.
std::shared_ptr<CredentialSource> default_credentials(ChainOptions options);

/// `base` with a role assumed on top (an environment's role_arn, for cross-account
/// deploys), refreshed before it expires.
std::shared_ptr<CredentialSource> assume_role(std::shared_ptr<CredentialSource> base,
                                              std::string role_arn, ChainOptions options);

/// Client options from the environment: the region (AWS_REGION, AWS_DEFAULT_REGION, the
/// profile's, else `region`), the default credential chain, AWS_CA_BUNDLE.
ClientOptions client_options_from(const Env& env, const std::string& region);

/// The providers, for tests and for composing.
std::unique_ptr<CredentialProvider> environment_provider(const Env& env);
std::unique_ptr<CredentialProvider> web_identity_provider(const ChainOptions& options);
std::unique_ptr<CredentialProvider> profile_provider(const ChainOptions& options);
std::unique_ptr<CredentialProvider> container_provider(const ChainOptions& options);
std::unique_ptr<CredentialProvider> imds_provider(const ChainOptions& options);

/// Parses "2026-11-22T04:30:00Z" (fractional seconds allowed).
std::optional<std::chrono::system_clock::time_point> parse_iso8601(const std::string& text);

}  // namespace aws
