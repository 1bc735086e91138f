// The pure parts of `slipway run`: the trigger from CI variables, the choice of base, and
// the report's JSON and JUnit forms.
#include "cli/run_report.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <pugixml.hpp>

namespace {

using cli::choose_base;
using cli::detect_trigger;

TEST(Trigger, CodeBuildNamesTheBuildTheCommitAndTheWebhook) {
    auto t = detect_trigger({{"CODEBUILD_BUILD_ID", "ml-training-test:0c1f"},
                             {"CODEBUILD_BUILD_NUMBER", "42"},
                             {"CODEBUILD_RESOLVED_SOURCE_VERSION", "abc123"},
                             {"CODEBUILD_WEBHOOK_EVENT", "PULL_REQUEST_MERGED"},
                             {"CODEBUILD_WEBHOOK_TRIGGER", "pr/7"},
                             {"CODEBUILD_WEBHOOK_HEAD_REF", "refs/heads/feature"},
                             {"CODEBUILD_WEBHOOK_BASE_REF", "refs/heads/dev"},
                             {"GITHUB_RUN_ID", "99"}});
    EXPECT_EQ(t.name, "codebuild:ml-training-test:0c1f");
    EXPECT_EQ(t.head, "abc123");
    EXPECT_EQ(
        t.detail,
        "webhook PULL_REQUEST_MERGED pr/7 refs/heads/feature (into refs/heads/dev) build #42");
}

TEST(Trigger, GitHubActionsAndOtherwiseThePerson) {
    auto gh = detect_trigger({{"GITHUB_RUN_ID", "99"},
                              {"GITHUB_SHA", "def456"},
                              {"GITHUB_REF", "refs/heads/dev"},
                              {"GITHUB_EVENT_NAME", "push"}});
    EXPECT_EQ(gh.name, "github:99");
    EXPECT_EQ(gh.head, "def456");
    EXPECT_EQ(gh.detail, "push refs/heads/dev");
    auto cli = detect_trigger({});
    EXPECT_EQ(cli.name, "cli");
    EXPECT_EQ(cli.head, "");
}

TEST(Base, TheLastSucceededDeploymentComesBeforeTheBaseBranch) {
    versioning::DeploymentRecord last;
    last.id = 4;
    last.commit = "c0ffee";
    auto deployed = choose_base("auto", "test", last, "test");
    EXPECT_EQ(deployed.ref, "c0ffee");
    EXPECT_FALSE(deployed.first_deployment);
    EXPECT_EQ(deployed.reason, "the commit of test's last succeeded deployment #4");
    auto branch = choose_base("auto", "test", std::nullopt, "main");
    EXPECT_EQ(branch.ref, "main");
    EXPECT_TRUE(branch.first_deployment);
    auto none = choose_base("auto", "test", std::nullopt, "");
    EXPECT_EQ(none.ref, "");
    EXPECT_TRUE(none.first_deployment);
    auto given = choose_base("v1.2", "test", last, "main");
    EXPECT_EQ(given.ref, "v1.2");
    EXPECT_EQ(given.reason, "given with --base");
    EXPECT_FALSE(given.first_deployment);
}

cli::RunSummary sample() {
    cli::RunSummary s;
    s.run_id = "20261122T010203-abcdef";
    s.env = "test";
    s.stack = "shop-test";
    s.trigger = "cli";
    s.result = "build-failed";
    s.exit_code = 1;
    s.started_at = 1'000;
    s.finished_at = 5'500;
    s.phases = {{"select", 100}, {"build", 4'000}};
    cli::SummaryRow api{"api",           "image",         "failed",     7, "repo:api-7",
                        "ApiImage",      false,           true,         3, 2'000,
                        "/logs/api.log", "boom <&> here", "api/main.py"};
    cli::SummaryRow web{"web", "image",      "skipped", 0,  "", "WebImage",      false,
                        true,  std::nullopt, 0,         "", "", "depends on api"};
    cli::SummaryRow lib{"lib", "library",    "affected", 0,  "", "",        false,
                        false, std::nullopt, 0,          "", "", "lib/x.py"};
    s.rows = {api, lib, web};
    return s;
}

TEST(Report, JsonHasEveryComponentAndPhase) {
    rapidjson::Document d;
    d.Parse(cli::summary_json(sample()).c_str());
    ASSERT_FALSE(d.HasParseError());
    EXPECT_STREQ(d["result"].GetString(), "build-failed");
    EXPECT_EQ(d["exit_code"].GetInt(), 1);
    EXPECT_TRUE(d["deployment_id"].IsNull());
    ASSERT_EQ(d["components"].Size(), 3u);
    EXPECT_EQ(d["components"][0]["build_number"].GetInt(), 7);
    EXPECT_EQ(d["components"][0]["exit_code"].GetInt(), 3);
    EXPECT_TRUE(d["components"][2]["build_number"].IsNull());
    EXPECT_EQ(d["phases"][1]["duration_ms"].GetInt(), 4000);
    EXPECT_STREQ(d["started_at"].GetString(), "1970-01-01T00:00:01Z");
}

TEST(Report, JUnitHasOneCasePerBuildWithFailuresAndSkips) {
    const std::string xml = cli::junit_xml(sample());
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(xml.c_str()));
    auto suite = doc.child("testsuites").child("testsuite");
    EXPECT_EQ(suite.attribute("tests").as_int(), 2);  // the library is not a build
    EXPECT_EQ(suite.attribute("failures").as_int(), 1);
    EXPECT_EQ(suite.attribute("skipped").as_int(), 1);
    EXPECT_STREQ(suite.attribute("time").value(), "4.500");
    auto api = suite.find_child_by_attribute("testcase", "name", "api");
    EXPECT_STREQ(api.attribute("classname").value(), "slipway.build");
    EXPECT_STREQ(api.attribute("time").value(), "2.000");
    EXPECT_STREQ(api.child("failure").attribute("message").value(), "exit code 3");
    EXPECT_STREQ(api.child("failure").text().get(), "boom <&> here");  // escaped and back
    EXPECT_TRUE(suite.find_child_by_attribute("testcase", "name", "web").child("skipped"));
}

TEST(Report, JUnitAddsTheDeployAsACase) {
    auto s = sample();
    s.rows.clear();
    s.result = "deploy-failed";
    s.stack_status = "UPDATE_ROLLBACK_COMPLETE";
    s.phases.push_back({"deploy", 1'250});
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(cli::junit_xml(s).c_str()));
    auto c = doc.child("testsuites").child("testsuite").child("testcase");
    EXPECT_STREQ(c.attribute("classname").value(), "slipway.deploy");
    EXPECT_STREQ(c.attribute("name").value(), "test (shop-test)");
    EXPECT_STREQ(c.attribute("time").value(), "1.250");
    EXPECT_STREQ(c.child("failure").attribute("message").value(),
                 "stack ended UPDATE_ROLLBACK_COMPLETE");
}

}  // namespace
