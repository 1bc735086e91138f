// What `run` and `deploy` tell the CI system and scripts, end to end against moto_server:
// GitHub's summary, output file and annotations (the variables pointed at temp files, as the
// runner does), CodeBuild's outputs.env (sourced with sh), --json and --json-report - (stdout
// holds only the document), the plan as JSON, and the stack's outputs after a deploy.
#include <fstream>

#include "run_fixture.hpp"

namespace {

using run_test::RunCliSmall;
using support::shell_quote;

constexpr const char* k_shop = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:";

std::string read(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

rapidjson::Document parse(const std::string& text) {
    rapidjson::Document d;
    d.Parse(text.c_str());
    EXPECT_FALSE(d.HasParseError()) << text;
    return d;
}

class CiCli : public RunCliSmall {
  protected:
    std::string github_env() const {
        return "GITHUB_ACTIONS=true GITHUB_SERVER_URL=https://github.com "
               "GITHUB_REPOSITORY=acme/shop GITHUB_STEP_SUMMARY=" +
               shell_quote((out.path() / "summary.md").string()) +
               " GITHUB_OUTPUT=" + shell_quote((out.path() / "output").string()) + " ";
    }
};

TEST_F(CiCli, GithubActionsGetsTheSummaryOutputsAndAnnotations) {
    repo.write("api/main.py", "v2\n");
    const std::string head = repo.commit("api v2");
    auto ok = slipway("run --env test -q", github_env());
    ASSERT_EQ(ok.status, 0) << ok.out << ok.err;
    EXPECT_EQ(read(out.path() / "output"), "affected=api\ndeployed=true\ndeployment_id=2\n");
    const std::string md = read(out.path() / "summary.md");
    EXPECT_NE(md.find("### slipway run · test: deployed"), std::string::npos) << md;
    EXPECT_NE(md.find("| api | succeeded | #2 | changed | `" + std::string(k_shop) + "api-2` |"),
              std::string::npos)
        << md;
    EXPECT_NE(md.find("](https://github.com/acme/shop/commit/" + head + ")"), std::string::npos)
        << md;
    EXPECT_NE(md.find("| Api | " + std::string(k_shop) + "api-2 |"), std::string::npos) << md;
    EXPECT_EQ(ok.out.find("::error"), std::string::npos);

    // A failed build: an annotation naming the component and its exit code; appended outputs.
    repo.write("api/main.py", "v3\n");
    repo.commit("api v3");
    repo.write("fail-api", "");
    auto failed = slipway("run --env test -q", github_env());
    EXPECT_EQ(failed.status, 1) << failed.out << failed.err;
    EXPECT_NE(failed.out.find("::error title=slipway%3A build of api failed::api: build #3 "
                              "failed with exit code 3 (log: "),
              std::string::npos)
        << failed.out;
    EXPECT_NE(failed.out.find("%0Aapi: broken"), std::string::npos) << failed.out;  // log's end
    EXPECT_EQ(read(out.path() / "output"),
              "affected=api\ndeployed=true\ndeployment_id=2\n"
              "affected=api\ndeployed=false\ndeployment_id=\n");
    EXPECT_NE(read(out.path() / "summary.md").find("### slipway run · test: build-failed"),
              std::string::npos);
}

TEST_F(CiCli, CodeBuildGetsAFileTheBuildspecSources) {
    repo.write("web/main.py", "v2\n");
    repo.commit("web v2");
    auto r = slipway("run --env test -q", "CODEBUILD_BUILD_ID=shop:7 ");
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    // As manifests/buildspec.yml's `finally` does it.
    auto sourced = support::run("cd " + shell_quote(repo.path().string()) +
                                " && set -a && . ./.slipway/outputs.env && set +a && sh -c 'echo "
                                "$SLIPWAY_AFFECTED/$SLIPWAY_DEPLOYED/$SLIPWAY_DEPLOYMENT_ID'");
    EXPECT_EQ(sourced.out, "web/true/2\n") << sourced.err;
    EXPECT_EQ(repo.git("status --porcelain"), "");  // .slipway/ ignores itself
}

TEST_F(CiCli, DeployPrintsTheStacksOutputsAndJson) {
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    ASSERT_EQ(slipway("build -q --only api").status, 0);
    auto r = slipway("deploy --env test --latest --yes --json");
    ASSERT_EQ(r.status, 0) << r.err;
    auto d = parse(r.out);  // stdout: the report and nothing else
    EXPECT_STREQ(d["kind"].GetString(), "deploy");
    EXPECT_STREQ(d["result"].GetString(), "deployed");
    EXPECT_EQ(d["deployment_id"].GetInt(), 2);
    EXPECT_EQ(std::string(d["outputs"]["Api"].GetString()), std::string(k_shop) + "api-2");
    EXPECT_TRUE(d["failed_resources"].IsArray());
    EXPECT_NE(r.err.find("recorded deployment #2 to test\noutputs:\n  Api"), std::string::npos)
        << r.err;  // the text went to stderr
    EXPECT_EQ(stack("shop-test")["output:Api"], std::string(k_shop) + "api-2");

    // On a terminal-less stdout without --json: the outputs follow the result line.
    repo.write("api/main.py", "v3\n");
    repo.commit("api v3");
    auto text = slipway("run --env test -q");
    ASSERT_EQ(text.status, 0) << text.err;
    EXPECT_NE(
        text.out.find("outputs:\n  Api                      " + std::string(k_shop) + "api-3\n"),
        std::string::npos)
        << text.out;

    // rollback (and promote: the same options and code) report the same way.
    auto rolled = slipway("rollback --env test --to 1 --yes --json --reason back");
    ASSERT_EQ(rolled.status, 0) << rolled.err;
    auto back = parse(rolled.out);
    EXPECT_STREQ(back["kind"].GetString(), "rollback");
    EXPECT_STREQ(back["result"].GetString(), "deployed");
    EXPECT_EQ(std::string(back["outputs"]["Api"].GetString()), std::string(k_shop) + "api-1");
    EXPECT_NE(slipway("promote --help").out.find("--json "), std::string::npos);
}

TEST_F(CiCli, ThePlanAsJsonOnStdout) {
    repo.write("web/main.py", "v2\n");
    repo.commit("web v2");
    auto r = slipway("run --env test --plan --json-report -");
    ASSERT_EQ(r.status, 0) << r.err;
    auto d = parse(r.out);
    EXPECT_STREQ(d["result"].GetString(), "planned");
    EXPECT_TRUE(d["touches_stack"].GetBool());
    ASSERT_EQ(d["affected"].Size(), 1u);
    EXPECT_STREQ(d["affected"][0].GetString(), "web");
    ASSERT_EQ(d["builds"].Size(), 1u);
    EXPECT_EQ(d["builds"][0]["build_number"].GetInt(), 2);
    EXPECT_EQ(std::string(d["builds"][0]["image_uri"].GetString()), std::string(k_shop) + "web-2");
    EXPECT_FALSE(d["builds"][0]["reused"].GetBool());
    ASSERT_EQ(d["changed_parameters"].Size(), 1u);
    EXPECT_STREQ(d["changed_parameters"][0].GetString(), "WebImage");
    EXPECT_NE(r.err.find("would build web"), std::string::npos) << r.err;
    EXPECT_EQ(sql("SELECT count(*) FROM builds WHERE component = 'web'"), "1\n");  // none built

    // The run's report on stdout the same way.
    auto run = slipway("run --env test -q --json-report -");
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_STREQ(parse(run.out)["result"].GetString(), "deployed");
    EXPECT_NE(run.err.find("component"), std::string::npos);  // the table, on stderr
    auto both = slipway("run --env test --json-report - --junit -");
    EXPECT_EQ(both.status, 2);
    EXPECT_EQ(both.out, "");
}

}  // namespace
