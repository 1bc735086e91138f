// Environments of several stacks, regions and accounts, end to end: `slipway run` against one
// moto_server serving every region and (through assumed roles) two accounts, each result
// checked with the aws CLI: a stack reading another's output, waves in order, a failing
// wave 1 leaving wave 2 untouched, a change to one component updating only its stack, and a
// kill -9 between two stacks' deploys reconciled by the next command.
#include <rapidjson/document.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <signal.h>

#include "cli_fixture.hpp"
#include "support/moto.hpp"

namespace {

using support::shell_quote;

constexpr const char* k_net = R"(AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Marker: {Type: String, Default: net-1}
Resources:
  Net:
    Type: AWS::SSM::Parameter
    Properties: {Name: /shop/net, Type: String, Value: !Ref Marker}
Outputs:
  VpcId:
    Value: !Sub "vpc-${Marker}-${AWS::Region}"
)";

constexpr const char* k_svc = R"(AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Vpc: {Type: String}
  ApiImage: {Type: String}
  WorkerImage: {Type: String}
Resources:
  Svc:
    Type: AWS::SSM::Parameter
    Properties: {Name: /shop/svc, Type: String, Value: !Ref ApiImage}
Outputs:
  Vpc:
    Value: !Ref Vpc
)";

constexpr const char* k_head = R"(version: 1
project: shop
image: {repository: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop}
components:
  api: {paths: [api/], parameter: ApiImage, build: "true"}
  worker: {paths: [worker/], parameter: WorkerImage, build: "true"}
environments:
  prod:
    base: main
    stacks:
      - name: shop-net
        template: infra/net.yml
      - name: shop-svc
        template: svc.yml
        components: [api, worker]
        parameters:
          Vpc: {stack: shop-net, output: VpcId}
)";

class StacksCli : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!moto.available()) GTEST_SKIP() << moto.why_not();
        if (support::run("command -v aws && command -v sqlite3").status != 0)
            GTEST_SKIP() << "needs the aws CLI and sqlite3";
        env = cli_test::moto_env(moto.url(), "AKIDSTACKSTEST", k_secret);
    }

    void make_project(const std::string& targets) {
        repo.write("slipway.yml", std::string(k_head) + targets);
        repo.write("infra/net.yml", k_net);
        repo.write("svc.yml", k_svc);
        for (const char* c : {"api", "worker"}) repo.write(std::string(c) + "/main.py", "v1\n");
        repo.commit("init");
        repo.git("branch -M main");
    }

    support::CommandResult slipway(const std::string& args, const std::string& endpoint = "") {
        const std::string e =
            endpoint.empty() ? env : cli_test::moto_env(endpoint, "AKIDSTACKSTEST", k_secret);
        return support::run(e + shell_quote(support::slipway_binary()) + " " + args + " --repo " +
                            shell_quote(repo.path().string()));
    }

    support::CommandResult aws(const std::string& args, const std::string& creds = "") {
        return support::run(env + creds + " aws --endpoint-url " + moto.url() + " --output json " +
                            args);
    }

    // The stack's parameters and outputs ("output:NAME") and "(status)", as the aws CLI
    // reports them in `region` (and with `creds`, in another account); empty: no stack.
    std::map<std::string, std::string> stack(const std::string& name, const std::string& region,
                                             const std::string& creds = "") {
        auto r = aws("cloudformation describe-stacks --region " + region + " --stack-name " + name,
                     creds);
        std::map<std::string, std::string> values;
        if (r.status != 0) return values;
        rapidjson::Document d;
        d.Parse(r.out.c_str());
        const auto& s = d["Stacks"][0];
        for (const auto& p : s["Parameters"].GetArray())
            values[p["ParameterKey"].GetString()] = p["ParameterValue"].GetString();
        if (s.HasMember("Outputs")) {
            for (const auto& o : s["Outputs"].GetArray())
                values["output:" + std::string(o["OutputKey"].GetString())] =
                    o["OutputValue"].GetString();
        }
        values["(status)"] = s["StackStatus"].GetString();
        return values;
    }

    // How many events the stack has (a stack nobody touched keeps its count).
    std::size_t events(const std::string& name, const std::string& region) {
        auto r = aws("cloudformation describe-stack-events --region " + region + " --stack-name " +
                     name);
        rapidjson::Document d;
        d.Parse(r.out.c_str());
        return r.status == 0 && d.HasMember("StackEvents") ? d["StackEvents"].Size() : 0;
    }

    // AWS_* settings of the role `arn` assumed with the aws CLI (another account).
    std::string assumed(const std::string& arn) {
        auto r = aws("sts assume-role --role-arn " + arn + " --role-session-name check");
        EXPECT_EQ(r.status, 0) << r.err;
        rapidjson::Document d;
        d.Parse(r.out.c_str());
        const auto& c = d["Credentials"];
        return std::string(" AWS_ACCESS_KEY_ID=") + c["AccessKeyId"].GetString() +
               " AWS_SECRET_ACCESS_KEY=" + c["SecretAccessKey"].GetString() +
               " AWS_SESSION_TOKEN=" + c["SessionToken"].GetString();
    }

    std::string sql(const std::string& query) {
        auto r =
            support::run("sqlite3 " + shell_quote((repo.path() / ".slipway/state.db").string()) +
                         " " + shell_quote(query));
        EXPECT_EQ(r.status, 0) << r.err;
        return r.out;
    }

    static constexpr const char* k_secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYSECRETKEY";
    support::MotoServer moto;
    support::GitRepo repo;
    std::string env;
};

