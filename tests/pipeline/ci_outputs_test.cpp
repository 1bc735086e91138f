// What a command tells GitHub Actions and CodeBuild (pipeline/ci_outputs.hpp): the values,
// GitHub's output-file form (multi-line values included), the shell file CodeBuild sources
// (checked by sourcing it with sh), the Markdown summary and the workflow commands.
#include "pipeline/ci_outputs.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/git_repo.hpp"

namespace {

using pipeline::RunSummary;
using pipeline::SummaryRow;

RunSummary deployed() {
    RunSummary s;
    s.run_id = "20261122T010203-abcdef";
    s.kind = "run";
    s.env = "test";
    s.stack = "shop-test";
    s.result = "deployed";
    s.head = "0123456789abcdef0123456789abcdef01234567";
    s.base = "fedcba9876543210fedcba9876543210fedcba98";
    s.base_reason = "the commit of test's last succeeded deployment #3";
    s.deployment_id = 4;
    s.stack_status = "UPDATE_COMPLETE";
    s.phases = {{"select", 100}, {"build", 2'000}, {"deploy", 61'000}};
    SummaryRow api;
    api.component = "api";
    api.kind = "image";
    api.status = "succeeded";
    api.build_number = 2;
    api.image_uri = "repo:api-2";
    api.parameter = "ApiImage";
    api.parameter_changed = true;
    api.built = true;
    api.reason = "api/main.py";
    SummaryRow web = api;
    web.component = "web";
    web.status = "unchanged";
    web.parameter_changed = false;
    web.built = false;
    web.reason = "";
    SummaryRow lib;
    lib.component = "lib|x";
    lib.kind = "library";
    lib.status = "affected";
    s.rows = {api, lib, web};
    s.outputs = {{"Api", "repo:api-2"}};
    return s;
}

std::string read(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST(CiOutputs, ValuesNameTheAffectedComponentsAndTheDeployment) {
    EXPECT_EQ(pipeline::ci_values(deployed()),
              (pipeline::CiValues{
                  {"affected", "api,lib|x"}, {"deployed", "true"}, {"deployment_id", "4"}}));
    RunSummary up = deployed();
    up.result = "up-to-date";
    up.deployment_id = 0;
    up.rows.clear();
    EXPECT_EQ(pipeline::ci_values(up),
              (pipeline::CiValues{{"affected", ""}, {"deployed", "false"}, {"deployment_id", ""}}));
}

TEST(CiOutputs, GithubOutputUsesADelimiterForMultiLineValues) {
    EXPECT_EQ(pipeline::github_output({{"affected", "api,web"}, {"deployed", "true"}}),
              "affected=api,web\ndeployed=true\n");
    EXPECT_EQ(pipeline::github_output({{"notes", "one\ntwo SLIPWAY_EOF"}}),
              "notes<<SLIPWAY_EOF_1\none\ntwo SLIPWAY_EOF\nSLIPWAY_EOF_1\n");
}

TEST(CiOutputs, TheEnvFileIsWhatShReadsBack) {
    support::TempDir dir;
    const auto file = dir.path() / "outputs.env";
    std::ofstream(file) << pipeline::env_file(
        {{"affected", "it's $HOME `x`"}, {"deployed", "true"}, {"deployment_id", ""}});
    auto r = support::run("set -a; . " + support::shell_quote(file.string()) +
                          "; printf '%s|%s|%s' \"$SLIPWAY_AFFECTED\" \"$SLIPWAY_DEPLOYED\" "
                          "\"${SLIPWAY_DEPLOYMENT_ID-unset}\"");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "it's $HOME `x`|true|");
}

TEST(CiOutputs, CommitsLinkToTheManifestsUrlElseGithubs) {
    const std::map<std::string, std::string> gh = {{"GITHUB_SERVER_URL", "https://github.com"},
                                                   {"GITHUB_REPOSITORY", "acme/shop"}};
    EXPECT_EQ(pipeline::commit_url("", gh, "abc"), "https://github.com/acme/shop/commit/abc");
    EXPECT_EQ(pipeline::commit_url("https://git.example.com/shop/-/commit/{commit}?x={commit}", gh,
                                   "abc"),
              "https://git.example.com/shop/-/commit/abc?x=abc");
    EXPECT_EQ(pipeline::commit_url("", {}, "abc"), "");
}

TEST(CiOutputs, TheStepSummaryHasTheTableLinksAndOutputs) {
    const std::string md = pipeline::step_summary(
        deployed(), "",
        {{"GITHUB_SERVER_URL", "https://github.com"}, {"GITHUB_REPOSITORY", "a/b"}});
    EXPECT_TRUE(md.starts_with("### slipway run · test: deployed\n\n")) << md;
    EXPECT_NE(md.find("| api | succeeded | #2 | changed | `repo:api-2` |\n"), std::string::npos)
        << md;
    EXPECT_NE(md.find("| lib\\|x | affected | - | - | - |\n"), std::string::npos) << md;
    EXPECT_NE(md.find("head [`0123456789ab`](https://github.com/a/b/commit/"
                      "0123456789abcdef0123456789abcdef01234567)"),
              std::string::npos)
        << md;
    EXPECT_NE(md.find("deployment #4 · stack `shop-test` UPDATE_COMPLETE · select 0.1s, build "
                      "2.0s, deploy 1m01s"),
              std::string::npos)
        << md;
    EXPECT_NE(md.find("| Api | repo:api-2 |"), std::string::npos) << md;
}

TEST(CiOutputs, FailuresAreEscapedWorkflowCommands) {
    RunSummary s = deployed();
    s.rows[0].status = "failed";
    s.rows[0].exit_code = 3;
    s.rows[0].log_path = "/logs/api.log";
    s.rows[0].log_tail = "50% done\nboom";
    s.result = "build-failed";
    auto lines = pipeline::error_annotations(s);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0],
              "::error title=slipway%3A build of api failed::api: build #2 failed with exit code "
              "3 (log: /logs/api.log)%0A50%25 done%0Aboom");
    s = deployed();
    s.result = "deploy-failed";
    s.stack_status = "UPDATE_ROLLBACK_COMPLETE";
    s.failed_resources = {{"Catalog", "AWS::SSM::Parameter", "UPDATE_FAILED", "denied, sorry"}};
    lines = pipeline::error_annotations(s);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0],
              "::error title=slipway%3A run of test failed::stack shop-test: Catalog "
              "(AWS::SSM::Parameter) UPDATE_FAILED: denied, sorry");
    s.failed_resources.clear();
    EXPECT_EQ(pipeline::error_annotations(s),
              std::vector<std::string>{"::error title=slipway%3A run of test failed::stack "
                                       "shop-test ended UPDATE_ROLLBACK_COMPLETE"});
}

