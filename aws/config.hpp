#pragma once
// Where AWS settings come from: the environment (through a lookup function, so tests pass
// their own), the shared config and credentials files, and the service table.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace aws {

/// Looks up an environment variable; the process's own by default.
using Env = std::function<std::optional<std::string>(std::string_view)>;
Env process_env();
/// An Env over a fixed map (tests).
Env env_of(std::map<std::string, std::string> values);

/// One profile's settings, from ~/.aws/config ("[profile NAME]", "[default]") and
/// ~/.aws/credentials ("[NAME]"), the credentials file winning. Other sections of the
/// config file keep their whole name as the key ("sso-session NAME").
using Profile = std::map<std::string, std::string>;

/// The profiles in the files AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE name (default
/// ~/.aws/config and ~/.aws/credentials). Missing files are no profiles.
std::map<std::string, Profile> load_profiles(const Env& env);
/// AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default".
std::string profile_name(const Env& env);

struct Service {
    std::string signing_name;     // "dynamodb"
    std::string endpoint_prefix;  // "dynamodb", "api.ecr"
    std::string env_suffix;       // AWS_ENDPOINT_URL_<suffix>
    bool s3 = false;
    bool global = false;               // one endpoint for every region (IAM)
    std::string json_version = "1.0";  // of the AWS JSON protocol, for services that speak it
};

const Service& sts_service();
const Service& dynamodb_service();
const Service& cloudformation_service();
const Service& s3_service();
const Service& ecr_service();
const Service& iam_service();
const Service& sqs_service();
/// The IAM Identity Center portal (GetRoleCredentials; unsigned, bearer-token calls).
const Service& sso_portal_service();
const Service& codebuild_service();  // AWS JSON 1.1
const Service& logs_service();       // CloudWatch Logs, AWS JSON 1.1

/// AWS_REGION, else AWS_DEFAULT_REGION, else the profile's region, else `fallback`.
std::string resolve_region(const Env& env, const Profile* profile, const std::string& fallback);
/// AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL, else https://PREFIX.REGION.amazonaws.com
/// (unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true).
std::string resolve_endpoint(const Service& service, const std::string& region, const Env& env);

}  // namespace aws
