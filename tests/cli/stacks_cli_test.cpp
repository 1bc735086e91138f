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
#include <vector>

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

    std::vector<std::string> alive(const std::string& region);

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
    auto first = slipway("run --env prod");
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
    // The text names the stack that is behind (us-east-1's services), and only that one.
    auto text = slipway("status").out;
    const auto svc_us = text.find("prod shop-svc@us-east-1: deployment #2 of ");
    ASSERT_NE(svc_us, std::string::npos) << text;
    EXPECT_NE(text.substr(svc_us, text.find('\n', svc_us) - svc_us)
                  .find(" (behind: the latest deployment did not reach it)"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("behind", text.find("behind") + 1), std::string::npos) << text;
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

// The stacks alive in `region` (the aws CLI's view: what list-stacks has not deleted), and
// the change sets each has, as "stack" or "stack:change-set".
std::vector<std::string> StacksCli::alive(const std::string& region) {
    std::vector<std::string> out;
    auto r = aws("cloudformation list-stacks --region " + region);
    EXPECT_EQ(r.status, 0) << r.err;
    rapidjson::Document d;
    d.Parse(r.out.c_str());
    if (!d.IsObject() || !d.HasMember("StackSummaries")) return out;
    for (const auto& s : d["StackSummaries"].GetArray()) {
        if (std::string(s["StackStatus"].GetString()) == "DELETE_COMPLETE") continue;
        const std::string name = s["StackName"].GetString();
        out.push_back(name);
        auto sets =
            aws("cloudformation list-change-sets --region " + region + " --stack-name " + name);
        rapidjson::Document c;
        c.Parse(sets.out.c_str());
        if (!c.IsObject() || !c.HasMember("Summaries")) continue;
        for (const auto& cs : c["Summaries"].GetArray())
            out.push_back(name + ":" + cs["ChangeSetName"].GetString());
    }
    return out;
}

// The plan's rows (--json-report with --plan) by label.
std::map<std::string, std::string> plan_rows(const std::filesystem::path& file,
                                             const std::string& field) {
    std::ifstream in(file);
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    rapidjson::Document d;
    d.Parse(text.c_str());
    std::map<std::string, std::string> out;
    if (!d.IsObject() || !d.HasMember("stacks")) return out;
    for (const auto& st : d["stacks"].GetArray()) {
        const auto& v = st[field.c_str()];
        out[st["label"].GetString()] = v.IsString() ? v.GetString()
                                       : v.IsBool() ? (v.GetBool() ? "true" : "false")
                                       : v.IsObject() && v.HasMember("Vpc") ? v["Vpc"].GetString()
                                                                            : "";
    }
    return out;
}

// A plan of an environment never deployed: shop-svc reads an output of shop-net, which the
// same plan would create first. Its parameter a plain String, the change set is made with a
// stand-in value and the preview shows the output as known after shop-net deploys; where no
// stand-in fits the parameter's type, the stack is planned without a change set, saying why.
// Either way the plan leaves no stack or change set behind (the aws CLI's view) and records
// nothing. An output a later change adds previews the same way; one the producing stack's
// template does not declare fails the plan as bad input. A real deploy never uses a
// stand-in, and an output missing from a stack the command does not deploy stays an error,
// with --plan too.
TEST_F(StacksCli, APlanShowsAnOutputOfAStackItWouldCreateAsKnownAfterItDeploys) {
    make_project(k_two_regions);
    const auto report = repo.path() / ".slipway/plan.json";
    const std::string known = "<output VpcId of shop-net, known after it deploys>";
    auto plan = slipway("run --env prod --plan --json-report " + shell_quote(report.string()));
    ASSERT_EQ(plan.status, 0) << plan.out << plan.err;
    for (const std::string region : {"us-east-1", "eu-west-1"}) {
        for (const std::string name : {"shop-net", "shop-svc"})
            EXPECT_NE(plan.out.find(name + "@" + region + ": plan only; change set deleted"),
                      std::string::npos)
                << plan.out;
        EXPECT_EQ(plan_rows(report, "result")["shop-svc@" + region], "planned");
        EXPECT_EQ(plan_rows(report, "previewed")["shop-svc@" + region], "true");
        EXPECT_EQ(plan_rows(report, "unknown_parameters")["shop-svc@" + region], known);
        EXPECT_EQ(alive(region), std::vector<std::string>{}) << region;
    }
    EXPECT_NE(plan.out.find("  Vpc: (none) -> " + known + "\n"), std::string::npos) << plan.out;
    EXPECT_EQ(sql("SELECT count(*) FROM deployments"), "0\n");

    // An output shop-net's template does not declare has no stand-in: bad input (exit 2).
    std::string typo = std::string(k_head) + k_two_regions;
    typo.replace(typo.find("output: VpcId"), 13, "output: VpcID");
    repo.write("slipway.yml", typo);
    repo.commit("a typo");
    auto undeclared = slipway("run --env prod --plan");
    EXPECT_EQ(undeclared.status, 2) << undeclared.out << undeclared.err;
    EXPECT_NE(undeclared.err.find("slipway.yml:17:16: parameter Vpc reads output VpcID of stack "
                                  "shop-net, whose template "),
              std::string::npos)
        << undeclared.err;
    EXPECT_NE(undeclared.err.find("net.yml declares no such output\n"), std::string::npos)
        << undeclared.err;
    repo.write("slipway.yml", std::string(k_head) + k_two_regions);

    // An AWS-specific type: no stand-in can be valid, so no change set for shop-svc.
    std::string typed = k_svc;
    typed.replace(typed.find("Vpc: {Type: String}"), 19, "Vpc: {Type: AWS::EC2::VPC::Id}");
    repo.write("svc.yml", typed);
    repo.commit("a typed Vpc");
    auto unpreviewed =
        slipway("run --env prod --plan --json-report " + shell_quote(report.string()));
    ASSERT_EQ(unpreviewed.status, 0) << unpreviewed.out << unpreviewed.err;
    const std::string why =
        "parameter Vpc (AWS::EC2::VPC::Id) reads output VpcId of shop-net, known only after it "
        "deploys, and no stand-in value fits it: no change set";
    EXPECT_NE(unpreviewed.out.find("shop-svc@us-east-1: planned, not previewed: " + why + "\n"),
              std::string::npos)
        << unpreviewed.out;
    EXPECT_NE(unpreviewed.out.find("shop-net@us-east-1: plan only; change set deleted"),
              std::string::npos)
        << unpreviewed.out;
    EXPECT_NE(unpreviewed.out.find("  wave 2  shop-svc@eu-west-1"), std::string::npos);
    EXPECT_EQ(plan_rows(report, "result")["shop-svc@eu-west-1"], "not-previewed");
    EXPECT_EQ(plan_rows(report, "previewed")["shop-svc@eu-west-1"], "false");
    EXPECT_EQ(plan_rows(report, "message")["shop-svc@eu-west-1"], why);
    EXPECT_EQ(plan_rows(report, "touches_stack")["shop-svc@eu-west-1"], "true");
    for (const char* region : {"us-east-1", "eu-west-1"})
        EXPECT_EQ(alive(region), std::vector<std::string>{}) << region;

    // Deployed for real: the output's value, never a stand-in.
    repo.write("svc.yml", k_svc);
    repo.commit("Vpc a String again");
    auto deployed = slipway("run --env prod");
    ASSERT_EQ(deployed.status, 0) << deployed.out << deployed.err;
    EXPECT_EQ(stack("shop-svc", "eu-west-1")["Vpc"], "vpc-net-1-eu-west-1");

    // One change adds an output to shop-net and a parameter reading it to shop-svc.
    std::string net = k_net;
    repo.write("infra/net.yml", net + "  SubnetId:\n    Value: subnet-1\n");
    std::string svc = k_svc;
    svc.replace(svc.find("  ApiImage:"), 0, "  Subnet: {Type: String}\n");
    repo.write("svc.yml", svc);
    std::string manifest = std::string(k_head) + k_two_regions;
    manifest.replace(manifest.find("          Vpc: {stack"), 0,
                     "          Subnet: {stack: shop-net, output: SubnetId}\n");
    repo.write("slipway.yml", manifest);
    repo.commit("a subnet");
    auto added = slipway("run --env prod --plan");
    ASSERT_EQ(added.status, 0) << added.out << added.err;
    EXPECT_NE(added.out.find("  Subnet: (none) -> <output SubnetId of shop-net, known after it "
                             "deploys>\n"),
              std::string::npos)
        << added.out;
    EXPECT_EQ(added.out.find("  Vpc: "), std::string::npos) << added.out;  // read, unchanged
    EXPECT_EQ(stack("shop-net", "us-east-1").count("output:SubnetId"), 0u);

    // Back as deployed, and api changed: only shop-svc deploys. Its shop-net deleted behind
    // slipway's back in us-east-1, the plan fails there as the deploy would.
    repo.write("slipway.yml", std::string(k_head) + k_two_regions);
    repo.write("infra/net.yml", k_net);
    repo.write("svc.yml", k_svc);
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");
    ASSERT_EQ(aws("cloudformation delete-stack --region us-east-1 --stack-name shop-net").status,
              0);
    for (const char* args : {"run --env prod --plan", "run --env prod"}) {
        auto missing = slipway(args);
        EXPECT_EQ(missing.status, 1) << args << "\n" << missing.out << missing.err;
        EXPECT_NE((missing.out + missing.err)
                      .find(": parameter Vpc reads output VpcId of stack shop-net, which does not "
                            "exist here"),
                  std::string::npos)
            << args << "\n"
            << missing.out << missing.err;
    }
    EXPECT_EQ(stack("shop-svc", "us-east-1")["Vpc"], "vpc-net-1-us-east-1");
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
