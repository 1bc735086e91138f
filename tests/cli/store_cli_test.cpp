// `slipway store init` and builds recorded in DynamoDB (moto), checked with the aws CLI.
#include "cli_fixture.hpp"
#include "support/moto.hpp"

namespace {

using cli_test::expect_one_line_error;
using support::shell_quote;

TEST(StoreCli, BuildsOnADynamoDbStore) {
    support::MotoServer moto;
    if (!moto.available()) GTEST_SKIP() << moto.why_not();
    if (!support::have_tools("aws")) GTEST_SKIP() << "the aws CLI is not installed";
    support::GitRepo repo;
    repo.write("slipway.yml",
               "image: {repository: reg.example/app}\ncomponents:\n"
               "  api: {paths: [api/], parameter: Api, build: 'echo built'}\n");
    repo.write("api/main.py", "x\n");
    repo.commit("init");
    const std::string env =
        "AWS_ENDPOINT_URL=" + moto.url() +
        " AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=secret AWS_EC2_METADATA_DISABLED=true"
        " AWS_DEFAULT_REGION=us-east-1 ";
    const std::string slipway = env + shell_quote(support::slipway_binary());
    const std::string store = " --store dynamodb://team-builds --repo " + shell_quote(repo.path());

    auto missing = support::run(slipway + " build --all" + store);
    expect_one_line_error(
        missing, 2,
        "the DynamoDB table 'team-builds' does not exist: create it with 'slipway store init'");
    auto init = support::run(slipway + " store init" + store);
    ASSERT_EQ(init.status, 0) << init.err;
    EXPECT_EQ(init.out, "DynamoDB table 'team-builds' in us-east-1 is ready\n");
    ASSERT_EQ(support::run(slipway + " build --all --no-reuse" + store).status, 0);
    auto second = support::run(slipway + " build --all --no-reuse" + store);
    ASSERT_EQ(second.status, 0) << second.err;
    EXPECT_NE(second.out.find("api                      succeeded   #2"), std::string::npos)
        << second.out;

    // The aws CLI sees the counter and both build rows.
    auto counter = support::run(env +
                                "aws dynamodb get-item --table-name team-builds --key "
                                "'{\"pk\":{\"S\":\"C#api\"},\"sk\":{\"S\":\"C\"}}' --output json");
    ASSERT_EQ(counter.status, 0) << counter.err;
    EXPECT_NE(counter.out.find("\"last_build\": {\n            \"N\": \"2\""), std::string::npos)
        << counter.out;
    auto rows = support::run(
        env +
        "aws dynamodb query --table-name team-builds --key-condition-expression 'pk = :p' "
        "--expression-attribute-values '{\":p\":{\"S\":\"B#api\"}}' --query Count");
    EXPECT_EQ(rows.out, "2\n") << rows.err;
    auto history = support::run(slipway + " history api --json" + store);
    EXPECT_NE(history.out.find(R"("build_number":2)"), std::string::npos) << history.out;
}

}  // namespace
