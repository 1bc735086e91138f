// CodeCommit's git-over-HTTPS credentials (aws/codecommit.hpp), checked against the official
// client: botocore's SigV4Auth signing the same canonical request, the way
// git-remote-codecommit calls it (its string to sign and signature for the same timestamp).
// And which URLs are CodeCommit's.
#include "aws/codecommit.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "support/git_repo.hpp"

namespace {

aws::Env env_of(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(std::string(name));
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

TEST(CodeCommit, WhichRemotesAreCodeCommit) {
    const auto none = env_of({});
    auto r = aws::codecommit_remote("https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/shop",
                                    none);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->host, "git-codecommit.eu-west-1.amazonaws.com");
    EXPECT_EQ(r->path, "/v1/repos/shop");
    EXPECT_EQ(r->region, "eu-west-1");
    r = aws::codecommit_remote("https://git-codecommit-fips.us-east-1.amazonaws.com/v1/repos/a/",
                               none);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->path, "/v1/repos/a");
    EXPECT_EQ(r->region, "us-east-1");
    EXPECT_TRUE(aws::codecommit_remote(
        "https://git-codecommit.cn-north-1.amazonaws.com.cn/v1/repos/x", none));
    EXPECT_FALSE(aws::codecommit_remote("https://github.com/acme/shop.git", none));
    EXPECT_FALSE(
        aws::codecommit_remote("ssh://git-codecommit.us-east-1.amazonaws.com/v1/repos/x", none));
    EXPECT_FALSE(
        aws::codecommit_remote("https://git-codecommit.us-east-1.evil.example/v1/repos/x", none));
    // CODE_COMMIT_ENDPOINT (as git-remote-codecommit reads it) names another host.
    const auto local =
        env_of({{"CODE_COMMIT_ENDPOINT", "localhost:8443"}, {"AWS_REGION", "us-west-2"}});
    r = aws::codecommit_remote("https://localhost:8443/v1/repos/shop", local);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->host, "localhost:8443");
    EXPECT_EQ(r->region, "us-west-2");
}

TEST(CodeCommit, CredentialsAreGitRemoteCodeCommitsSignature) {
    const aws::CodeCommitRemote remote{"git-codecommit.us-east-1.amazonaws.com", "/v1/repos/shop",
                                       "us-east-1"};
    const aws::Credentials key{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                               "TOKEN/x+y="};
    // 2024-03-05T06:07:08Z
    const auto at = std::chrono::system_clock::from_time_t(1709618828);
    const auto mine = aws::codecommit_git_credentials(remote, key, at);
    EXPECT_EQ(mine.username, "AKIDEXAMPLE%TOKEN/x+y=");
    ASSERT_TRUE(mine.password.starts_with("20240305T060708Z")) << mine.password;

    // botocore, as git_remote_codecommit.sign() calls it.
    const std::string script = R"(
import botocore.auth, botocore.awsrequest, botocore.credentials
host, path = 'git-codecommit.us-east-1.amazonaws.com', '/v1/repos/shop'
request = botocore.awsrequest.AWSRequest(method='GIT', url='https://' + host + path)
request.context['timestamp'] = '20240305T060708'
credentials = botocore.credentials.Credentials(
    'AKIDEXAMPLE', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', 'TOKEN/x+y=')
signer = botocore.auth.SigV4Auth(credentials, 'codecommit', 'us-east-1')
canonical_request = 'GIT\n' + path + '\n\nhost:' + host + '\n\nhost\n'
string_to_sign = signer.string_to_sign(request, canonical_request)
print(request.context['timestamp'] + 'Z' + signer.signature(string_to_sign, request))
)";
    auto oracle = support::run("python3 -", script);
    if (oracle.status != 0 && oracle.err.find("No module named 'botocore'") != std::string::npos &&
        !std::getenv("CI"))
        GTEST_SKIP() << "botocore is not installed";
    ASSERT_EQ(oracle.status, 0) << oracle.err;
    EXPECT_EQ(mine.password + "\n", oracle.out);

    // Long-term keys: the key id alone.
    EXPECT_EQ(aws::codecommit_git_credentials(remote, {"AKID", "s", ""}, at).username, "AKID");
}

}  // namespace
