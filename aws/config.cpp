#include "aws/config.hpp"

#include <cstdlib>
#include <fstream>

namespace aws {
namespace {

std::string trim(std::string_view s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) return "";
    const auto e = s.find_last_not_of(" \t\r");
    return std::string(s.substr(b, e - b + 1));
}

// INI sections and `key = value` lines; `#`/`;` comments. `profile_prefix` strips
// "profile " from config-file section names.
void read_ini(const std::string& path, bool config_file, std::map<std::string, Profile>& out) {
    std::ifstream in(path);
    std::string line, section;
    while (std::getline(in, line)) {
        std::string t = trim(line);
        if (t.empty() || t[0] == '#' || t[0] == ';') continue;
        if (t.front() == '[' && t.back() == ']') {
            section = trim(t.substr(1, t.size() - 2));
            if (config_file && section.starts_with("profile ")) section = trim(section.substr(8));
            continue;
        }
        auto eq = t.find('=');
        if (eq == std::string::npos || section.empty()) continue;
        out[section][trim(t.substr(0, eq))] = trim(t.substr(eq + 1));
    }
}

Service make(std::string signing, std::string prefix, std::string suffix, bool s3 = false,
             bool global = false, std::string json_version = "1.0") {
    return {std::move(signing),     std::move(prefix), std::move(suffix), s3, global,
            std::move(json_version)};
}

}  // namespace

Env process_env() {
    return [](std::string_view name) -> std::optional<std::string> {
        const char* v = std::getenv(std::string(name).c_str());
        if (!v) return std::nullopt;
        return std::string(v);
    };
}

Env env_of(std::map<std::string, std::string> values) {
    return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
        auto it = values.find(std::string(name));
        if (it == values.end()) return std::nullopt;
        return it->second;
    };
}

std::map<std::string, Profile> load_profiles(const Env& env) {
    const std::string home = env("HOME").value_or("");
    std::map<std::string, Profile> profiles;
    read_ini(env("AWS_CONFIG_FILE").value_or(home + "/.aws/config"), true, profiles);
    read_ini(env("AWS_SHARED_CREDENTIALS_FILE").value_or(home + "/.aws/credentials"), false,
             profiles);
    return profiles;
}

std::string profile_name(const Env& env) {
    if (auto p = env("AWS_PROFILE"); p && !p->empty()) return *p;
    if (auto p = env("AWS_DEFAULT_PROFILE"); p && !p->empty()) return *p;
    return "default";
}

const Service& sts_service() {
    static const Service s = make("sts", "sts", "STS");
    return s;
}
const Service& dynamodb_service() {
    static const Service s = make("dynamodb", "dynamodb", "DYNAMODB");
    return s;
}
const Service& sqs_service() {
    static const Service s = make("sqs", "sqs", "SQS");
    return s;
}
const Service& cloudformation_service() {
    static const Service s = make("cloudformation", "cloudformation", "CLOUDFORMATION");
    return s;
}
const Service& s3_service() {
    static const Service s = make("s3", "s3", "S3", true);
    return s;
}
const Service& ecr_service() {
    static const Service s = make("ecr", "api.ecr", "ECR");
    return s;
}
const Service& iam_service() {
    static const Service s = make("iam", "iam", "IAM", false, true);
    return s;
}
const Service& sso_portal_service() {
    static const Service s = make("awsssoportal", "portal.sso", "SSO");
    return s;
}
const Service& codebuild_service() {
    static const Service s = make("codebuild", "codebuild", "CODEBUILD", false, false, "1.1");
    return s;
}
const Service& logs_service() {
    static const Service s = make("logs", "logs", "CLOUDWATCH_LOGS", false, false, "1.1");
    return s;
}

std::string resolve_region(const Env& env, const Profile* profile, const std::string& fallback) {
    for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
        if (auto v = env(name); v && !v->empty()) return *v;
    }
    if (profile) {
        if (auto it = profile->find("region"); it != profile->end() && !it->second.empty())
            return it->second;
    }
    return fallback;
}

std::string resolve_endpoint(const Service& service, const std::string& region, const Env& env) {
    const bool ignore = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").value_or("") == "true";
    if (!ignore) {
        if (auto v = env("AWS_ENDPOINT_URL_" + service.env_suffix); v && !v->empty()) return *v;
        if (auto v = env("AWS_ENDPOINT_URL"); v && !v->empty()) return *v;
    }
    if (service.global) return "https://" + service.endpoint_prefix + ".amazonaws.com";
    return "https://" + service.endpoint_prefix + "." + region + ".amazonaws.com";
}

}  // namespace aws
