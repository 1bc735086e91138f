// The AWS client end to end against moto_server in its signature-checking mode: the first
// three requests (IAM CreateUser, PutUserPolicy, CreateAccessKey) go unchecked; every later
// request is verified by recomputing its signature with botocore's signer, so a wrong
// signature fails these tests.
#include <gtest/gtest.h>

#include <fstream>
#include <pugixml.hpp>

#include "aws/credentials.hpp"
#include "aws/crypto.hpp"
#include "support/git_repo.hpp"
#include "support/moto.hpp"
#include "support/scripted_server.hpp"

namespace {

constexpr const char* k_admin_policy =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})";

std::string xml_value(const std::string& xml, const char* xpath) {
    pugi::xml_document doc;
    doc.load_string(xml.c_str());
    return doc.select_node(xpath).node().child_value();
}

aws::Client client_for(const support::MotoServer& moto,
                       std::shared_ptr<aws::CredentialSource> credentials) {
    aws::ClientOptions o;
    o.env = aws::env_of({{"AWS_ENDPOINT_URL", moto.url()}});
    o.region = "us-east-1";
    o.credentials = std::move(credentials);
    o.sleep = [](auto) {};
    return aws::Client(o);
}

class MotoAuth : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        moto = std::make_unique<support::MotoServer>(
            std::map<std::string, std::string>{{"INITIAL_NO_AUTH_ACTION_COUNT", "3"}});
        if (!moto->available()) return;
        // Unchecked: make a user with every permission and an access key.
        auto bootstrap =
            client_for(*moto, aws::static_credentials({"AKIDBOOTSTRAP", "bootstrap", ""}));
        const std::string v = "2010-05-08";
        ASSERT_TRUE(bootstrap.query(aws::iam_service(), {"CreateUser", "iam:CreateUser"}, v,
                                    {{"UserName", "slipway"}}));
        ASSERT_TRUE(bootstrap.query(
            aws::iam_service(), {"PutUserPolicy", "iam:PutUserPolicy"}, v,
            {{"UserName", "slipway"}, {"PolicyName", "all"}, {"PolicyDocument", k_admin_policy}}));
        auto key = bootstrap.query(aws::iam_service(), {"CreateAccessKey", "iam:CreateAccessKey"},
                                   v, {{"UserName", "slipway"}});
        ASSERT_TRUE(key) << key.error().message;
        user = {xml_value(*key, "//AccessKeyId"), xml_value(*key, "//SecretAccessKey"), ""};
    }
    static void TearDownTestSuite() { moto.reset(); }
    void SetUp() override {
        if (!moto->available()) GTEST_SKIP() << moto->why_not();
    }
    static inline std::unique_ptr<support::MotoServer> moto;
    static inline aws::Credentials user;
};

TEST_F(MotoAuth, SignedCallsAreAccepted) {
    auto sts = client_for(*moto, aws::static_credentials(user));
    auto who = sts.query(aws::sts_service(), {"GetCallerIdentity", "sts:GetCallerIdentity"},
                         "2011-06-15", {});
    ASSERT_TRUE(who) << who.error().message;
    EXPECT_EQ(xml_value(*who, "//Arn"), "arn:aws:iam::123456789012:user/slipway");
}

TEST_F(MotoAuth, AWrongSecretIsRefusedWithoutRetrying) {
    auto wrong = user;
    wrong.secret_access_key = "not-the-secret";
    auto sts = client_for(*moto, aws::static_credentials(wrong));
    auto who = sts.query(aws::sts_service(), {"GetCallerIdentity", "sts:GetCallerIdentity"},
                         "2011-06-15", {});
    ASSERT_FALSE(who);
    EXPECT_EQ(sts.last_attempts(), 1);
    EXPECT_NE(who.error().message.find("sts GetCallerIdentity: SignatureDoesNotMatch"),
              std::string::npos)
        << who.error().message;
    EXPECT_EQ(who.error().message.find("not-the-secret"), std::string::npos);
}

TEST_F(MotoAuth, JsonProtocolCallsAreSignedToo) {
    auto dynamodb = client_for(*moto, aws::static_credentials(user));
    auto tables = dynamodb.json(aws::dynamodb_service(), "DynamoDB_20120810",
                                {"ListTables", "dynamodb:ListTables"}, "{}");
    ASSERT_TRUE(tables) << tables.error().message;
    EXPECT_NE(tables->find("TableNames"), std::string::npos) << *tables;
    auto wrong = user;
    wrong.secret_access_key = "nope";
    auto refused = client_for(*moto, aws::static_credentials(wrong))
                       .json(aws::dynamodb_service(), "DynamoDB_20120810",
                             {"ListTables", "dynamodb:ListTables"}, "{}");
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("dynamodb ListTables:"), std::string::npos)
        << refused.error().message;
}

TEST_F(MotoAuth, SessionCredentialsSignWithTheirToken) {
    auto base = aws::static_credentials(user);
    aws::ChainOptions o;
    o.env = aws::env_of({{"AWS_ENDPOINT_URL", moto->url()}});
    auto role = aws::assume_role(base, "arn:aws:iam::123456789012:role/deployer", o);
    auto creds = role->get();
    ASSERT_TRUE(creds) << creds.error().message;
    EXPECT_FALSE(creds->session_token.empty());
    auto sts = client_for(*moto, role);
    auto who = sts.query(aws::sts_service(), {"GetCallerIdentity", "sts:GetCallerIdentity"},
                         "2011-06-15", {});
    ASSERT_TRUE(who) << who.error().message;
    EXPECT_NE(xml_value(*who, "//Arn").find("assumed-role/deployer/slipway"), std::string::npos)
        << *who;
}

