#include "aws/credentials.hpp"

#include <rapidjson/document.h>
#include <pugixml.hpp>

#include <ctime>
#include <fstream>
#include <sstream>
#include <vector>

#include "aws/credential_process.hpp"
#include "aws/sso.hpp"

namespace aws {
namespace {

using common::ErrorCode;
using common::fail;
using Found = common::Result<std::optional<TimedCredentials>>;

constexpr auto k_refresh_margin = std::chrono::minutes(5);
constexpr const char* k_sts_version = "2011-06-15";

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    std::string text = s.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
}

std::string env_or(const Env& env, std::string_view name, std::string fallback = "") {
    auto v = env(name);
    return v && !v->empty() ? *v : fallback;
}

// The <Credentials> of an STS AssumeRole* answer.
Found parse_sts_credentials(const std::string& xml, const std::string& source) {
    pugi::xml_document doc;
    if (!doc.load_string(xml.c_str()))
        return fail(ErrorCode::external, source + ": unreadable STS answer");
    auto c = doc.select_node("//Credentials").node();
    TimedCredentials t{{c.child_value("AccessKeyId"), c.child_value("SecretAccessKey"),
                        c.child_value("SessionToken")},
                       parse_iso8601(c.child_value("Expiration")),
                       source};
    if (t.credentials.access_key_id.empty())
        return fail(ErrorCode::external, source + ": STS returned no credentials");
    return std::optional<TimedCredentials>(t);
}

// The JSON the container endpoint and IMDS answer with.
Found parse_json_credentials(const std::string& body, const std::string& source) {
    rapidjson::Document doc;
    doc.Parse(body.c_str());
    auto text = [&](const char* key) -> std::string {
        return doc.IsObject() && doc.HasMember(key) && doc[key].IsString() ? doc[key].GetString()
                                                                           : "";
    };
    TimedCredentials t{{text("AccessKeyId"), text("SecretAccessKey"), text("Token")},
                       parse_iso8601(text("Expiration")),
                       source};
    if (t.credentials.access_key_id.empty() || t.credentials.secret_access_key.empty()) {
        return fail(ErrorCode::external, source + ": the answer holds no credentials");
    }
    return std::optional<TimedCredentials>(t);
}

Client sts_client(const ChainOptions& o, std::shared_ptr<CredentialSource> signer) {
    ClientOptions c;
    c.env = o.env;
    c.region = o.region;
    c.credentials = std::move(signer);
    c.http = o.http;
    if (o.now) c.now = o.now;
    return Client(c);
}

class EnvironmentProvider final : public CredentialProvider {
  public:
    explicit EnvironmentProvider(Env env) : m_env(std::move(env)) {}
    Found resolve() override {
        const auto id = env_or(m_env, "AWS_ACCESS_KEY_ID"),
                   secret = env_or(m_env, "AWS_SECRET_ACCESS_KEY");
        if (id.empty() || secret.empty()) return std::optional<TimedCredentials>{};
        return std::optional<TimedCredentials>(TimedCredentials{
            {id, secret, env_or(m_env, "AWS_SESSION_TOKEN")}, std::nullopt, "environment"});
    }