const char* const k_two_regions = R"(    regions: [us-east-1, eu-west-1]
    waves: [[us-east-1], [eu-west-1]]
)";

TEST_F(StacksCli, StacksDeployInOrderAcrossRegionsReadingOutputsAndOnlyAffectedOnesMove) {
    make_project(k_two_regions);
    auto first = slipway("run --env prod --json-report report.json");
    ASSERT_EQ(first.status, 0) << first.out << first.err;
    for (const char* region : {"us-east-1", "eu-west-1"}) {
        auto net = stack("shop-net", region);
        auto svc = stack("shop-svc", region);
        EXPECT_EQ(net["(status)"], "CREATE_COMPLETE") << region;
        EXPECT_EQ(svc["(status)"], "CREATE_COMPLETE") << region;
        // The output of the other stack in the same region reached the parameter.
        EXPECT_EQ(svc["Vpc"], "vpc-net-1-" + std::string(region));
        EXPECT_EQ(svc["Vpc"], net["output:VpcId"]);
        EXPECT_EQ(svc["ApiImage"], "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:api-1");
    }
    // Wave 1 (both of its stacks) was recorded before wave 2 began; net before svc.
    EXPECT_EQ(sql("SELECT stack || '@' || region || ' ' || status FROM deployments ORDER BY id"),
              "shop-net@us-east-1 succeeded\nshop-svc@us-east-1 succeeded\n"
              "shop-net@eu-west-1 succeeded\nshop-svc@eu-west-1 succeeded\n");
    EXPECT_NE(first.out.find("wave 2  shop-svc@eu-west-1"), std::string::npos) << first.out;

    // A change to one component: only its stack, in both regions; the network untouched.
    const auto net_events = events("shop-net", "us-east-1");
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    auto second = slipway("run --env prod");
    ASSERT_EQ(second.status, 0) << second.out << second.err;
    EXPECT_EQ(sql("SELECT stack || '@' || region FROM deployments WHERE id > 4 ORDER BY id"),
              "shop-svc@us-east-1\nshop-svc@eu-west-1\n");
    EXPECT_EQ(events("shop-net", "us-east-1"), net_events);
    EXPECT_EQ(stack("shop-svc", "eu-west-1")["ApiImage"],
              "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:api-2");
    EXPECT_EQ(stack("shop-svc", "eu-west-1")["Vpc"], "vpc-net-1-eu-west-1");

    // status shows each stack where it is.
    auto status = slipway("status");
    EXPECT_EQ(status.status, 0) << status.err;
    EXPECT_NE(status.out.find("prod shop-svc@eu-west-1: deployment #6"), std::string::npos)
        << status.out;
    EXPECT_EQ(status.out.find("partially deployed"), std::string::npos) << status.out;
}

TEST_F(StacksCli, AFailingStackInWaveOneLeavesWaveTwoUntouched) {
    make_project(k_two_regions);
    ASSERT_EQ(slipway("run --env prod").status, 0);
    const auto eu_events = events("shop-svc", "eu-west-1");
    // The next svc template needs a bucket whose name is taken in us-east-1 (wave 1).
    ASSERT_EQ(aws("s3api create-bucket --bucket shop-taken-us-east-1 --region us-east-1").status,
              0);
    std::string svc = k_svc;
    svc.replace(svc.find("Outputs:"), 0,
                "  Bucket:\n    Type: AWS::S3::Bucket\n"
                "    Properties: {BucketName: !Sub \"shop-taken-${AWS::Region}\"}\n");
    repo.write("svc.yml", svc);
    repo.write("api/main.py", "v2\n");
    repo.commit("svc with a bucket");
    auto r = slipway("run --env prod");
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_EQ(stack("shop-svc", "us-east-1")["(status)"], "UPDATE_ROLLBACK_COMPLETE");
    // Wave 2: exactly as before (the aws CLI's view): no event, the old image.
    EXPECT_EQ(events("shop-svc", "eu-west-1"), eu_events);
    auto eu = stack("shop-svc", "eu-west-1");
    EXPECT_EQ(eu["(status)"], "CREATE_COMPLETE");
    EXPECT_EQ(eu["ApiImage"], "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:api-1");
    EXPECT_NE(r.out.find("shop-svc@eu-west-1: skipped (waits for shop-svc@us-east-1"),
              std::string::npos)
        << r.out;
    EXPECT_EQ(sql("SELECT stack || '@' || region || ' ' || status FROM deployments WHERE id > 4"),
              "shop-svc@us-east-1 failed\n");
    // The next run compares with the last complete deployment, so it still covers api v2.
    auto plan = slipway("run --env prod --plan");
    EXPECT_NE(plan.out.find("would build api"), std::string::npos) << plan.out << plan.err;
}

