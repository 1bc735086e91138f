// Each credential source, the chain's order, and refreshing before expiry. Endpoints are
// the scripted server on 127.0.0.1; instance metadata is disabled or pointed there.
#include <gtest/gtest.h>

#include <fstream>

#include "aws/credentials.hpp"
#include "support/git_repo.hpp"
#include "support/scripted_server.hpp"

namespace {

using support::ScriptedReply;
using support::ScriptedServer;

std::string creds_json(const std::string& id,
                       const std::string& expiration = "2099-01-01T00:00:00Z") {
    return R"({"AccessKeyId": ")" + id + R"(", "SecretAccessKey": "secret-)" + id +
           R"(", "Token": "token-)" + id + R"(", "Expiration": ")" + expiration + R"("})";
}

aws::ChainOptions options(std::map<std::string, std::string> env) {
    env.emplace("AWS_EC2_METADATA_DISABLED", "true");
    env.emplace("HOME", "/nonexistent");
    aws::ChainOptions o;
    o.env = aws::env_of(std::move(env));
    return o;
}

TEST(Credentials, Environment) {
    auto found = aws::environment_provider(aws::env_of({{"AWS_ACCESS_KEY_ID", "AK"},
                                                        {"AWS_SECRET_ACCESS_KEY", "SK"},
                                                        {"AWS_SESSION_TOKEN", "ST"}}))
                     ->resolve();
    ASSERT_TRUE(found && *found);
    EXPECT_EQ((*found)->credentials.access_key_id, "AK");
    EXPECT_EQ((*found)->credentials.session_token, "ST");
    EXPECT_FALSE(*aws::environment_provider(aws::env_of({{"AWS_ACCESS_KEY_ID", "AK"}}))->resolve());
}

TEST(Credentials, ProfilesFromTheSharedFiles) {
    support::TempDir dir;
    const auto config = (dir.path() / "config").string(),
               credentials = (dir.path() / "credentials").string();
    std::ofstream(config)
        << "[default]\nregion = eu-west-1\n[profile ci]\naws_access_key_id = FROMCONFIG\n"
           "aws_secret_access_key = x\nregion = us-west-2\n";
    std::ofstream(credentials)
        << "# comment\n[ci]\naws_access_key_id = CIKEY\naws_secret_access_key = CISECRET\n";
    auto o = options({{"AWS_CONFIG_FILE", config},
                      {"AWS_SHARED_CREDENTIALS_FILE", credentials},
                      {"AWS_PROFILE", "ci"}});
    auto found = aws::profile_provider(o)->resolve();
    ASSERT_TRUE(found && *found) << (found ? "" : found.error().message);
    EXPECT_EQ((*found)->credentials.access_key_id, "CIKEY");  // the credentials file wins
    EXPECT_EQ((*found)->source, "profile ci");
    auto profiles = aws::load_profiles(o.env);
    EXPECT_EQ(aws::resolve_region(o.env, &profiles["ci"], "us-east-1"), "us-west-2");
    EXPECT_EQ(aws::resolve_region(aws::env_of({{"AWS_REGION", "ap-south-1"}}), &profiles["ci"], ""),
              "ap-south-1");

    auto missing =
        aws::profile_provider(options({{"AWS_CONFIG_FILE", config}, {"AWS_PROFILE", "nope"}}))
            ->resolve();
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message,
              "AWS profile 'nope' is not in the shared config or credentials file");
}

TEST(Credentials, ContainerEndpointWithAnAuthorizationTokenFile) {
    ScriptedServer server({{false, 200, {}, creds_json("CONTAINER")}});
    support::TempDir dir;
    const auto token_file = (dir.path() / "token").string();
    std::ofstream(token_file) << "Bearer secret-token\n";
    auto found =
        aws::container_provider(
            options({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url() + "/v2/credentials"},
                     {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file}}))
            ->resolve();
    ASSERT_TRUE(found && *found) << (found ? "" : found.error().message);
    EXPECT_EQ((*found)->credentials.access_key_id, "CONTAINER");
    EXPECT_EQ((*found)->credentials.session_token, "token-CONTAINER");
    ASSERT_TRUE((*found)->expires);
    const auto request = server.requests().at(0);
    EXPECT_TRUE(request.starts_with("GET /v2/credentials HTTP/1.1")) << request;
    EXPECT_NE(request.find("Authorization: Bearer secret-token\r\n"), std::string::npos) << request;
}

