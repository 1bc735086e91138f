// A run's summary rendered: the JSON report (byte for byte, docs/run.md) and JUnit.
#include "cli/run_report.hpp"
#include "pipeline/junit.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <pugixml.hpp>

namespace {

pipeline::RunSummary sample() {
    pipeline::RunSummary s;
    s.run_id = "20261122T010203-abcdef";
    s.env = "test";
    s.stack = "shop-test";
    s.trigger = "cli";
    s.result = "build-failed";
    s.exit_code = 1;
    s.started_at = 1'000;
    s.finished_at = 5'500;
    s.phases = {{"select", 100}, {"build", 4'000}};
    pipeline::SummaryRow api{"api",           "image",         "failed",      7, "repo:api-7",
                             "ApiImage",      false,           true,          3, 2'000,
                             "/logs/api.log", "boom <&> here", "api/main.py", {}};
    pipeline::SummaryRow web{"web", "image",      "skipped", 0,  "", "WebImage",       false,
                             true,  std::nullopt, 0,         "", "", "depends on api", {}};
    pipeline::SummaryRow lib{"lib", "library",    "affected", 0,  "", "",         false,
                             false, std::nullopt, 0,          "", "", "lib/x.py", {}};
    s.rows = {api, lib, web};
    return s;
}

TEST(Report, JsonHasEveryComponentAndPhase) {
    rapidjson::Document d;
    d.Parse(pipeline::report_json(sample()).c_str());
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

// The report's bytes are a contract (stored with every run; --json-report): keys sorted,
// nulls where docs/run.md says.
TEST(Report, JsonBytesAreStable) {
    auto s = sample();
    s.rows.resize(1);
    s.actor = "alice@laptop";
    EXPECT_EQ(
        pipeline::report_json(s),
        R"({"actor":"alice@laptop","base":"","base_reason":"","components":[{"build_number":7,)"
        R"("component":"api","duration_ms":2000,"exit_code":3,"image_uri":"repo:api-7",)"
        R"("kind":"image","log_path":"/logs/api.log","parameter":"ApiImage",)"
        R"("parameter_changed":false,"reason":"api/main.py","reused_from":null,"status":"failed"}],)"
        R"("deployment_id":null,"env":"test","exit_code":1,"failed_resources":[],)"
        R"("finished_at":"1970-01-01T00:00:05Z","head":"","kind":"run","message":"",)"
        R"("outputs":{},)"
        R"("phases":[{"duration_ms":100,"name":"select"},{"duration_ms":4000,"name":"build"}],)"
        R"("result":"build-failed","run_id":"20261122T010203-abcdef","stack":"shop-test",)"
        R"("stack_status":"","stacks":[],"started_at":"1970-01-01T00:00:01Z","trigger":"cli"})"
        "\n");
}

// A reused build says whose it was, in the table, the JSON report and the CI summary.
TEST(Report, AReusedBuildSaysWhereItWasBuilt) {
    auto s = sample();
    s.rows[0].status = "reused";
    s.rows[0].reused_from = "codebuild:slipway-ci:1111";
    const auto table = cli::summary_table(s);
    EXPECT_NE(table.find("api: reused #7 from codebuild:slipway-ci:1111 (same inputs)\n"),
              std::string::npos)
        << table;
    rapidjson::Document d;
    d.Parse(pipeline::report_json(s).c_str());
    EXPECT_STREQ(d["components"][0]["reused_from"].GetString(), "codebuild:slipway-ci:1111");
    EXPECT_TRUE(d["components"][1]["reused_from"].IsNull());
}

TEST(Report, JUnitHasOneCasePerBuildWithFailuresAndSkips) {
    const std::string xml = pipeline::junit_xml(sample());
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
    ASSERT_TRUE(doc.load_string(pipeline::junit_xml(s).c_str()));
    auto c = doc.child("testsuites").child("testsuite").child("testcase");
    EXPECT_STREQ(c.attribute("classname").value(), "slipway.deploy");
    EXPECT_STREQ(c.attribute("name").value(), "test (shop-test)");
    EXPECT_STREQ(c.attribute("time").value(), "1.250");
    EXPECT_STREQ(c.child("failure").attribute("message").value(),
                 "stack ended UPDATE_ROLLBACK_COMPLETE");
}

}  // namespace