  private:
    Env m_env;
};

// STS AssumeRoleWithWebIdentity: an unsigned call carrying the OIDC token.
Found assume_with_web_identity(const ChainOptions& o, const std::string& role,
                               const std::string& token_file, const std::string& session) {
    const std::string source = "web identity (" + role + ")";
    std::ifstream probe(token_file);
    if (!probe)
        return fail(ErrorCode::input, source + ": cannot read the token file " + token_file);
    auto client = sts_client(o, nullptr);
    auto xml = client.query(
        sts_service(), {"AssumeRoleWithWebIdentity", "none:the role's trust policy"}, k_sts_version,
        {{"RoleArn", role},
         {"RoleSessionName", session},
         {"WebIdentityToken", read_file(token_file)}});
    if (!xml) return std::unexpected(xml.error().with_context(source));
    return parse_sts_credentials(*xml, source);
}

class WebIdentityProvider final : public CredentialProvider {
  public:
    explicit WebIdentityProvider(ChainOptions o) : m_o(std::move(o)) {}
    Found resolve() override {
        const auto file = env_or(m_o.env, "AWS_WEB_IDENTITY_TOKEN_FILE"),
                   role = env_or(m_o.env, "AWS_ROLE_ARN");
        if (file.empty() || role.empty()) return std::optional<TimedCredentials>{};
        return assume_with_web_identity(m_o, role, file,
                                        env_or(m_o.env, "AWS_ROLE_SESSION_NAME", "slipway"));
    }

  private:
    ChainOptions m_o;
};

class ProfileProvider final : public CredentialProvider {
  public:
    explicit ProfileProvider(ChainOptions o) : m_o(std::move(o)) {}
    Found resolve() override {
        const auto profiles = load_profiles(m_o.env);
        const std::string name = profile_name(m_o.env);
        if (!profiles.contains(name)) {
            if (name == "default") return std::optional<TimedCredentials>{};
            return fail(ErrorCode::input, "AWS profile '" + name +
                                              "' is not in the shared config or credentials file");
        }
        return from_profile(profiles, name, 0);
    }

  private:
    Found from_profile(const std::map<std::string, Profile>& profiles, const std::string& name,
                       int depth) {
        const std::string source = "profile " + name;
        auto it = profiles.find(name);
        if (it == profiles.end())
            return fail(ErrorCode::input, "AWS profile '" + name + "' does not exist");
        if (depth > 4)
            return fail(ErrorCode::input, source + ": source_profile chain too long (a loop?)");
        const Profile& p = it->second;
        auto value = [&](const char* key) { return p.contains(key) ? p.at(key) : std::string(); };
        if (!value("role_arn").empty()) {
            if (!value("web_identity_token_file").empty()) {
                return assume_with_web_identity(
                    m_o, value("role_arn"), value("web_identity_token_file"),
                    value("role_session_name").empty() ? "slipway" : value("role_session_name"));
            }
            Found base = value("source_profile").empty()
                             ? fail(ErrorCode::input, source + ": role_arn needs source_profile")
                             : from_profile(profiles, value("source_profile"), depth + 1);
            if (!base) return base;
            if (!*base)
                return fail(ErrorCode::input, source + ": its source profile has no credentials");
            auto client = sts_client(m_o, static_credentials((*base)->credentials));
            const std::string session =
                value("role_session_name").empty() ? "slipway" : value("role_session_name");
            auto xml = client.query(sts_service(), {"AssumeRole", "sts:AssumeRole"}, k_sts_version,
                                    {{"RoleArn", value("role_arn")}, {"RoleSessionName", session}});
            if (!xml) return std::unexpected(xml.error().with_context(source));
            return parse_sts_credentials(*xml, source + " (" + value("role_arn") + ")");
        }
        if (is_sso_profile(p)) return found(sso_credentials(profiles, name, m_o));
        if (!value("aws_access_key_id").empty() && !value("aws_secret_access_key").empty()) {
            return std::optional<TimedCredentials>(
                TimedCredentials{{value("aws_access_key_id"), value("aws_secret_access_key"),
                                  value("aws_session_token")},
                                 std::nullopt,
                                 source});
        }
        if (!value("credential_process").empty())
            return found(process_credentials(value("credential_process"), name));
        return std::optional<TimedCredentials>{};
    }

    static Found found(common::Result<TimedCredentials> r) {
        if (!r) return std::unexpected(r.error());
        return std::optional<TimedCredentials>(std::move(*r));
    }

