// IAM Identity Center (SSO) and credential_process profiles. The SSO portal is the scripted
// server on 127.0.0.1 (it records each request, so the bearer header and the query are
// checked); credential_process runs scripts the tests write. moto_test.cpp signs real
// requests with both.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "aws/credential_process.hpp"
#include "aws/crypto.hpp"
#include "aws/sso.hpp"
#include "support/git_repo.hpp"
#include "support/scripted_server.hpp"

namespace {

using support::ScriptedServer;

constexpr const char* k_token = "sso-access-token-SECRET";
constexpr const char* k_secret = "role-secret-SECRET";

std::string role_credentials(const std::string& id, long long expiration_ms = 4102444800000) {
    return R"({"roleCredentials": {"accessKeyId": ")" + id + R"(", "secretAccessKey": ")" +
           k_secret + R"(", "sessionToken": "role-session", "expiration": )" +
           std::to_string(expiration_ms) + "}}";
}

// A HOME with ~/.aws/config and the SSO token cache, as the aws CLI leaves them.
struct SsoHome {
    support::TempDir dir;
    std::string home() const { return dir.path().string(); }
    void config(const std::string& text) const {
        std::filesystem::create_directories(dir.path() / ".aws");
        std::ofstream(dir.path() / ".aws" / "config") << text;
    }
    void token(const std::string& cache_name, const std::string& expires_at) const {
        const auto cache = dir.path() / ".aws" / "sso" / "cache";
        std::filesystem::create_directories(cache);
        std::ofstream(cache / cache_name)
            << R"({"startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1", )"
            << R"("accessToken": ")" << k_token << R"(", "expiresAt": ")" << expires_at << "\"}";
    }
};

const char* k_session_config =
    "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\n"
    "sso_role_name = Developer\nregion = eu-west-1\n"
    "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
    "sso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n";

aws::ChainOptions chain(const SsoHome& h, const std::string& profile, const std::string& sso_url) {
    aws::ChainOptions o;
    o.env = aws::env_of({{"HOME", h.home()},
                         {"AWS_PROFILE", profile},
                         {"AWS_ENDPOINT_URL_SSO", sso_url},
                         {"AWS_EC2_METADATA_DISABLED", "true"}});
    return o;
}

