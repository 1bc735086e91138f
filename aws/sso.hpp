#pragma once
// AWS IAM Identity Center (SSO) profiles, as the aws CLI and SDKs read them:
//   [profile dev]                         [profile old]
//   sso_session = corp                    sso_start_url = https://corp.awsapps.com/start
//   sso_account_id = 111122223333         sso_region = eu-west-1
//   sso_role_name = Developer             sso_account_id = 111122223333
//   [sso-session corp]                    sso_role_name = Developer
//   sso_start_url = https://corp.awsapps.com/start
//   sso_region = eu-west-1
// `aws sso login` caches an access token in ~/.aws/sso/cache/<SHA-1 hex of the session name
// (sso_session) or of the start URL (legacy)>.json, with `accessToken` and `expiresAt`.
// With that token, the portal's GetRoleCredentials (GET /federation/credentials?account_id=
// &role_name=, header x-amz-sso_bearer_token; https://portal.sso.<region>.amazonaws.com or
// AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL) answers temporary role credentials. A missing or
// expired token, or one the portal refuses (401), is one error telling the user to run
// `aws sso login --profile NAME`; slipway does not refresh tokens itself. The token is never
// logged or put in a message.
#include <map>
#include <string>

#include "aws/credentials.hpp"

namespace aws {

/// Whether a profile is configured for IAM Identity Center.
bool is_sso_profile(const Profile& profile);

/// The role credentials profile `name` names. Fails with ErrorCode::input for incomplete
/// settings or a token that needs `aws sso login`, ErrorCode::external when the portal fails.
common::Result<TimedCredentials> sso_credentials(const std::map<std::string, Profile>& profiles,
                                                 const std::string& name,
                                                 const ChainOptions& options);

/// Where the aws CLI caches the token for `key` (a session name, or a legacy start URL).
std::string sso_cache_file(const Env& env, const std::string& key);

}  // namespace aws