TEST(CiOutputs, WritesTheFilesTheEnvironmentNames) {
    support::TempDir dir;
    const auto summary = dir.path() / "summary.md";
    const auto output = dir.path() / "output";
    std::ofstream(output) << "earlier=1\n";
    std::map<std::string, std::string> env = {{"GITHUB_STEP_SUMMARY", summary.string()},
                                              {"GITHUB_OUTPUT", output.string()},
                                              {"CODEBUILD_BUILD_ID", "shop:1"}};
    std::vector<std::string> warnings;
    auto lines = pipeline::write_ci_outputs(deployed(), "", env, dir.path().string(), warnings);
    EXPECT_TRUE(lines.empty());  // annotations only under GITHUB_ACTIONS=true
    EXPECT_TRUE(warnings.empty());
    EXPECT_EQ(read(output), "earlier=1\naffected=api,lib|x\ndeployed=true\ndeployment_id=4\n");
    EXPECT_TRUE(read(summary).starts_with("### slipway run"));
    EXPECT_EQ(read(dir.path() / ".slipway/outputs.env"),
              "SLIPWAY_AFFECTED='api,lib|x'\nSLIPWAY_DEPLOYED='true'\nSLIPWAY_DEPLOYMENT_ID='4'\n");
    env["GITHUB_OUTPUT"] = (dir.path() / "missing/dir/output").string();
    env["GITHUB_ACTIONS"] = "true";
    auto failed = deployed();
    failed.message = "lost the lease";
    lines = pipeline::write_ci_outputs(failed, "", env, dir.path().string(), warnings);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("($GITHUB_OUTPUT)"), std::string::npos) << warnings[0];
    EXPECT_EQ(lines,
              std::vector<std::string>{"::error title=slipway%3A run of test::lost the lease"});
}

}  // namespace