// Runs `body` with spdlog at debug level into a string; returns what was logged.
template <typename F>
std::string logged(F&& body) {
    std::ostringstream log;
    auto logger = std::make_shared<spdlog::logger>(
        "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(log));
    logger->set_level(spdlog::level::debug);
    auto previous = spdlog::default_logger();
    spdlog::set_default_logger(logger);
    body();
    spdlog::set_default_logger(previous);
    return log.str();
}

TEST(Sso, CacheFilesAreNamedByTheSha1OfTheSessionOrStartUrl) {
    EXPECT_EQ(aws::sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    // Values from Python's hashlib, as botocore names the files.
    auto env = aws::env_of({{"HOME", "/h"}});
    EXPECT_EQ(aws::sso_cache_file(env, "corp"),
              "/h/.aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json");
    EXPECT_EQ(aws::sso_cache_file(env, "https://corp.awsapps.com/start"),
              "/h/.aws/sso/cache/a51746d4aa793ae07b25e90c3a5db96fc7832bd7.json");
}

TEST(Sso, SessionProfileCallsGetRoleCredentialsWithTheCachedToken) {
    SsoHome h;
    h.config(k_session_config);
    h.token("ee0bfd2552fbd840c02cc48b6e823320543c450f.json", "2099-01-01T00:00:00Z");
    ScriptedServer portal({{false, 200, {}, role_credentials("ASIASSO")}});
    std::optional<aws::TimedCredentials> got;
    const std::string log = logged([&] {
        auto found = aws::profile_provider(chain(h, "dev", portal.url()))->resolve();
        ASSERT_TRUE(found) << found.error().message;
        got = **found;
    });
    ASSERT_TRUE(got);
    EXPECT_EQ(got->credentials.access_key_id, "ASIASSO");
    EXPECT_EQ(got->credentials.secret_access_key, k_secret);
    EXPECT_EQ(got->credentials.session_token, "role-session");
    EXPECT_EQ(got->expires, std::chrono::system_clock::from_time_t(4102444800));
    EXPECT_EQ(got->source, "profile dev (SSO 111122223333/Developer)");
    const auto requests = portal.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_TRUE(requests[0].starts_with(
        "GET /federation/credentials?account_id=111122223333&role_name=Developer HTTP/1.1\r\n"))
        << requests[0];
    EXPECT_NE(requests[0].find("\r\nx-amz-sso_bearer_token: " + std::string(k_token) + "\r\n"),
              std::string::npos)
        << requests[0];
    EXPECT_NE(log.find("/federation/credentials"), std::string::npos) << log;
    EXPECT_EQ(log.find("SECRET"), std::string::npos) << log;
}

TEST(Sso, LegacyProfileUsesTheStartUrlsCacheFile) {
    SsoHome h;
    h.config(
        "[default]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
        "sso_account_id = 444455556666\nsso_role_name = ReadOnly\n");
    h.token("a51746d4aa793ae07b25e90c3a5db96fc7832bd7.json", "2099-01-01T00:00:00UTC");
    ScriptedServer portal({{false, 200, {}, role_credentials("ASIALEGACY")}});
    auto source = aws::default_credentials(chain(h, "default", portal.url()));
    auto creds = source->get();
    ASSERT_TRUE(creds) << creds.error().message;
    EXPECT_EQ(creds->access_key_id, "ASIALEGACY");
    EXPECT_TRUE(portal.requests().at(0).starts_with(
        "GET /federation/credentials?account_id=444455556666&role_name=ReadOnly "));
}

void expect_login_hint(const common::Result<std::optional<aws::TimedCredentials>>& found,
                       const std::string& why) {
    ASSERT_FALSE(found);
    EXPECT_EQ(found.error().code, common::ErrorCode::input);
    EXPECT_NE(found.error().message.find(why), std::string::npos) << found.error().message;
    EXPECT_TRUE(found.error().message.ends_with("run 'aws sso login --profile dev'"))
        << found.error().message;
    EXPECT_EQ(found.error().message.find("SECRET"), std::string::npos) << found.error().message;
}

TEST(Sso, AnExpiredOrMissingTokenAsksForALogin) {
    SsoHome h;
    h.config(k_session_config);
    ScriptedServer portal({{false, 200, {}, role_credentials("NEVER")}});
    expect_login_hint(aws::profile_provider(chain(h, "dev", portal.url()))->resolve(),
                      "profile dev: no SSO token cached in " + h.home() +
                          "/.aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json; ");
    h.token("ee0bfd2552fbd840c02cc48b6e823320543c450f.json", "2020-01-01T00:00:00Z");
    expect_login_hint(aws::profile_provider(chain(h, "dev", portal.url()))->resolve(),
                      "profile dev: the SSO session has expired; ");
    EXPECT_TRUE(portal.requests().empty());
}

TEST(Sso, ATokenThePortalRefusesAsksForALogin) {
    SsoHome h;
    h.config(k_session_config);
    h.token("ee0bfd2552fbd840c02cc48b6e823320543c450f.json", "2099-01-01T00:00:00Z");
    ScriptedServer portal({{false,
                            401,
                            {{"x-amzn-ErrorType", "UnauthorizedException:http://internal/"}},
                            R"({"message":"Session token not found or invalid"})"}});
    expect_login_hint(aws::profile_provider(chain(h, "dev", portal.url()))->resolve(),
                      "the SSO portal refused the cached token (UnauthorizedException)");
    EXPECT_EQ(portal.requests().size(), 1u);  // not retried
}

TEST(Sso, IncompleteSettingsAreNamed) {
    SsoHome h;
    h.config("[profile dev]\nsso_session = corp\nsso_account_id = 1\n");
    auto found = aws::profile_provider(chain(h, "dev", "http://127.0.0.1:9"))->resolve();
    ASSERT_FALSE(found);
    EXPECT_EQ(
        found.error().message,
        "profile dev: sso_session 'corp' has no [sso-session corp] section in the config file");
    h.config("[profile dev]\nsso_start_url = https://x\nsso_region = us-east-1\n");
    found = aws::profile_provider(chain(h, "dev", "http://127.0.0.1:9"))->resolve();
    ASSERT_FALSE(found);
    EXPECT_EQ(found.error().message,
              "profile dev: SSO settings missing: sso_account_id, sso_role_name");
}

TEST(CredentialProcess, SplitsAsTheAwsCliDoes) {
    // Expected values from Python's shlex.split.
    auto words = aws::split_command(R"(a  'b c' "d \" e" f\ g '' h#i "\$x")");
    ASSERT_TRUE(words);
    EXPECT_EQ(*words, (std::vector<std::string>{"a", "b c", "d \" e", "f g", "", "h#i", "\\$x"}));
    EXPECT_FALSE(aws::split_command("a 'b"));
    EXPECT_FALSE(aws::split_command("a b\\"));
    EXPECT_EQ(aws::split_command("  ")->size(), 0u);
}

// A profile whose credential_process is a script in `dir` printing `json`.
struct ProcessProfile {
    support::TempDir dir;
    aws::ChainOptions options;
    ProcessProfile(const std::string& script, const std::string& profile_line = "") {
        const auto path = dir.path() / "creds helper.sh";
        std::ofstream(path) << "#!/bin/sh\n" << script;
        std::filesystem::permissions(path, std::filesystem::perms::owner_all);
        std::ofstream(dir.path() / "config")
            << "[profile tool]\ncredential_process = "
            << (profile_line.empty() ? support::shell_quote(path.string()) + " --role 'deploy me'"
                                     : profile_line)
            << "\n";
        options.env = aws::env_of({{"HOME", "/nonexistent"},
                                   {"AWS_CONFIG_FILE", (dir.path() / "config").string()},
                                   {"AWS_PROFILE", "tool"},
                                   {"AWS_EC2_METADATA_DISABLED", "true"}});
    }
    common::Result<std::optional<aws::TimedCredentials>> resolve() const {
        return aws::profile_provider(options)->resolve();
    }
};

TEST(CredentialProcess, ReadsTheJsonTheCommandPrints) {
    ProcessProfile p(R"([ "$1 $2" = "--role deploy me" ] || exit 3
echo '{"Version": 1, "AccessKeyId": "AKPROC", "SecretAccessKey": "proc-SECRET",'
echo ' "SessionToken": "tok", "Expiration": "2030-01-01T00:00:00Z"}'
)");
    auto found = p.resolve();
    ASSERT_TRUE(found && *found) << (found ? "" : found.error().message);
    EXPECT_EQ((*found)->credentials.access_key_id, "AKPROC");
    EXPECT_EQ((*found)->credentials.secret_access_key, "proc-SECRET");
    EXPECT_EQ((*found)->credentials.session_token, "tok");
    EXPECT_EQ((*found)->expires, std::chrono::system_clock::from_time_t(1893456000));
}

TEST(CredentialProcess, FailuresNameTheProfileAndNeverTheOutput) {
    const std::string secret_json =
        R"(echo '{"Version": 2, "AccessKeyId": "AK", "SecretAccessKey": "proc-SECRET"}')";
    const std::pair<std::string, std::string> cases[] = {
        {"echo proc-SECRET; exit 5", "profile tool: credential_process: '"},
        {"echo 'not json proc-SECRET'",
         "profile tool: credential_process: its output is not a JSON object"},
        {secret_json, "profile tool: credential_process: its output needs \"Version\": 1"},
        {R"(echo '{"Version": 1, "AccessKeyId": "AK"}')",
         "profile tool: credential_process: its output lacks AccessKeyId or SecretAccessKey"},
        {R"(echo '{"Version": 1, "AccessKeyId": "AK", "SecretAccessKey": "S", "Expiration": "soon"}')",
         "profile tool: credential_process: Expiration is not an ISO 8601 time"},
    };
    for (const auto& [script, message] : cases) {
        ProcessProfile p(script + "\n");
        auto found = p.resolve();
        ASSERT_FALSE(found) << script;
        EXPECT_EQ(found.error().code, common::ErrorCode::input);
        EXPECT_TRUE(found.error().message.starts_with(message)) << found.error().message;
        EXPECT_EQ(found.error().message.find("SECRET"), std::string::npos) << found.error().message;
    }
    ProcessProfile exits("exit 5\n");
    EXPECT_TRUE(exits.resolve().error().message.ends_with("' failed with exit status 5"));
    ProcessProfile missing("", "/no/such/helper --token SECRET");
    EXPECT_EQ(missing.resolve().error().message,
              "profile tool: credential_process: cannot run '/no/such/helper': No such file or "
              "directory");
}

TEST(CredentialProcess, RunsAgainBeforeTheCredentialsExpire) {
    using namespace std::chrono;
    ProcessProfile p(R"(dir=$(dirname "$0"); n=$(cat "$dir/count" 2>/dev/null || echo 0)
n=$((n + 1)); echo $n > "$dir/count"
echo "{\"Version\": 1, \"AccessKeyId\": \"AK$n\", \"SecretAccessKey\": \"s\", \"Expiration\": \"2030-01-01T00:10:00Z\"}"
)");
    auto now = system_clock::from_time_t(1893456000);  // 2030-01-01T00:00:00Z
    p.options.now = [&] { return now; };
    auto source = aws::default_credentials(p.options);
    EXPECT_EQ(source->get()->access_key_id, "AK1");
    now += minutes(4);
    EXPECT_EQ(source->get()->access_key_id, "AK1");  // 6 minutes left: still good
    now += minutes(2);
    EXPECT_EQ(source->get()->access_key_id, "AK2");  // 4 minutes left: run again
}

TEST(CredentialProcess, StaticKeysOfTheSameProfileComeFirst) {
    ProcessProfile p("exit 9\n");
    std::ofstream(p.dir.path() / "config", std::ios::app)
        << "aws_access_key_id = AKSTATIC\naws_secret_access_key = s\n";
    auto found = p.resolve();
    ASSERT_TRUE(found && *found) << (found ? "" : found.error().message);
    EXPECT_EQ((*found)->credentials.access_key_id, "AKSTATIC");
}

}  // namespace
