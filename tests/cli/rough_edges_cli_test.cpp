// The rough edges a new user hit in their first hour (issue 26 §4), each on the real binary:
// read commands on a store that does not exist, an unknown environment, outside a
// repository; a mistyped option named before "--env is required"; CLI11's raw messages;
// usage lines; a missing manifest; missing AWS credentials; SLIPWAY_STORE in the help;
// reconcile --json.
#include <fstream>

#include "cli_fixture.hpp"

namespace {

using cli_test::expect_one_line_error;
using cli_test::slipway;
using support::shell_quote;

constexpr const char* k_manifest = R"(image: {repository: repo}
components:
  inference-service: {paths: [svc/], parameter: SvcImage, build: "true"}
environments:
  test: {stack: shop-test, template: t.yml}
  prod: {stack: shop-prod, template: t.yml}
)";

class RoughEdges : public ::testing::Test {
  protected:
    void SetUp() override {
        repo.write("slipway.yml", k_manifest);
        repo.write("svc/main.py", "x\n");
        repo.write("t.yml", "Parameters: {SvcImage: {Type: String}}\nResources: {}\n");
        repo.commit("init");
        ASSERT_EQ(in_repo("store init").status, 0);
    }
    support::CommandResult in_repo(const std::string& args) {
        return slipway(args + " --repo " + shell_quote(repo.path()));
    }
    support::GitRepo repo;
};

TEST_F(RoughEdges, AStoreThatDoesNotExistIsAnErrorForEveryReadCommand) {
    for (const char* command : {"status", "history inference-service", "diffs HEAD"}) {
        auto r = in_repo(std::string(command) + " --store sqlite:.slipway/stat.db");
        expect_one_line_error(r, 2, "the version store sqlite:.slipway/stat.db does not exist");
    }
    EXPECT_FALSE(std::filesystem::exists(repo.path() / ".slipway/stat.db"));
    EXPECT_EQ(in_repo("status").status, 0);  // the one that exists
}

TEST_F(RoughEdges, AnUnknownEnvironmentOrComponentIsNamed) {
    expect_one_line_error(in_repo("status --env nope"), 2,
                          "unknown environment 'nope'; environments: test, prod");
    expect_one_line_error(in_repo("history inference-service --env tset"), 2,
                          "unknown environment 'tset' (did you mean 'test'?)");
    expect_one_line_error(in_repo("history inferenc"), 2,
                          "unknown component 'inferenc' (did you mean 'inference-service'?)");
}

TEST_F(RoughEdges, OutsideARepositoryStatusHasNothingToRead) {
    support::TempDir empty;
    auto r = support::run("cd " + shell_quote(empty.path()) + " && " +
                          shell_quote(support::slipway_binary()) + " status");
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("no manifest and no store to read (give --repo, --manifest or --store)"),
              std::string::npos)
        << r.err;
}

TEST_F(RoughEdges, AMistypedOptionIsNamedWithASuggestion) {
    expect_one_line_error(in_repo("run --envv test"), 2,
                          "unknown option '--envv' (did you mean '--env'?): see 'slipway run "
                          "--help'");
    expect_one_line_error(in_repo("validate extra words"), 2,
                          "unexpected arguments 'extra words': see 'slipway validate --help'");
    expect_one_line_error(in_repo("validate extra"), 2, "unexpected argument 'extra'");
    // Known options still parse (values that look like options included).
    EXPECT_EQ(in_repo("validate --json").status, 0);
}

TEST_F(RoughEdges, UsageNamesSlipwayAndNoValidators) {
    for (const char* command : {"run", "serve", "status"}) {
        auto r = slipway(std::string(command) + " --help");
        ASSERT_EQ(r.status, 0) << r.err;
        EXPECT_TRUE(r.out.starts_with("slipway: ") ||
                    r.out.find("Usage: slipway " + std::string(command)) != std::string::npos)
            << r.out;
        EXPECT_EQ(r.out.find(support::slipway_binary()), std::string::npos) << r.out;
        for (const char* validator : {"NONNEGATIVE", "POSITIVE", ":INT in [", "RANGE"})
            EXPECT_EQ(r.out.find(validator), std::string::npos) << validator << "\n" << r.out;
    }
    EXPECT_NE(slipway("status --help").out.find("$SLIPWAY_STORE"), std::string::npos);
}

// A number option out of its range says so in one line, not with CLI11's printed double range.
TEST_F(RoughEdges, ANumberOptionOutOfRangeIsNamed) {
    expect_one_line_error(slipway("serve --claim-ttl 0"), 2,
                          "--claim-ttl: '0' is not a whole number above 0");
    expect_one_line_error(slipway("serve --grace -1"), 2,
                          "--grace: '-1' is not a whole number of at least 0");
    expect_one_line_error(slipway("serve --max-connections 2.5"), 2,
                          "--max-connections: '2.5' is not a whole number above 0");
}

TEST_F(RoughEdges, AMissingManifestSuggestsInit) {
    support::GitRepo bare;
    bare.write("a.txt", "x\n");
    bare.commit("no manifest");
    expect_one_line_error(slipway("validate --repo " + shell_quote(bare.path())), 2,
                          "no such file (write one with 'slipway init', or give --manifest)");
}

TEST_F(RoughEdges, MissingAwsCredentialsAreAnOutsideFailure) {
    support::TempDir home;
    auto r = support::run("env -i PATH=\"$PATH\" HOME=" + shell_quote(home.path()) +
                          " AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1 " +
                          shell_quote(support::slipway_binary()) +
                          " store init --store 'dynamodb://t?region=us-east-1'");
    EXPECT_EQ(r.status, 4) << r.err;
    EXPECT_NE(r.err.find("no AWS credentials found"), std::string::npos) << r.err;
}

TEST_F(RoughEdges, ReconcileSpeaksJson) {
    auto r = in_repo("reconcile --json");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out,
              "{\"environments\":[{\"env\":\"test\",\"results\":[\"test: nothing pending\"]},"
              "{\"env\":\"prod\",\"results\":[\"prod: nothing pending\"]}]}\n");
}

}  // namespace