TEST_F(MotoAuth, ProfileWithRoleArnAndSourceProfile) {
    support::TempDir dir;
    const auto config = (dir.path() / "config").string();
    std::ofstream(config) << "[profile base]\naws_access_key_id = " << user.access_key_id
                          << "\naws_secret_access_key = " << user.secret_access_key
                          << "\n[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/ci\n"
                          << "source_profile = base\nrole_session_name = ci-run\n";
    aws::ChainOptions o;
    o.env = aws::env_of({{"AWS_ENDPOINT_URL", moto->url()},
                         {"AWS_CONFIG_FILE", config},
                         {"AWS_PROFILE", "deploy"},
                         {"AWS_EC2_METADATA_DISABLED", "true"},
                         {"HOME", "/nonexistent"}});
    auto chain = aws::default_credentials(o);
    auto sts = client_for(*moto, chain);
    auto who = sts.query(aws::sts_service(), {"GetCallerIdentity", "sts:GetCallerIdentity"},
                         "2011-06-15", {});
    ASSERT_TRUE(who) << who.error().message;
    EXPECT_NE(xml_value(*who, "//Arn").find("assumed-role/ci/ci-run"), std::string::npos) << *who;
}

// The IAM Identity Center portal (scripted, checking nothing moto could) hands out the
// user's keys; moto then verifies that requests are signed with exactly those.
TEST_F(MotoAuth, SsoProfileCredentialsSignRequests) {
    support::ScriptedServer portal(
        {{false,
          200,
          {},
          R"({"roleCredentials": {"accessKeyId": ")" + user.access_key_id +
              R"(", "secretAccessKey": ")" + user.secret_access_key +
              R"(", "sessionToken": "", "expiration": 4102444800000}})"}});
    support::TempDir home;
    std::filesystem::create_directories(home.path() / ".aws" / "sso" / "cache");
    std::ofstream(home.path() / ".aws" / "config")
        << "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\n"
           "sso_role_name = Admin\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/"
           "start\nsso_region = us-east-1\n";
    std::ofstream(home.path() / ".aws" / "sso" / "cache" / (aws::sha1_hex("corp") + ".json"))
        << R"({"accessToken": "portal-token", "expiresAt": "2099-01-01T00:00:00Z"})";
    aws::ChainOptions o;
    o.env = aws::env_of({{"HOME", home.path().string()},
                         {"AWS_PROFILE", "dev"},
                         {"AWS_ENDPOINT_URL_SSO", portal.url()},
                         {"AWS_EC2_METADATA_DISABLED", "true"}});
    auto sts = client_for(*moto, aws::default_credentials(o));
    auto who = sts.query(aws::sts_service(), {"GetCallerIdentity", "sts:GetCallerIdentity"},
                         "2011-06-15", {});
    ASSERT_TRUE(who) << who.error().message;
    EXPECT_EQ(xml_value(*who, "//Arn"), "arn:aws:iam::123456789012:user/slipway");
    EXPECT_NE(portal.requests().at(0).find("x-amz-sso_bearer_token: portal-token\r\n"),
              std::string::npos);
}

TEST_F(MotoAuth, CredentialProcessCredentialsSignRequests) {
    support::TempDir dir;
    const auto script = dir.path() / "helper";
    std::ofstream(script) << "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \""
                          << user.access_key_id << "\", \"SecretAccessKey\": \""
                          << user.secret_access_key << "\"}'\n";
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    std::ofstream(dir.path() / "config")
        << "[profile tool]\ncredential_process = " << script.string() << "\n";
    aws::ChainOptions o;
    o.env = aws::env_of({{"HOME", "/nonexistent"},
                         {"AWS_CONFIG_FILE", (dir.path() / "config").string()},
                         {"AWS_PROFILE", "tool"},
                         {"AWS_EC2_METADATA_DISABLED", "true"}});
    auto sts = client_for(*moto, aws::default_credentials(o));
    auto who = sts.query(aws::sts_service(), {"GetCallerIdentity", "sts:GetCallerIdentity"},
                         "2011-06-15", {});
    ASSERT_TRUE(who) << who.error().message;
    EXPECT_EQ(xml_value(*who, "//Arn"), "arn:aws:iam::123456789012:user/slipway");
    // The same helper printing another secret: moto refuses the signature.
    std::ofstream(script) << "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \""
                          << user.access_key_id << "\", \"SecretAccessKey\": \"wrong\"}'\n";
    auto refused = client_for(*moto, aws::default_credentials(o))
                       .query(aws::sts_service(), {"GetCallerIdentity", "sts:GetCallerIdentity"},
                              "2011-06-15", {});
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("SignatureDoesNotMatch"), std::string::npos)
        << refused.error().message;
}

TEST(MotoWebIdentity, TokenFileIsExchangedWithSts) {
    support::MotoServer moto;
    if (!moto.available()) GTEST_SKIP() << moto.why_not();
    support::TempDir dir;
    const auto token = (dir.path() / "token").string();
    std::ofstream(token) << "eyJhbGciOi.github-oidc-token.sig\n";
    aws::ChainOptions o;
    o.env = aws::env_of({{"AWS_ENDPOINT_URL", moto.url()},
                         {"AWS_WEB_IDENTITY_TOKEN_FILE", token},
                         {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/github"},
                         {"AWS_ROLE_SESSION_NAME", "gha"}});
    auto found = aws::web_identity_provider(o)->resolve();
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_TRUE(*found);
    EXPECT_FALSE((*found)->credentials.access_key_id.empty());
    EXPECT_FALSE((*found)->credentials.session_token.empty());
    EXPECT_TRUE((*found)->expires);
}

}  // namespace