    ChainOptions m_o;
};

bool allowed_full_uri(const std::string& uri) {
    if (uri.starts_with("https://")) return true;
    for (std::string_view host : {"http://127.", "http://localhost", "http://[::1]",
                                  "http://169.254.170.2", "http://169.254.170.23"}) {
        if (uri.starts_with(host)) return true;
    }
    return false;
}

class ContainerProvider final : public CredentialProvider {
  public:
    explicit ContainerProvider(ChainOptions o) : m_o(std::move(o)) {}
    Found resolve() override {
        std::string url;
        if (auto rel = env_or(m_o.env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"); !rel.empty()) {
            url = "http://169.254.170.2" + rel;
        } else if (auto full = env_or(m_o.env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
                   !full.empty()) {
            if (!allowed_full_uri(full)) {
                return fail(ErrorCode::input,
                            "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or a "
                            "loopback/container address");
            }
            url = full;
        } else {
            return std::optional<TimedCredentials>{};
        }
        net::HttpRequest r{"GET", url, {}, "", std::chrono::seconds(5)};
        std::string token = env_or(m_o.env, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
        if (auto file = env_or(m_o.env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); !file.empty())
            token = read_file(file);
        if (!token.empty()) r.headers.emplace_back("Authorization", token);
        net::HttpClient http(m_o.http);
        for (int attempt = 1;; ++attempt) {  // the endpoint can be briefly unavailable at start-up
            auto response = http.send(r);
            if (response && response->status == 200)
                return parse_json_credentials(response->body, "container endpoint");
            if (attempt == 3) {
                return fail(ErrorCode::external,
                            "container credentials endpoint: " +
                                (response ? "HTTP " + std::to_string(response->status)
                                          : response.error().message));
            }
        }
    }

  private:
    ChainOptions m_o;
};

class ImdsProvider final : public CredentialProvider {
  public:
    explicit ImdsProvider(ChainOptions o) : m_o(std::move(o)) {}
    Found resolve() override {
        if (env_or(m_o.env, "AWS_EC2_METADATA_DISABLED") == "true")
            return std::optional<TimedCredentials>{};
        std::string base =
            env_or(m_o.env, "AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://169.254.169.254");
        while (!base.empty() && base.back() == '/') base.pop_back();
        net::HttpOptions quick = m_o.http;
        quick.connect_timeout = std::chrono::seconds(1);
        net::HttpClient http(quick);
        // IMDSv2: a session token first, then the role name, then its credentials.
        auto token = http.send({"PUT",
                                base + "/latest/api/token",
                                {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}},
                                "",
                                std::chrono::seconds(1)});
        if (!token || token->status != 200) return std::optional<TimedCredentials>{};  // not on EC2
        const net::Headers auth = {{"X-aws-ec2-metadata-token", token->body}};
        const std::string path = base + "/latest/meta-data/iam/security-credentials/";
        auto role = http.send({"GET", path, auth, "", std::chrono::seconds(1)});
        if (!role || role->status != 200 || role->body.empty()) {
            return fail(ErrorCode::external, "instance metadata: this instance has no IAM role");
        }
        const std::string name = role->body.substr(0, role->body.find('\n'));
        auto creds = http.send({"GET", path + name, auth, "", std::chrono::seconds(2)});
        if (!creds || creds->status != 200)
            return fail(ErrorCode::external,
                        "instance metadata: cannot read the role's credentials");
        return parse_json_credentials(creds->body, "instance metadata (" + name + ")");
    }

  private:
    ChainOptions m_o;
};

// Caches what `fetch` returns and fetches again shortly before it expires.
class Refreshing final : public CredentialSource {
  public:
    Refreshing(std::function<common::Result<TimedCredentials>()> fetch,
               std::function<std::chrono::system_clock::time_point()> now)
        : m_fetch(std::move(fetch)), m_now(std::move(now)) {}
    common::Result<Credentials> get() override {
        std::lock_guard lock(m_mutex);
        if (!m_cached || (m_cached->expires && m_now() + k_refresh_margin >= *m_cached->expires)) {
            auto fresh = m_fetch();
            if (!fresh) return std::unexpected(fresh.error());
            m_cached = std::move(*fresh);
        }
        return m_cached->credentials;
    }

  private:
    std::function<common::Result<TimedCredentials>()> m_fetch;
    std::function<std::chrono::system_clock::time_point()> m_now;
    std::mutex m_mutex;
    std::optional<TimedCredentials> m_cached;
};

std::function<std::chrono::system_clock::time_point()> clock_of(const ChainOptions& o) {
    return o.now ? o.now : [] { return std::chrono::system_clock::now(); };
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_iso8601(const std::string& text) {
    std::tm tm{};
    if (text.empty() || !strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return std::nullopt;
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::unique_ptr<CredentialProvider> environment_provider(const Env& env) {
    return std::make_unique<EnvironmentProvider>(env);
}
std::unique_ptr<CredentialProvider> web_identity_provider(const ChainOptions& o) {
    return std::make_unique<WebIdentityProvider>(o);
}
std::unique_ptr<CredentialProvider> profile_provider(const ChainOptions& o) {
    return std::make_unique<ProfileProvider>(o);
}
std::unique_ptr<CredentialProvider> container_provider(const ChainOptions& o) {
    return std::make_unique<ContainerProvider>(o);
}
std::unique_ptr<CredentialProvider> imds_provider(const ChainOptions& o) {
    return std::make_unique<ImdsProvider>(o);
}

std::shared_ptr<CredentialSource> default_credentials(ChainOptions options) {
    auto fetch = [o = options]() -> common::Result<TimedCredentials> {
        std::vector<std::unique_ptr<CredentialProvider>> chain;
        chain.push_back(environment_provider(o.env));
        chain.push_back(web_identity_provider(o));
        chain.push_back(profile_provider(o));
        chain.push_back(container_provider(o));
        chain.push_back(imds_provider(o));
        for (auto& provider : chain) {
            auto found = provider->resolve();
            if (!found) return std::unexpected(found.error());
            if (*found) return std::move(**found);
        }
        // An outside service's failure, as any other AWS error (exit 4): the same command
        // works once the machine has credentials.
        return fail(ErrorCode::external,
                    "no AWS credentials found (looked at the environment, web identity, profile '" +
                        profile_name(o.env) + "', the container endpoint and instance metadata)");
    };
    return std::make_shared<Refreshing>(fetch, clock_of(options));
}

ClientOptions client_options_from(const Env& env, const std::string& region) {
    auto profiles = load_profiles(env);
    const auto it = profiles.find(profile_name(env));
    ClientOptions o;
    o.env = env;
    o.region = resolve_region(env, it == profiles.end() ? nullptr : &it->second, region);
    o.http.ca_bundle = env_or(env, "AWS_CA_BUNDLE");
    ChainOptions chain;
    chain.env = env;
    chain.region = o.region.empty() ? "us-east-1" : o.region;
    chain.http = o.http;
    o.credentials = default_credentials(chain);
    return o;
}

std::shared_ptr<CredentialSource> assume_role(std::shared_ptr<CredentialSource> base,
                                              std::string role_arn, ChainOptions options) {
    auto fetch = [base, role_arn, o = options]() -> common::Result<TimedCredentials> {
        auto client = sts_client(o, base);
        auto xml = client.query(sts_service(), {"AssumeRole", "sts:AssumeRole"}, k_sts_version,
                                {{"RoleArn", role_arn}, {"RoleSessionName", "slipway"}});
        if (!xml) return std::unexpected(xml.error().with_context("assuming role " + role_arn));
        auto found = parse_sts_credentials(*xml, "role " + role_arn);
        if (!found) return std::unexpected(found.error());
        return std::move(**found);
    };
    return std::make_shared<Refreshing>(fetch, clock_of(options));
}

}  // namespace aws
