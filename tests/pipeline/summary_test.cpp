// A run's summary as the documents other programs read: the JSON report (docs/run.md, read
// back with rapidjson), the store's run status for an exit code, a build log's tail, and the
// JUnit XML a CI system shows (read back with pugixml, and checked against XML 1.0's
// character rules, which stricter readers than pugixml enforce).
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <pugixml.hpp>
#include <regex>

#include "common/path_text.hpp"
#include "json_check.hpp"
#include "pipeline/host.hpp"
#include "pipeline/junit.hpp"
#include "pipeline/summary.hpp"
#include "support/git_repo.hpp"

namespace {

using pipeline_test::keys_of;
using pipeline_test::parse_json;
using pipeline_test::str;
using pipeline_test::unsorted_keys;

constexpr versioning::Millis k_start = 1'795'000'000'000;  // 2026-11-18T11:06:40Z

pipeline::SummaryRow row(const std::string& component, const std::string& status) {
    pipeline::SummaryRow r;
    r.component = component;
    r.kind = "image";
    r.status = status;
    r.built = true;
    r.build_number = 4;
    r.image_uri = "repo:" + component + "-4";
    r.parameter = "ApiImage";
    r.duration = 1500;
    r.log_path = "/repo/.slipway/logs/run/" + component + ".log";
    return r;
}

pipeline::RunSummary deployed_run() {
    pipeline::RunSummary s;
    s.run_id = "20261118T070640-abcdef";
    s.env = "test";
    s.stack = "shop-test";
    s.trigger = "cli";
    s.actor = "alice@host";
    s.base = std::string(40, 'a');
    s.base_reason = "the commit of test's last succeeded deployment #3";
    s.head = std::string(40, 'b');
    s.result = "deployed";
    s.deployment_id = 4;
    s.stack_status = "UPDATE_COMPLETE";
    s.outputs = {{"Url", "https://x"}, {"Arn", "arn:aws:x"}};
    s.started_at = k_start;
    s.finished_at = k_start + 65'000;
    s.phases = {{"select", 3}, {"build", 1200}, {"deploy", 40'000}};
    auto api = row("api", "succeeded");
    api.exit_code = 0;
    api.parameter_changed = true;
    api.reason = "api/main.py";
    auto lib = row("lib", "affected");
    lib.kind = "library";
    lib.built = false;
    lib.build_number = 0;
    lib.image_uri = lib.parameter = lib.log_path = "";
    s.rows = {api, lib};
    return s;
}

// ---- report_json ------------------------------------------------------------------------

TEST(ReportJson, HasEveryFieldOfDocsRunMdWithKeysSortedAtEveryDepth) {
    auto s = deployed_run();
    s.failed_resources = {{"Api", "AWS::Lambda::Function", "UPDATE_FAILED", "no image"}};
    auto d = parse_json(pipeline::report_json(s));
    ASSERT_TRUE(d.IsObject());
    EXPECT_EQ(unsorted_keys(d), std::vector<std::string>{});
    EXPECT_EQ(keys_of(d),
              (std::vector<std::string>{
                  "actor",  "base",      "base_reason",      "components",  "deployment_id",
                  "env",    "exit_code", "failed_resources", "finished_at", "head",
                  "kind",   "message",   "outputs",          "phases",      "result",
                  "run_id", "stack",     "stack_status",     "stacks",      "started_at",
                  "trigger"}));
    ASSERT_TRUE(d["components"].IsArray());
    ASSERT_EQ(d["components"].Size(), 2u);
    EXPECT_EQ(keys_of(d["components"][0]),
              (std::vector<std::string>{"build_number", "component", "duration_ms", "exit_code",
                                        "image_uri", "kind", "log_path", "parameter",
                                        "parameter_changed", "reason", "reused_from", "status"}));
    EXPECT_EQ(keys_of(d["failed_resources"][0]),
              (std::vector<std::string>{"logical_id", "reason", "resource_type", "status"}));
    EXPECT_EQ(keys_of(d["phases"][0]), (std::vector<std::string>{"duration_ms", "name"}));
    EXPECT_EQ(keys_of(d["outputs"]), (std::vector<std::string>{"Arn", "Url"}));
}

TEST(ReportJson, CarriesTheValuesOfTheSummary) {
    auto d = parse_json(pipeline::report_json(deployed_run()));
    EXPECT_EQ(str(d, "run_id"), "20261118T070640-abcdef");
    EXPECT_EQ(str(d, "kind"), "run");
    EXPECT_EQ(str(d, "result"), "deployed");
    EXPECT_EQ(str(d, "actor"), "alice@host");
    EXPECT_EQ(str(d, "started_at"), "2026-11-18T11:06:40Z");
    EXPECT_EQ(str(d, "finished_at"), "2026-11-18T11:07:45Z");
    EXPECT_EQ(d["deployment_id"].GetInt64(), 4);
    EXPECT_EQ(d["exit_code"].GetInt(), 0);
    EXPECT_EQ(str(d["outputs"], "Url"), "https://x");
    EXPECT_EQ(d["phases"][2]["duration_ms"].GetInt64(), 40'000);
    EXPECT_EQ(str(d["phases"][2], "name"), "deploy");
    const auto& api = d["components"][0];
    EXPECT_EQ(str(api, "component"), "api");
    EXPECT_EQ(api["build_number"].GetInt64(), 4);
    EXPECT_EQ(api["duration_ms"].GetInt64(), 1500);
    EXPECT_EQ(api["exit_code"].GetInt(), 0);
    EXPECT_TRUE(api["parameter_changed"].GetBool());
    EXPECT_EQ(str(api, "reason"), "api/main.py");
    EXPECT_EQ(str(api, "status"), "succeeded");
}

TEST(ReportJson, NoneIsNullNotZero) {
    auto s = deployed_run();
    s.deployment_id = 0;
    s.result = "build-failed";
    auto d = parse_json(pipeline::report_json(s));
    EXPECT_TRUE(d["deployment_id"].IsNull());
    const auto& lib = d["components"][1];
    EXPECT_TRUE(lib["build_number"].IsNull());  // a library has no image
    EXPECT_TRUE(lib["exit_code"].IsNull());     // it ran nothing
    EXPECT_FALSE(lib["parameter_changed"].GetBool());
    EXPECT_EQ(str(lib, "kind"), "library");
}

TEST(ReportJson, AnEmptySummaryIsStillTheWholeDocument) {
    pipeline::RunSummary s;
    s.result = "error";
    s.exit_code = 2;
    auto d = parse_json(pipeline::report_json(s));
    EXPECT_EQ(d["components"].Size(), 0u);
    EXPECT_EQ(d["failed_resources"].Size(), 0u);
    EXPECT_EQ(d["phases"].Size(), 0u);
    EXPECT_TRUE(d["outputs"].IsObject());
    EXPECT_EQ(d["outputs"].MemberCount(), 0u);
    EXPECT_EQ(d["exit_code"].GetInt(), 2);
    EXPECT_EQ(str(d, "started_at"), "1970-01-01T00:00:00Z");
}

TEST(ReportJson, TextWithQuotesNewlinesAndControlsRoundTrips) {
    auto s = deployed_run();
    s.message = "deploy: \"shop-test\" failed\n\tat line 2 \\ \x01 caf\xc3\xa9";
    s.failed_resources = {{"Api", "T", "CREATE_FAILED", "Resource handler returned \"<x>\""}};
    auto d = parse_json(pipeline::report_json(s));
    EXPECT_EQ(str(d, "message"), s.message);
    EXPECT_EQ(str(d["failed_resources"][0], "reason"), "Resource handler returned \"<x>\"");
}

// ---- run_status_for_exit, new_run_record ------------------------------------------------

TEST(RunStatusForExit, FollowsTheDocumentedExitCodes) {
    using versioning::RunStatus;
    EXPECT_EQ(pipeline::run_status_for_exit(0), RunStatus::succeeded);
    EXPECT_EQ(pipeline::run_status_for_exit(1), RunStatus::failed);
    EXPECT_EQ(pipeline::run_status_for_exit(2), RunStatus::failed);
    EXPECT_EQ(pipeline::run_status_for_exit(3), RunStatus::busy);
    EXPECT_EQ(pipeline::run_status_for_exit(4), RunStatus::failed);
    EXPECT_EQ(pipeline::run_status_for_exit(130), RunStatus::cancelled);
    EXPECT_EQ(pipeline::run_status_for_exit(-1), RunStatus::failed);
}

TEST(NewRunRecord, IsTheSummarysRunOnThisHostAndProcess) {
    auto s = deployed_run();
    s.kind = "deploy";
    const auto r = pipeline::new_run_record(s);
    EXPECT_EQ(r.id, s.run_id);
    EXPECT_EQ(r.kind, "deploy");
    EXPECT_EQ(r.trigger, "cli");
    EXPECT_EQ(r.actor, "alice@host");
    EXPECT_EQ(r.base, s.base);
    EXPECT_EQ(r.base_reason, s.base_reason);
    EXPECT_EQ(r.head, s.head);
    EXPECT_EQ(r.env, "test");
    EXPECT_EQ(r.started_at, k_start);
    EXPECT_EQ(r.status, versioning::RunStatus::running);
    EXPECT_EQ(r.host, pipeline::host_name());
    EXPECT_EQ(r.pid, ::getpid());
    EXPECT_EQ(r.pid_start, pipeline::process_start(::getpid()));
    EXPECT_TRUE(pipeline::process_alive(r.pid, r.pid_start));
}

// ---- tail_lines -------------------------------------------------------------------------

class TailLines : public ::testing::Test {
  protected:
    std::string file(const std::string& content) {
        const auto path = (dir.path() / ("log" + std::to_string(++m_files))).string();
        std::ofstream(path, std::ios::binary) << content;
        return path;
    }
    support::TempDir dir;

  private:
    int m_files = 0;
};

TEST_F(TailLines, KeepsTheLastLinesOfALongLog) {
    std::string log;
    for (int i = 1; i <= 100; ++i) log += "line " + std::to_string(i) + "\n";
    EXPECT_EQ(pipeline::tail_lines(file(log), 3), "line 98\nline 99\nline 100");
    EXPECT_EQ(pipeline::tail_lines(file(log), 1), "line 100");
}

TEST_F(TailLines, AShortLogIsWhole) {
    EXPECT_EQ(pipeline::tail_lines(file("one\ntwo\n"), 40), "one\ntwo");
    EXPECT_EQ(pipeline::tail_lines(file("one\ntwo\nthree\n"), 3), "one\ntwo\nthree");
}

TEST_F(TailLines, ALastLineWithoutNewlineCounts) {
    EXPECT_EQ(pipeline::tail_lines(file("a\nb\nno newline"), 2), "b\nno newline");
}

TEST_F(TailLines, BlankLinesAreLines) {
    EXPECT_EQ(pipeline::tail_lines(file("a\n\n\nb\n"), 3), "\n\nb");
}

TEST_F(TailLines, AMissingOrEmptyFileHasNoTail) {
    EXPECT_EQ(pipeline::tail_lines((dir.path() / "nothing.log").string(), 40), "");
    EXPECT_EQ(pipeline::tail_lines(file(""), 40), "");
    EXPECT_EQ(pipeline::tail_lines(file("a\nb\n"), 0), "");
}

// ---- junit_xml --------------------------------------------------------------------------

// The first thing in `xml` that XML 1.0 does not allow (a raw control character, a
// character reference to one, bytes that are not UTF-8), or "" when there is none.
// pugixml reads such documents; expat (Python's xml.etree), Java's parsers and so the CI
// systems' report readers refuse them.
std::string xml10_violation(const std::string& xml) {
    if (!common::is_utf8(xml)) return "bytes that are not UTF-8";
    for (unsigned char c : xml) {
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return "raw control character " + std::to_string(c);
    }
    static const std::regex ref("&#(x[0-9a-fA-F]+|[0-9]+);");
    for (std::sregex_iterator it(xml.begin(), xml.end(), ref), end; it != end; ++it) {
        const std::string n = (*it)[1];
        const long code = n[0] == 'x' ? std::stol(n.substr(1), nullptr, 16) : std::stol(n);
        if (code < 0x20 && code != '\t' && code != '\n' && code != '\r')
            return "reference " + it->str();
    }
    return "";
}

struct Junit {
    pugi::xml_document doc;
    pugi::xml_node suites, suite;
    std::string text;

    explicit Junit(const pipeline::RunSummary& s) : text(pipeline::junit_xml(s)) {
        auto parsed = doc.load_string(text.c_str());
        EXPECT_TRUE(parsed) << parsed.description() << "\n" << text;
        suites = doc.child("testsuites");
        suite = suites.child("testsuite");
    }
    [[nodiscard]] pugi::xml_node testcase(const std::string& classname,
                                          const std::string& name) const {
        for (auto c : suite.children("testcase")) {
            if (classname == c.attribute("classname").value() &&
                name == c.attribute("name").value())
                return c;
        }
        return {};
    }
    [[nodiscard]] std::vector<std::string> cases() const {
        std::vector<std::string> out;
        for (auto c : suite.children("testcase"))
            out.push_back(std::string(c.attribute("classname").value()) + "/" +
                          c.attribute("name").value());
        return out;
    }
};

TEST(JunitXml, OneCasePerBuildOfTheRunAndOneForTheDeploy) {
    auto s = deployed_run();
    auto reused = row("web", "reused");
    reused.built = true;
    auto unchanged = row("worker", "unchanged");
    unchanged.built = false;  // not a build of this run: the stack keeps an older image
    s.rows.push_back(reused);
    s.rows.push_back(unchanged);
    Junit j(s);
    EXPECT_EQ(j.cases(), (std::vector<std::string>{"slipway.build/api", "slipway.build/web",
                                                   "slipway.deploy/test (shop-test)"}));
    for (auto node : {j.suites, j.suite}) {
        EXPECT_STREQ(node.attribute("name").value(), "slipway run test");
        EXPECT_EQ(node.attribute("tests").as_int(), 3);
        EXPECT_EQ(node.attribute("failures").as_int(), 0);
        EXPECT_EQ(node.attribute("skipped").as_int(), 0);
        EXPECT_STREQ(node.attribute("time").value(), "65.000");
    }
    EXPECT_STREQ(j.suite.attribute("timestamp").value(), "2026-11-18T11:06:40Z");
    auto api = j.testcase("slipway.build", "api");
    EXPECT_STREQ(api.attribute("time").value(), "1.500");
    EXPECT_FALSE(api.child("failure"));
    EXPECT_FALSE(api.child("skipped"));
    EXPECT_NE(std::string(api.child("system-out").text().get()).find("build #4 repo:api-4"),
              std::string::npos);
    EXPECT_STREQ(j.testcase("slipway.deploy", "test (shop-test)").attribute("time").value(),
                 "40.000");
}

TEST(JunitXml, AFailedBuildCarriesItsExitCodeAndLogTail) {
    auto s = deployed_run();
    s.result = "build-failed";
    s.rows[0].status = "failed";
    s.rows[0].exit_code = 2;
    s.rows[0].log_tail = "compiling\nerror: missing semicolon";
    Junit j(s);
    EXPECT_EQ(j.cases(), std::vector<std::string>{"slipway.build/api"});  // nothing deployed
    auto failure = j.testcase("slipway.build", "api").child("failure");
    ASSERT_TRUE(failure);
    EXPECT_STREQ(failure.attribute("message").value(), "exit code 2");
    EXPECT_STREQ(failure.text().get(), "compiling\nerror: missing semicolon");
    EXPECT_EQ(j.suite.attribute("failures").as_int(), 1);
    EXPECT_EQ(j.suites.attribute("failures").as_int(), 1);
}

TEST(JunitXml, ATimedOutBuildFailsAsTimedOut) {
    auto s = deployed_run();
    s.result = "build-failed";
    s.rows[0].status = "timed-out";
    Junit j(s);
    auto failure = j.testcase("slipway.build", "api").child("failure");
    ASSERT_TRUE(failure);
    EXPECT_STREQ(failure.attribute("message").value(), "timed out");
}

TEST(JunitXml, SkippedAndCancelledBuildsAreSkippedCases) {
    auto s = deployed_run();
    s.result = "build-failed";
    s.rows = {row("api", "failed"), row("web", "skipped"), row("worker", "cancelled")};
    s.rows[0].exit_code = 1;
    Junit j(s);
    EXPECT_EQ(j.suite.attribute("tests").as_int(), 3);
    EXPECT_EQ(j.suite.attribute("failures").as_int(), 1);
    EXPECT_EQ(j.suite.attribute("skipped").as_int(), 2);
    for (const char* name : {"web", "worker"}) {
        auto c = j.testcase("slipway.build", name);
        ASSERT_TRUE(c) << name;
        EXPECT_TRUE(c.child("skipped")) << name;
        EXPECT_FALSE(c.child("failure")) << name;
    }
    EXPECT_STREQ(
        j.testcase("slipway.build", "worker").child("skipped").attribute("message").value(),
        "cancelled");
}

TEST(JunitXml, AFailedOrDeclinedDeployIsAFailedCase) {
    for (const char* result : {"deploy-failed", "declined"}) {
        auto s = deployed_run();
        s.result = result;
        s.stack_status = "UPDATE_ROLLBACK_COMPLETE";
        Junit j(s);
        auto failure = j.testcase("slipway.deploy", "test (shop-test)").child("failure");
        ASSERT_TRUE(failure) << result;
        EXPECT_STREQ(failure.attribute("message").value(), "stack ended UPDATE_ROLLBACK_COMPLETE");
        EXPECT_EQ(j.suite.attribute("failures").as_int(), 1) << result;
    }
}

TEST(JunitXml, AnUpToDateStackPassesAndNothingAffectedHasNoDeployCase) {
    auto s = deployed_run();
    s.result = "up-to-date";
    EXPECT_TRUE(Junit(s).testcase("slipway.deploy", "test (shop-test)"));
    for (const char* result : {"nothing-affected", "planned", "interrupted", "error", "busy"}) {
        s.result = result;
        EXPECT_FALSE(Junit(s).testcase("slipway.deploy", "test (shop-test)")) << result;
    }
}

TEST(JunitXml, NoBuildsAndNoDeployIsAnEmptySuite) {
    pipeline::RunSummary s;
    s.env = "prod";
    s.result = "nothing-affected";
    Junit j(s);
    EXPECT_TRUE(j.suite);
    EXPECT_EQ(j.suite.attribute("tests").as_int(), 0);
    EXPECT_FALSE(j.suite.child("testcase"));
}

TEST(JunitXml, XmlSpecialCharactersInNamesAndLogsAreEscaped) {
    auto s = deployed_run();
    s.env = "a&b";
    s.stack = "<stack>";
    s.result = "deploy-failed";
    s.stack_status = "\"quoted\" & 'single'";
    s.rows[0].component = "api<&>\"'";
    s.rows[0].status = "failed";
    s.rows[0].exit_code = 1;
    s.rows[0].log_tail = "<error>x && y</error> ]]> \"done\"";
    Junit j(s);
    EXPECT_EQ(j.text.find("<error>"), std::string::npos);
    EXPECT_EQ(j.text.find("]]> \""), std::string::npos);
    auto api = j.testcase("slipway.build", "api<&>\"'");
    ASSERT_TRUE(api) << j.text;
    EXPECT_STREQ(api.child("failure").text().get(), "<error>x && y</error> ]]> \"done\"");
    auto deploy = j.testcase("slipway.deploy", "a&b (<stack>)");
    ASSERT_TRUE(deploy) << j.text;
    EXPECT_STREQ(deploy.child("failure").attribute("message").value(),
                 "stack ended \"quoted\" & 'single'");
    EXPECT_STREQ(j.suite.attribute("name").value(), "slipway run a&b");
}

TEST(JunitXml, ALogWithColoursAndBinaryBytesIsStillXml10) {
    auto s = deployed_run();
    s.result = "build-failed";
    s.rows[0].status = "failed";
    s.rows[0].exit_code = 1;
    // What build tools print: ANSI colours, a carriage-return progress bar, a NUL-free
    // binary fragment, a form feed.
    s.rows[0].log_tail = "\x1b[31merror\x1b[0m: bad\r50%\rdone\n\x7f\xff\xfe bytes\x0c end";
    Junit j(s);
    EXPECT_EQ(xml10_violation(j.text), "") << j.text;
    const std::string tail = j.testcase("slipway.build", "api").child("failure").text().get();
    EXPECT_NE(tail.find("error"), std::string::npos);
    EXPECT_NE(tail.find("bytes"), std::string::npos);
    EXPECT_NE(tail.find("end"), std::string::npos);
}

}  // namespace
