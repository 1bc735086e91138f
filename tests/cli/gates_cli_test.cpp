// Gates, alarms and drift through the `slipway` program against moto_server (with the
// launcher's rollback-trigger and drift patches), results checked with the aws CLI:
// a gated promotion held with exit 5 and shipped once approved, exactly its images; a reject
// needs a reason and ends the request (nothing ships from it); `history` shows the decision
// trail, a non-approver's freeze override is refused (nothing recorded); an alarm
// set to ALARM while an update is watched rolls it back, recorded failed with the alarm's
// name, the environment still on its earlier deployment; `slipway drift` finds an SSM
// parameter changed behind CloudFormation's back.
#include <rapidjson/document.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <regex>

#include "cli_fixture.hpp"
#include "support/moto.hpp"

namespace {

using support::shell_quote;

constexpr const char* k_alarm = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:shop-5xx";

constexpr const char* k_manifest = R"(version: 1
project: shop
image: {repository: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop}
teams: {platform: [dave]}
components:
  api: {paths: [api/], parameter: ApiImage, build: "true"}
  web: {paths: [web/], parameter: WebImage, build: "true"}
  stack: {paths: [template.yml], kind: config}
environments:
  test:
    stack: shop-test
    region: us-east-1
    template: template.yml
    parameters: {Stage: test}
    alarms: {arns: ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:shop-5xx"], monitor: 3m}
  prod:
    stack: shop-prod
    region: us-east-1
    template: template.yml
    promote_from: test
    parameters: {Stage: prod}
    gates:
      approvals: 2
      approvers: [bob, team:platform]
      freeze: [{from: "2099-01-01T00:00", to: "2099-01-02T00:00", tz: UTC, reason: later}]
)";

constexpr const char* k_template = R"(AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage: {Type: String, AllowedValues: [test, prod]}
  ApiImage: {Type: String}
  WebImage: {Type: String}
Resources:
  Catalog:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub /shop/${Stage}/api
      Type: String
      Value: !Ref ApiImage
)";

class GatesCli : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!moto.available()) GTEST_SKIP() << moto.why_not();
        if (support::run("command -v aws").status != 0) GTEST_SKIP() << "no aws CLI";
        repo.write("slipway.yml", k_manifest);
        repo.write("template.yml", k_template);
        for (const char* c : {"api", "web"}) repo.write(std::string(c) + "/main.py", "v1\n");
        repo.commit("init");
        env = cli_test::moto_env(moto.url(), "AKIDGATESTEST", "gates-secret-key-not-for-logs");
        auto alarm =
            aws("cloudwatch put-metric-alarm --alarm-name shop-5xx --metric-name 5xx "
                "--namespace shop --statistic Sum --period 60 --evaluation-periods 1 "
                "--threshold 1 --comparison-operator GreaterThanThreshold");
        ASSERT_EQ(alarm.status, 0) << alarm.err;
    }

    support::CommandResult slipway(const std::string& args, const std::string& user = "alice") {
        return support::run(env + " USER=" + user + " " + shell_quote(support::slipway_binary()) +
                            " " + args + " --repo " + shell_quote(repo.path()));
    }

    support::CommandResult aws(const std::string& args) {
        return support::run(env + "aws --endpoint-url " + moto.url() + " --output json " + args);
    }

    std::string stack_value(const std::string& stack, const std::string& query) {
        auto r = aws("cloudformation describe-stacks --stack-name " + stack +
                     " --output text --query " + shell_quote(query));
        return r.status == 0 ? r.out.substr(0, r.out.find_last_not_of('\n') + 1)
                             : "(" + r.err + ")";
    }

    // A build of every component and a deploy of test (its monitoring time, 3m, is 6 s here).
    void deploy_test(const std::string& build) {
        auto b = slipway("build -q " + build);
        ASSERT_EQ(b.status, 0) << b.err;
        auto d = slipway("deploy --env test --latest --yes");
        ASSERT_EQ(d.status, 0) << d.out << d.err;
    }

    support::MotoServer moto{{{"MOTO_CFN_SECONDS_PER_MINUTE", "2"}}};
    support::GitRepo repo;
    std::string env;
};