TEST_F(StacksCli, ARegionAloneLeavesTheEnvironmentPartiallyDeployed) {
    make_project(k_two_regions);
    ASSERT_EQ(slipway("run --env prod").status, 0);
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    auto r = slipway("run --env prod --region eu-west-1");
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(stack("shop-svc", "us-east-1")["ApiImage"],
              "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:api-1");
    EXPECT_EQ(stack("shop-svc", "eu-west-1")["ApiImage"],
              "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:api-2");
    auto status = slipway("status --json");
    EXPECT_NE(status.out.find(R"("partially_deployed":["prod"])"), std::string::npos) << status.out;
    EXPECT_NE(status.out.find(R"("differs":true)"), std::string::npos) << status.out;
    // The whole environment next: us-east-1 catches up, eu-west-1 is already there. api's
    // build #2 is reused (same inputs); reuse checks that its image is in ECR, where these
    // builds (no Docker here) pushed nothing, so it is put where its build would have.
    (void)support::run(env + "aws ecr create-repository --repository-name shop 2>&1");
    ASSERT_EQ(
        support::run(env + "aws " + support::ecr_put_image_args("shop", "api-2") + " 2>&1").status,
        0);
    auto all = slipway("run --env prod");
    ASSERT_EQ(all.status, 0) << all.out << all.err;
    EXPECT_EQ(stack("shop-svc", "us-east-1")["ApiImage"],
              "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:api-2");
    EXPECT_EQ(slipway("status --json").out.find(R"("partially_deployed":["prod"])"),
              std::string::npos);
    auto bad = slipway("run --env prod --region ap-south-1");
    cli_test::expect_one_line_error(bad, 2,
                                    "slipway: error: --region ap-south-1: environment 'prod' has "
                                    "no such target (it has 2 wave(s): us-east-1, eu-west-1)");
}

TEST_F(StacksCli, TwoAccountsThroughAssumedRoles) {
    make_project(R"(    accounts:
      role_arn: "arn:aws:iam::{account}:role/slipway-deploy"
      ids: ["111111111111", "222222222222"]
    region: us-east-1
)");
    auto r = slipway("run --env prod");
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    for (const char* account : {"111111111111", "222222222222"}) {
        const auto creds = assumed("arn:aws:iam::" + std::string(account) + ":role/slipway-deploy");
        EXPECT_EQ(stack("shop-svc", "us-east-1", creds)["(status)"], "CREATE_COMPLETE") << account;
        EXPECT_EQ(stack("shop-net", "us-east-1", creds)["(status)"], "CREATE_COMPLETE") << account;
    }
    EXPECT_TRUE(stack("shop-svc", "us-east-1").empty());  // nothing in the caller's own account
    EXPECT_EQ(sql("SELECT DISTINCT account FROM deployments ORDER BY account"),
              "111111111111\n222222222222\n");
}

