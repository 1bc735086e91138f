// `slipway serve`'s fetch from a CodeCommit remote over real HTTPS: git http-backend behind
// TLS (support/git_https_server.py) that, like CodeCommit, answers only requests carrying
// git-remote-codecommit's SigV4-signed Basic credentials (checked there with botocore).
// CODE_COMMIT_ENDPOINT points the CodeCommit rules at it, as git-remote-codecommit allows.
// The fetch with the AWS credentials of the environment succeeds and brings what git pushed;
// a wrong secret is refused once and named; a non-CodeCommit remote gets no credentials.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "diff/remote.hpp"
#include "pipeline/git_auth.hpp"
#include "support/git_https_server.hpp"

namespace {

using support::shell_quote;

constexpr const char* k_secret = "cc-secret/key+1";

aws::Env env_of(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(std::string(name));
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

class CodeCommitFetch : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!server.available()) GTEST_SKIP() << server.why_not();
        const auto origin = (root.path() / "v1/repos/shop").string();
        ASSERT_EQ(support::run("mkdir -p " + shell_quote(root.path() / "v1/repos") +
                               " && git init -q --bare -b main " + shell_quote(origin))
                      .status,
                  0);
        dev.write("a.txt", "one\n");
        head = dev.commit("one");
        dev.git("push -q " + shell_quote(origin) + " main");
        clone.git("remote add origin " + shell_quote(server.url() + "/v1/repos/shop"));
        ::setenv("GIT_SSL_CAINFO", server.ca_file().c_str(), 1);
    }
    void TearDown() override { ::unsetenv("GIT_SSL_CAINFO"); }

    common::Result<void> fetch(const diff::CredentialProvider& credentials) {
        auto repo = diff::Repository::open(clone.path());
        if (!repo) return std::unexpected(repo.error());
        return diff::fetch(*repo, "origin", credentials);
    }
    std::map<std::string, std::string> aws_env(const std::string& secret) const {
        // The server's host as git sends it (localhost:PORT).
        return {{"CODE_COMMIT_ENDPOINT", server.url().substr(8)},
                {"AWS_REGION", "eu-west-1"},
                {"AWS_ACCESS_KEY_ID", "AKIDCODECOMMIT"},
                {"AWS_SECRET_ACCESS_KEY", secret},
                {"AWS_SESSION_TOKEN", "session/token="},
                {"AWS_EC2_METADATA_DISABLED", "true"}};
    }

    support::TempDir root;
    support::GitHttpsServer server{root.path().string(), k_secret, "eu-west-1"};
    support::GitRepo dev, clone;
    std::string head;
};

TEST_F(CodeCommitFetch, SignedCredentialsFromTheAwsChainFetch) {
    auto done = fetch(pipeline::git_credentials(env_of(aws_env(k_secret))));
    ASSERT_TRUE(done) << done.error().message << "\n" << server.requests();
    EXPECT_EQ(clone.git("rev-parse refs/remotes/origin/main"), head + "\n");
    EXPECT_NE(server.requests().find("GET /v1/repos/shop/info/refs 200"), std::string::npos)
        << server.requests();
}

TEST_F(CodeCommitFetch, AWrongSecretIsRefusedAndNamed) {
    auto done = fetch(pipeline::git_credentials(env_of(aws_env("not-the-secret"))));
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().message, "fetching remote 'origin': the remote refused the credentials");
    EXPECT_EQ(done.error().code, common::ErrorCode::external);
    // No credentials at all: the chain's error, exit 4, nothing fetched.
    auto none =
        fetch(pipeline::git_credentials(env_of({{"CODE_COMMIT_ENDPOINT", server.url().substr(8)},
                                                {"AWS_REGION", "eu-west-1"},
                                                {"AWS_EC2_METADATA_DISABLED", "true"},
                                                {"HOME", root.path().string()}})));
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().message.find("no AWS credentials found"), std::string::npos)
        << none.error().message;
    EXPECT_EQ(none.error().code, common::ErrorCode::external);
}

TEST_F(CodeCommitFetch, OtherRemotesGetNoCredentials) {
    // Without CODE_COMMIT_ENDPOINT the server is not CodeCommit: nothing is sent, 401.
    auto done = fetch(pipeline::git_credentials(
        env_of({{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", k_secret}})));
    ASSERT_FALSE(done);
    EXPECT_EQ(server.requests().find(" 200"), std::string::npos) << server.requests();
}

}  // namespace