TEST(Credentials, ContainerFullUriMustBeLocalOrHttps) {
    auto found = aws::container_provider(
                     options({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds"}}))
                     ->resolve();
    ASSERT_FALSE(found);
    EXPECT_EQ(found.error().code, common::ErrorCode::input);
}

TEST(Credentials, InstanceMetadataV2) {
    ScriptedServer server({{false, 200, {}, "imds-session-token"},
                           {false, 200, {}, "build-role\n"},
                           {false, 200, {}, creds_json("IMDS")}});
    auto o = options({});
    o.env = aws::env_of({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url()}});
    auto found = aws::imds_provider(o)->resolve();
    ASSERT_TRUE(found && *found) << (found ? "" : found.error().message);
    EXPECT_EQ((*found)->credentials.access_key_id, "IMDS");
    EXPECT_EQ((*found)->source, "instance metadata (build-role)");
    const auto requests = server.requests();
    ASSERT_EQ(requests.size(), 3u);
    EXPECT_TRUE(requests[0].starts_with("PUT /latest/api/token")) << requests[0];
    EXPECT_NE(requests[0].find("X-aws-ec2-metadata-token-ttl-seconds: 21600"), std::string::npos);
    EXPECT_TRUE(
        requests[2].starts_with("GET /latest/meta-data/iam/security-credentials/build-role"));
    EXPECT_NE(requests[2].find("X-aws-ec2-metadata-token: imds-session-token"), std::string::npos);
    EXPECT_FALSE(*aws::imds_provider(options({}))->resolve());  // disabled
}

TEST(Credentials, TheChainTakesTheFirstSourceThatHasThem) {
    ScriptedServer server({{false, 200, {}, creds_json("CONTAINER")}});
    auto source =
        aws::default_credentials(options({{"AWS_ACCESS_KEY_ID", "ENVKEY"},
                                          {"AWS_SECRET_ACCESS_KEY", "s"},
                                          {"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url()}}));
    EXPECT_EQ(source->get()->access_key_id, "ENVKEY");
    EXPECT_TRUE(server.requests().empty());
    auto none = aws::default_credentials(options({}))->get();
    ASSERT_FALSE(none);
    // Exit 4, as any other AWS failure (issue 26; was 2).
    EXPECT_EQ(none.error().code, common::ErrorCode::external);
    EXPECT_NE(none.error().message.find("no AWS credentials found"), std::string::npos);
}

TEST(Credentials, TemporaryCredentialsAreRefreshedBeforeTheyExpire) {
    using namespace std::chrono;
    ScriptedServer server({{false, 200, {}, creds_json("FIRST", "2030-01-01T00:10:00Z")},
                           {false, 200, {}, creds_json("SECOND", "2030-01-01T01:00:00Z")}});
    auto now = system_clock::from_time_t(1893456000);  // 2030-01-01T00:00:00Z
    auto o = options({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url()}});
    o.now = [&] { return now; };
    auto source = aws::default_credentials(o);
    EXPECT_EQ(source->get()->access_key_id, "FIRST");
    now += minutes(4);
    EXPECT_EQ(source->get()->access_key_id, "FIRST");  // 6 minutes left: still good
    now += minutes(2);
    EXPECT_EQ(source->get()->access_key_id, "SECOND");  // 4 minutes left: refreshed
    EXPECT_EQ(server.requests().size(), 2u);
}

TEST(Credentials, Iso8601) {
    EXPECT_EQ(aws::parse_iso8601("2030-01-01T00:10:00Z"),
              std::chrono::system_clock::from_time_t(1893456600));
    EXPECT_EQ(aws::parse_iso8601("2030-01-01T00:10:00.123Z"),
              std::chrono::system_clock::from_time_t(1893456600));
    EXPECT_FALSE(aws::parse_iso8601("soon"));
}

}  // namespace