// kill -9 while the second of two stacks deploys: the first is recorded, the second stays
// pending; the next command reconciles it from its stack.
TEST_F(StacksCli, AKillBetweenTwoStacksIsReconciledStackByStack) {
    make_project("    region: us-east-1\n");
    const auto dir = repo.path() / ".proxy";
    std::filesystem::create_directories(dir);
    const std::string mark = (dir / "hung").string();
    support::FaultProxy proxy(moto.url(),
                              R"([{"action": "DescribeStackEvents", "after": "ExecuteChangeSet",
                                   "after_times": 2, "hang": true, "mark": ")" +
                                  mark + R"("}])");
    ASSERT_TRUE(proxy.available());
    const std::string log = (dir / "killed.err").string();
    const int pid =
        std::stoi(support::run(cli_test::moto_env(proxy.url(), "AKIDSTACKSTEST", k_secret) +
                               shell_quote(support::slipway_binary()) + " run --env prod --repo " +
                               shell_quote(repo.path().string()) + " >/dev/null 2>" +
                               shell_quote(log) + " & echo $!")
                      .out);
    for (int i = 0; i < 600 && !std::filesystem::exists(mark); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(std::filesystem::exists(mark)) << "the second stack's events were never asked for";
    ::kill(pid, SIGKILL);
    auto gone = [pid] {  // not our child (started through sh): gone, or a zombie nobody reaps
        std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
        std::string stat{std::istreambuf_iterator<char>(in), {}};
        const auto close = stat.rfind(')');
        return close == std::string::npos || close + 2 >= stat.size() || stat[close + 2] == 'Z';
    };
    for (int i = 0; i < 100 && !gone(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(sql("SELECT stack || ' ' || status FROM deployments ORDER BY id"),
              "shop-net succeeded\nshop-svc pending\n");
    auto next = slipway("run --env prod");
    ASSERT_EQ(next.status, 0) << next.out << next.err;
    EXPECT_NE(next.err.find("reconciled deployment #2 of prod (shop-svc) (run "), std::string::npos)
        << next.err;
    EXPECT_NE(next.err.find("): succeeded at "), std::string::npos) << next.err;
    EXPECT_EQ(sql("SELECT stack || ' ' || status FROM deployments ORDER BY id"),
              "shop-net succeeded\nshop-svc succeeded\n");
    EXPECT_EQ(stack("shop-svc", "us-east-1")["ApiImage"],
              "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:api-1");
    EXPECT_NE(next.out.find("nothing affected"), std::string::npos) << next.out;
}

}  // namespace

namespace {

// The 1,000-component case kept small for CI (bench/stacks_makespan.py runs the full size):
// 250 image components over 2 stacks, each under CloudFormation's 200 parameters.
class StacksScaleCli : public StacksCli {
  protected:
    void make_large_project(int count) {
        std::string manifest =
            "version: 1\nproject: big\nimage: {repository: r.example/big}\n"
            "components:\n";
        std::string low = "Parameters:\n", high = "Parameters:\n";
        for (int i = 0; i < count; ++i) {
            const std::string n = std::to_string(1000 + i).substr(1);
            manifest +=
                "  c" + n + ": {paths: [c/" + n + "/], parameter: P" + n + ", build: \"true\"}\n";
            (i < count / 2 ? low : high) += "  P" + n + ": {Type: String}\n";
            repo.write("c/" + n + "/main.py", "v1\n");
        }
        const std::string resources =
            "Resources:\n  R:\n    Type: AWS::SSM::Parameter\n"
            "    Properties: {Name: !Sub \"/big/${AWS::StackName}\", Type: String, Value: x}\n";
        repo.write("low.yml", low + resources);
        repo.write("high.yml", high + resources);
        manifest +=
            "environments:\n  prod:\n    base: main\n    region: us-east-1\n    stacks:\n"
            "      - {name: big-low, template: low.yml, components: [\"c0??\", \"c1[01]?\", "
            "c120, c121, c122, c123, c124]}\n"
            "      - {name: big-high, template: high.yml, components: [\"c12[5-9]\", "
            "\"c1[3-9]?\", \"c2??\"]}\n";
        repo.write("slipway.yml", manifest);
        repo.commit("init");
        repo.git("branch -M main");
    }
};

TEST_F(StacksScaleCli, TwoHundredFiftyComponentsOverTwoStacksAndOneChangeMovesOneStack) {
    make_large_project(250);
    auto validate = slipway("validate");
    ASSERT_EQ(validate.status, 0) << validate.err;
    auto first = slipway("run --env prod --all -q");
    ASSERT_EQ(first.status, 0) << first.out << first.err;
    auto low = stack("big-low", "us-east-1");
    auto high = stack("big-high", "us-east-1");
    EXPECT_EQ(low.size(), 126u);  // 125 parameters and the status
    EXPECT_EQ(high.size(), 126u);
    EXPECT_EQ(low["P000"], "r.example/big:c000-1");
    EXPECT_EQ(high["P249"], "r.example/big:c249-1");
    repo.write("c/200/main.py", "v2\n");
    repo.commit("c200 v2");
    auto second = slipway("run --env prod -q");
    ASSERT_EQ(second.status, 0) << second.out << second.err;
    EXPECT_EQ(sql("SELECT stack FROM deployments WHERE id > 2 ORDER BY id"), "big-high\n");
    EXPECT_EQ(stack("big-high", "us-east-1")["P200"], "r.example/big:c200-2");
}

}  // namespace