TEST_F(GatesCli, APromotionIsHeldWithExit5ThenShipsExactlyItsImagesOnceApproved) {
    deploy_test("--all");
    auto held = slipway("promote --to prod --yes");
    ASSERT_EQ(held.status, 5) << held.out << held.err;
    EXPECT_NE(held.out.find("held: approvals: 0 of 2; needs 2 more from bob, team:platform"),
              std::string::npos)
        << held.out;
    EXPECT_NE(held.out.find("held by a gate: request #1 waits"), std::string::npos);
    EXPECT_NE(stack_value("shop-prod", "Stacks[0].StackStatus").find("does not exist"),
              std::string::npos)
        << "nothing deployed";
    // test moves on to web#2.
    repo.write("web/main.py", "v2\n");
    repo.commit("web v2");
    deploy_test("--only web");
    auto json = slipway("requests --env prod --json");
    ASSERT_EQ(json.status, 0) << json.err;
    rapidjson::Document d;
    d.Parse(json.out.c_str());
    ASSERT_TRUE(d.IsObject() && d["requests"].Size() == 1) << json.out;
    EXPECT_STREQ(d["requests"][0]["status"].GetString(), "open");
    EXPECT_TRUE(std::string(d["requests"][0]["requested_by"].GetString()).starts_with("alice@"));
    EXPECT_FALSE(d["requests"][0]["gates"]["passed"].GetBool());
    // Self-approval and outsiders are refused (exit 2, nothing recorded).
    auto own = slipway("approve --env prod --request 1");
    EXPECT_EQ(own.status, 2);
    EXPECT_NE(own.err.find("cannot approve their own request"), std::string::npos) << own.err;
    EXPECT_EQ(slipway("approve --env prod --request 1", "erin").status, 2);
    ASSERT_EQ(slipway("approve --env prod --request 1 --reason 'canary fine'", "bob").status, 0);
    ASSERT_EQ(slipway("promote --to prod --request 1 --yes").status, 5) << "1 of 2";
    auto dave = slipway("approve --env prod --request 1", "dave");
    ASSERT_EQ(dave.status, 0) << dave.err;
    EXPECT_NE(dave.out.find("gates pass: deploy it with 'slipway promote --to prod --request 1'"),
              std::string::npos)
        << dave.out;
    auto shipped = slipway("promote --to prod --request 1 --yes");
    ASSERT_EQ(shipped.status, 0) << shipped.out << shipped.err;
    // The aws CLI: prod has web#1, the requested image, not test's newer web#2.
    EXPECT_EQ(
        stack_value("shop-prod", "Stacks[0].Parameters[?ParameterKey=='WebImage'].ParameterValue"),
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:web-1");
    EXPECT_EQ(
        stack_value("shop-test", "Stacks[0].Parameters[?ParameterKey=='WebImage'].ParameterValue"),
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:web-2");
    auto after = slipway("requests --env prod");
    EXPECT_NE(after.out.find("(deployed)"), std::string::npos) << after.out;
    auto status = slipway("history web --env prod");
    EXPECT_EQ(status.status, 0) << status.err;
    // Deploying into the gated environment directly is refused with exit 5.
    auto direct = slipway("deploy --env prod --latest --yes");
    EXPECT_EQ(direct.status, 5);
    EXPECT_NE(direct.err.find("has gates: promote into it"), std::string::npos) << direct.err;
}

// How many lines `text` has.
std::size_t lines(const std::string& text) {
    return std::count(text.begin(), text.end(), '\n');
}

TEST_F(GatesCli, ARejectNeedsAReasonAndEndsTheRequest) {
    deploy_test("--all");
    ASSERT_EQ(slipway("promote --to prod --yes").status, 5);
    // No reason: one line, exit 2, nothing recorded.
    auto bare = slipway("reject --env prod --request 1", "bob");
    EXPECT_EQ(bare.status, 2);
    EXPECT_EQ(bare.err, "slipway: error: --reason is required: see 'slipway reject --help'\n");
    // Someone neither an approver nor the requester may not.
    auto outsider = slipway("reject --env prod --request 1 --reason 'not mine'", "erin");
    EXPECT_EQ(outsider.status, 2);
    EXPECT_EQ(lines(outsider.err), 1u) << outsider.err;
    EXPECT_NE(outsider.err.find("erin"), std::string::npos) << outsider.err;
    EXPECT_NE(outsider.err.find("may not reject request #1"), std::string::npos) << outsider.err;
    auto still = slipway("requests --env prod --json");
    EXPECT_NE(still.out.find("\"status\":\"open\""), std::string::npos) << still.out;
    EXPECT_NE(still.out.find("\"decisions\":[]"), std::string::npos) << still.out;
    // An approver rejects it, with a reason.
    auto rejected = slipway("reject --env prod --request 1 --reason 'breaks the v1 API'", "bob");
    ASSERT_EQ(rejected.status, 0) << rejected.err;
    EXPECT_NE(rejected.out.find("(rejected)"), std::string::npos) << rejected.out;
    auto json = slipway("requests --env prod --json");
    rapidjson::Document d;
    d.Parse(json.out.c_str());
    ASSERT_TRUE(d.IsObject() && d["requests"].Size() == 1) << json.out;
    const auto& r = d["requests"][0];
    EXPECT_STREQ(r["status"].GetString(), "rejected");
    ASSERT_EQ(r["decisions"].Size(), 1u);
    EXPECT_STREQ(r["decisions"][0]["verdict"].GetString(), "reject");
    EXPECT_TRUE(std::string(r["decisions"][0]["actor"].GetString()).starts_with("bob@"));
    EXPECT_STREQ(r["decisions"][0]["reason"].GetString(), "breaks the v1 API");
    // It ships nothing, and takes no more decisions.
    auto ship = slipway("promote --to prod --request 1 --yes");
    EXPECT_EQ(ship.status, 2) << ship.out << ship.err;
    EXPECT_EQ(lines(ship.err), 1u) << ship.err;
    EXPECT_NE(ship.err.find("request #1 is rejected already"), std::string::npos) << ship.err;
    EXPECT_NE(stack_value("shop-prod", "Stacks[0].StackStatus").find("does not exist"),
              std::string::npos);
    auto late = slipway("approve --env prod --request 1", "dave");
    EXPECT_EQ(late.status, 2);
    EXPECT_NE(late.err.find("request #1 is rejected already"), std::string::npos) << late.err;
    // The requester may withdraw the next one.
    ASSERT_EQ(slipway("promote --to prod --yes").status, 5) << "a new request";
    auto withdrawn = slipway("reject --env prod --request 2 --reason 'wrong build'");
    EXPECT_EQ(withdrawn.status, 0) << withdrawn.err;
}

TEST_F(GatesCli, HistoryShowsWhoAskedWhoApprovedWhenAndWhy) {
    deploy_test("--all");
    // Overriding a freeze needs an approver: refused with one line, nothing recorded.
    auto override = slipway("promote --to prod --override-freeze --reason 'hotfix' --yes", "erin");
    EXPECT_EQ(override.status, 2) << override.out << override.err;
    EXPECT_EQ(lines(override.err), 1u) << override.err;
    EXPECT_NE(override.err.find("erin"), std::string::npos) << override.err;
    EXPECT_NE(override.err.find("is not an approver of 'prod'"), std::string::npos) << override.err;
    EXPECT_EQ(slipway("requests --env prod").out, "no promotion requests\n");
    ASSERT_EQ(slipway("promote --to prod --yes --reason 'release 4'").status, 5);
    auto again = slipway("promote --to prod --override-freeze --reason 'hotfix' --yes", "erin");
    EXPECT_EQ(again.status, 2);
    auto open = slipway("requests --env prod --json");
    EXPECT_NE(open.out.find("\"decisions\":[]"), std::string::npos) << open.out;
    ASSERT_EQ(slipway("approve --env prod --request 1 --reason 'canary fine'", "bob").status, 0);
    ASSERT_EQ(slipway("approve --env prod --request 1", "dave").status, 0);
    auto shipped = slipway("promote --to prod --request 1 --yes");
    ASSERT_EQ(shipped.status, 0) << shipped.out << shipped.err;
    // A rollback says why, or is refused with one line.
    auto bare = slipway("rollback --env test --to 1 --yes");
    EXPECT_EQ(bare.status, 2);
    EXPECT_EQ(bare.err, "slipway: error: --reason is required: see 'slipway rollback --help'\n");
    // history: who asked (and why), who approved (and why), when.
    auto text = slipway("history web --env prod");
    ASSERT_EQ(text.status, 0) << text.err;
    const std::regex asked(
        R"(requested by alice@\S+ at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: release 4)");
    const std::regex bob(R"(approved by bob@\S+ at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: canary fine)");
    const std::regex dave(R"(approved by dave@\S+ at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
    EXPECT_TRUE(std::regex_search(text.out, asked)) << text.out;
    EXPECT_TRUE(std::regex_search(text.out, bob)) << text.out;
    EXPECT_TRUE(std::regex_search(text.out, dave)) << text.out;
    auto json = slipway("history web --env prod --json");
    ASSERT_EQ(json.status, 0) << json.err;
    rapidjson::Document d;
    d.Parse(json.out.c_str());
    ASSERT_TRUE(d.IsObject() && d["deployments"].Size() == 1) << json.out;
    const auto& dep = d["deployments"][0];
    EXPECT_STREQ(dep["kind"].GetString(), "promote");
    ASSERT_TRUE(dep.HasMember("request") && dep["request"].IsObject()) << json.out;
    const auto& r = dep["request"];
    EXPECT_EQ(r["id"].GetInt64(), 1);
    EXPECT_TRUE(std::string(r["requested_by"].GetString()).starts_with("alice@"));
    EXPECT_STREQ(r["reason"].GetString(), "release 4");
    EXPECT_TRUE(r["requested_at"].IsString());
    ASSERT_EQ(r["decisions"].Size(), 2u) << json.out;
    EXPECT_TRUE(std::string(r["decisions"][0]["actor"].GetString()).starts_with("bob@"));
    EXPECT_STREQ(r["decisions"][0]["verdict"].GetString(), "approve");
    EXPECT_STREQ(r["decisions"][0]["reason"].GetString(), "canary fine");
    EXPECT_TRUE(r["decisions"][0]["at"].IsString());
    EXPECT_TRUE(std::string(r["decisions"][1]["actor"].GetString()).starts_with("dave@"));
}

TEST_F(GatesCli, AnAlarmDuringTheMonitoringTimeRollsTheUpdateBack) {
    deploy_test("--all");  // created, watched for 6 s by a quiet alarm
    EXPECT_EQ(stack_value("shop-test", "Stacks[0].StackStatus"), "CREATE_COMPLETE");
    EXPECT_EQ(stack_value("shop-test", "Stacks[0].RollbackConfiguration.RollbackTriggers[0].Arn"),
              k_alarm);
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    ASSERT_EQ(slipway("build -q --only api").status, 0);
    // The update runs in the background; once the stack is watching (UPDATE_IN_PROGRESS), the
    // alarm goes off. The watcher is one boto3 process (an aws CLI call a poll was too slow
    // for a monitoring time of seconds); the results are read with the aws CLI below.
    const std::string out = (repo.path() / "deploy.out").string();
    const std::string ready = (repo.path() / "watching").string();
    const std::string watcher =
        "import boto3, time\n"
        "kw = dict(endpoint_url='" +
        moto.url() +
        "', region_name='us-east-1')\n"
        "cfn, cw = boto3.client('cloudformation', **kw), boto3.client('cloudwatch', **kw)\n"
        "cfn.describe_stacks(StackName='shop-test')\n"
        "open('" +
        ready +
        "', 'w').close()\n"
        "end = time.time() + 300\n"
        "while time.time() < end:\n"
        "    if cfn.describe_stacks(StackName='shop-test')['Stacks'][0]['StackStatus'] == "
        "'UPDATE_IN_PROGRESS':\n"
        "        cw.set_alarm_state(AlarmName='shop-5xx', StateValue='ALARM', "
        "StateReason='5xx rate')\n"
        "        break\n"
        "    time.sleep(0.05)\n";
    // The watcher is polling before the deploy starts (python's start-up took longer than the
    // monitoring time on a loaded machine).
    const std::string script =
        env + "python3 -c " + shell_quote(watcher) + " & w=$!; i=0; until [ -e " +
        shell_quote(ready) + " ]; do i=$((i+1)); [ $i -gt 6000 ] && break; sleep 0.05; done; " +
        env + " USER=alice " + shell_quote(support::slipway_binary()) +
        " deploy --env test --latest --yes --repo " + shell_quote(repo.path().string()) + " >" +
        shell_quote(out) + " 2>&1; status=$?; wait $w; exit $status";
    auto ran = support::run("sh -c " + shell_quote(script));
    std::ifstream in(out);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(ran.status, 1) << text;
    EXPECT_EQ(stack_value("shop-test", "Stacks[0].StackStatus"), "UPDATE_ROLLBACK_COMPLETE");
    EXPECT_EQ(
        stack_value("shop-test", "Stacks[0].Parameters[?ParameterKey=='ApiImage'].ParameterValue"),
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:api-1");
    auto events = aws("cloudformation describe-stack-events --stack-name shop-test");
    EXPECT_NE(events.out.find(k_alarm), std::string::npos) << "the rollback names the alarm";
    // Recorded failed with the alarm's name; test is still on its first deployment.
    auto history = slipway("history api --env test --json");
    EXPECT_NE(history.out.find("\"status\":\"failed\""), std::string::npos) << history.out;
    auto status = slipway("status --env test --json");
    EXPECT_NE(status.out.find("shop:api-1"), std::string::npos) << status.out;
    EXPECT_EQ(status.out.find("shop:api-2\",\"deployment_id"), std::string::npos) << status.out;
    auto reason =
        support::run("sqlite3 " + shell_quote((repo.path() / ".slipway/state.db").string()) +
                     " \"SELECT reason FROM deployments WHERE status = 'failed'\"");
    EXPECT_NE(reason.out.find("rolled back by alarm shop-5xx"), std::string::npos) << reason.out;
}

TEST_F(GatesCli, DriftFindsAParameterChangedBehindTheStacksBack) {
    deploy_test("--all");
    auto clean = slipway("drift --env test");
    EXPECT_EQ(clean.status, 0) << clean.out << clean.err;
    EXPECT_NE(clean.out.find("test (shop-test): IN_SYNC"), std::string::npos) << clean.out;
    ASSERT_EQ(aws("ssm put-parameter --name /shop/test/api --type String --overwrite --value "
                  "hand-edited")
                  .status,
              0);
    auto drifted = slipway("drift --env test --json");
    EXPECT_EQ(drifted.status, 1) << drifted.err;
    rapidjson::Document d;
    d.Parse(drifted.out.c_str());
    ASSERT_TRUE(d.IsObject()) << drifted.out;
    EXPECT_STREQ(d["status"].GetString(), "DRIFTED");
    ASSERT_EQ(d["resources"].Size(), 1u);
    EXPECT_STREQ(d["resources"][0]["logical_id"].GetString(), "Catalog");
    EXPECT_NE(std::string(d["resources"][0]["differences"].GetString()).find("/Value: "),
              std::string::npos);
    EXPECT_NE(std::string(d["resources"][0]["differences"].GetString()).find("-> hand-edited"),
              std::string::npos);
    // The aws CLI agrees.
    auto check =
        aws("cloudformation describe-stack-resource-drifts --stack-name shop-test "
            "--stack-resource-drift-status-filters MODIFIED");
    EXPECT_NE(check.out.find("\"Catalog\""), std::string::npos) << check.out;
    auto unknown = slipway("drift --env prod");
    EXPECT_EQ(unknown.status, 4);
    EXPECT_NE(unknown.out.find("UNKNOWN: the stack shop-prod does not exist"), std::string::npos);
}

}  // namespace
