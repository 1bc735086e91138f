// `slipway deploy / promote / rollback` end to end against moto_server, each result checked
// with the aws CLI (what the stack holds, what S3 and ECR hold), not with slipway's view.
#include <rapidjson/document.h>

#include "cli_fixture.hpp"
#include "support/moto.hpp"

namespace {

using cli_test::expect_one_line_error;
using support::shell_quote;

constexpr const char* k_manifest = R"(version: 1
project: shop
image: {repository: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop}
components:
  api: {paths: [api/], parameter: ApiImage, build: "true"}
  web: {paths: [web/], parameter: WebImage, build: "true"}
  worker: {paths: [worker/], parameter: WorkerImage, build: "true"}
  stack: {paths: [template.yml], kind: config}
environments:
  test:
    stack: shop-test
    region: us-east-1
    template: template.yml
    parameters: {Stage: test}
    tags: {team: shop}
  prod:
    stack: shop-prod
    region: us-east-1
    template: template.yml
    promote_from: test
    parameters: {Stage: prod}
)";

constexpr const char* k_template = R"(AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage: {Type: String, AllowedValues: [test, prod]}
  ApiImage: {Type: String, AllowedPattern: "[a-z0-9./:-]+"}
  WebImage: {Type: String}
  WorkerImage: {Type: String}
Resources:
  Catalog:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub /shop/${Stage}/api
      Type: String
      Value: !Ref ApiImage
Outputs:
  Api:
    Value: !Ref ApiImage
)";

class DeployCli : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!moto.available()) GTEST_SKIP() << moto.why_not();
        if (!support::have_tools("aws")) GTEST_SKIP() << "no aws CLI";
        repo.write("slipway.yml", k_manifest);
        repo.write("template.yml", k_template);
        for (const char* c : {"api", "web", "worker"})
            repo.write(std::string(c) + "/main.py", "v1\n");
        repo.commit("init");
        env = cli_test::moto_env(moto.url(), "AKIDDEPLOYTEST", k_secret);
    }

    support::CommandResult slipway(const std::string& args, const std::string& extra_env = "") {
        return support::run(env + extra_env + " " + shell_quote(support::slipway_binary()) + " " +
                            args + " --repo " + shell_quote(repo.path()));
    }

    std::string sql(const std::string& query) {
        auto r =
            support::run("sqlite3 " + shell_quote((repo.path() / ".slipway/state.db").string()) +
                         " " + shell_quote(query));
        EXPECT_EQ(r.status, 0) << r.err;
        return r.out;
    }

    support::CommandResult aws(const std::string& args) {
        return support::run(env + "aws --endpoint-url " + moto.url() + " --output json " + args);
    }

    // The stack's parameters as the aws CLI reports them.
    std::map<std::string, std::string> stack_parameters(const std::string& stack) {
        auto r = aws("cloudformation describe-stacks --stack-name " + stack);
        EXPECT_EQ(r.status, 0) << r.err;
        rapidjson::Document d;
        d.Parse(r.out.c_str());
        std::map<std::string, std::string> out;
        if (d.HasParseError() || !d.HasMember("Stacks")) return out;
        for (const auto& p : d["Stacks"][0]["Parameters"].GetArray())
            out[p["ParameterKey"].GetString()] = p["ParameterValue"].GetString();
        out["(status)"] = d["Stacks"][0]["StackStatus"].GetString();
        return out;
    }

    void build_and_deploy(const std::string& build_args, const std::string& deploy_args) {
        auto b = slipway("build -q " + build_args);
        ASSERT_EQ(b.status, 0) << b.err;
        auto d = slipway("deploy --env test " + deploy_args);
        ASSERT_EQ(d.status, 0) << d.out << d.err;
    }

    static constexpr const char* k_secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYSECRETKEY";
    support::MotoServer moto;
    support::GitRepo repo;
    std::string env;
};

TEST_F(DeployCli, FirstDeployCreatesTheStackWithEveryParameter) {
    build_and_deploy("--all", "");
    auto p = stack_parameters("shop-test");
    EXPECT_EQ(p["(status)"], "CREATE_COMPLETE");
    EXPECT_EQ(p["Stage"], "test");
    for (const char* c : {"api", "web", "worker"}) {
        EXPECT_EQ(p[std::string(1, static_cast<char>(std::toupper(c[0]))) + (c + 1) + "Image"],
                  "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:" + std::string(c) + "-1")
            << c;
    }
    auto tags = aws("cloudformation describe-stacks --stack-name shop-test --query Stacks[0].Tags");
    EXPECT_NE(tags.out.find("\"shop\""), std::string::npos) << tags.out;
}

TEST_F(DeployCli, ASecondDeployChangesOnlyTheChangedComponentsParameter) {
    build_and_deploy("--all", "");
    repo.write("web/main.py", "v2\n");
    repo.commit("web v2");
    build_and_deploy("--base HEAD~1", "--latest");
    auto p = stack_parameters("shop-test");
    EXPECT_EQ(p["(status)"], "UPDATE_COMPLETE");
    EXPECT_EQ(p["WebImage"], "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:web-2");
    EXPECT_EQ(p["ApiImage"], "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:api-1");
    EXPECT_EQ(p["WorkerImage"], "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:worker-1");
    auto history = slipway("history web --json");
    EXPECT_NE(history.out.find("\"build_number\":2,\"changed\":true"), std::string::npos)
        << history.out;
    auto api = slipway("history api --json");
    EXPECT_NE(api.out.find("\"build_number\":1,\"changed\":false"), std::string::npos) << api.out;
    // The text says which deployment brought the image and which only kept it.
    auto text = slipway("history api").out;
    EXPECT_NE(text.find("test       #1     succeeded  deploy   kept"), std::string::npos) << text;
    EXPECT_NE(text.find("test       #1     succeeded  deploy   new"), std::string::npos) << text;
}

TEST_F(DeployCli, NothingChangedIsASuccessThatRecordsNothing) {
    build_and_deploy("--all", "");
    auto again = slipway("deploy --env test");
    ASSERT_EQ(again.status, 0) << again.err;
    EXPECT_NE(again.out.find("shop-test: stack is up to date (no changes); nothing recorded"),
              std::string::npos)
        << again.out;
    auto history = slipway("history api --json");
    EXPECT_EQ(std::count(history.out.begin(), history.out.end(), '{') - 2, 1) << history.out;
}

TEST_F(DeployCli, PromoteMovesTheSameImagesWithoutRebuilding) {
    auto refused = slipway("promote --to prod");
    expect_one_line_error(refused, 2, "environment 'test' has no succeeded deployment to promote");
    build_and_deploy("--all", "");
    repo.write("api/main.py", "v2\n");
    repo.commit("api v2");  // built but never deployed to test: must not reach prod
    ASSERT_EQ(slipway("build -q --base HEAD~1").status, 0);
    auto promoted = slipway("promote --to prod");
    ASSERT_EQ(promoted.status, 0) << promoted.err;
    auto test = stack_parameters("shop-test");
    auto prod = stack_parameters("shop-prod");
    EXPECT_EQ(prod["Stage"], "prod");
    for (const char* key : {"ApiImage", "WebImage", "WorkerImage"}) EXPECT_EQ(prod[key], test[key]);
    auto history = slipway("history api --env prod");
    EXPECT_NE(history.out.find("prod       #1     succeeded  promote"), std::string::npos)
        << history.out;
    auto status = slipway("status --json");
    EXPECT_NE(status.out.find("\"prod\":{\"build_number\":1"), std::string::npos) << status.out;
}

TEST_F(DeployCli, RollbackRedeploysAnEarlierSetOrOneComponentsEarlierBuild) {
    build_and_deploy("--all", "");  // deployment 1: all at #1
    repo.write("api/main.py", "v2\n");
    repo.write("web/main.py", "v2\n");
    repo.commit("v2");
    build_and_deploy("--base HEAD~1", "--latest");  // deployment 2: api #2, web #2
    auto one = slipway("rollback --env test --component web --build 1 --reason web");
    ASSERT_EQ(one.status, 0) << one.err;
    auto p = stack_parameters("shop-test");
    EXPECT_EQ(p["WebImage"], "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:web-1");
    EXPECT_EQ(p["ApiImage"], "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:api-2");
    auto all = slipway("rollback --env test --to 1 --reason all");
    ASSERT_EQ(all.status, 0) << all.err;
    p = stack_parameters("shop-test");
    EXPECT_EQ(p["ApiImage"], "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:api-1");
    auto bad = slipway("rollback --env test --to 99 --reason no");
    expect_one_line_error(bad, 2, "no succeeded deployment #99 of environment 'test'");
}

// Every deploy, promote and rollback is a run with its trigger and actor; history and status
// say who deployed what, when, from which commit.
TEST_F(DeployCli, EveryDeployIsARunThatSaysWho) {
    if (!support::have_tools("sqlite3")) GTEST_SKIP() << "needs sqlite3";
    ASSERT_EQ(slipway("build -q --all").status, 0);
    auto deployed = slipway("deploy --env test", " GITHUB_RUN_ID=77 GITHUB_ACTOR=octocat");
    ASSERT_EQ(deployed.status, 0) << deployed.err;
    auto promoted = slipway("promote --to prod", " USER=alice");
    ASSERT_EQ(promoted.status, 0) << promoted.err;
    auto changed = slipway(
        "deploy --env test --images api=123456789012.dkr.ecr.us-east-1."
        "amazonaws.com/shop:api-hotfix",
        " USER=alice");
    ASSERT_EQ(changed.status, 0) << changed.err;
    auto rolled = slipway("rollback --env test --to 1 --reason ci",
                          " CODEBUILD_BUILD_ID=p:1 "
                          "CODEBUILD_INITIATOR=codepipeline/rel");
    ASSERT_EQ(rolled.status, 0) << rolled.err;
    const std::string name = support::run("hostname").out;
    const std::string host = name.substr(0, name.find('\n'));
    EXPECT_EQ(sql("SELECT kind, trigger, actor, status FROM runs WHERE kind != 'build' ORDER BY "
                  "started_at"),
              "deploy|github:77|github:octocat|succeeded\n"
              "promote|cli|alice@" +
                  host +
                  "|succeeded\n"
                  "deploy|cli|alice@" +
                  host +
                  "|succeeded\n"
                  "rollback|codebuild:p:1|codebuild:codepipeline/rel|succeeded\n");
    // Every deployment belongs to a run that is in the store.
    EXPECT_EQ(sql("SELECT count(*) FROM deployments d LEFT JOIN runs r ON r.id = d.run_id "
                  "WHERE r.id IS NULL"),
              "0\n");
    EXPECT_EQ(
        sql("SELECT actor FROM deployments ORDER BY id"),
        "github:octocat\nalice@" + host + "\nalice@" + host + "\ncodebuild:codepipeline/rel\n");
    auto history = slipway("history api --json");
    EXPECT_NE(history.out.find("\"actor\":\"alice@" + host + "\""), std::string::npos)
        << history.out;
    const std::string commit = repo.git("rev-parse HEAD").substr(0, 12);
    auto status = slipway("status");
    EXPECT_NE(status.out.find("prod: deployment #2 of " + commit + " at "), std::string::npos)
        << status.out;
    EXPECT_NE(status.out.find(" by alice@" + host), std::string::npos) << status.out;
}

TEST_F(DeployCli, BadParametersFailBeforeAnyAwsCall) {
    ASSERT_EQ(slipway("build -q --all").status, 0);
    auto bad = slipway("deploy --env test --images 'api=UPPER_CASE'");
    expect_one_line_error(
        bad, 2,
        "template.yml:4: parameter ApiImage (component 'api'): value 'UPPER_CASE' "
        "does not match its AllowedPattern");
    auto unknown = slipway("deploy --env staging");
    expect_one_line_error(unknown, 2, "unknown environment 'staging'");
    EXPECT_NE(aws("cloudformation describe-stacks --stack-name shop-test").status, 0);  // untouched
    if (support::run("command -v sqlite3").status == 0) {
        EXPECT_EQ(sql("SELECT count(*) FROM runs WHERE kind = 'deploy'"), "0\n");  // no record
    }
}

TEST_F(DeployCli, AHeldLeaseMakesASecondDeployExitBusy) {
    ASSERT_EQ(slipway("build -q --all").status, 0);
    auto held = support::run(
        "python3 -c \"import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); db.execute("
        "'INSERT INTO locks VALUES (?,?,?,?)', ('deploy/test','ci-runner-7:4242:run',0,"
        "99999999999999)); db.commit()\" " +
        shell_quote((repo.path() / ".slipway/state.db").string()));
    ASSERT_EQ(held.status, 0) << held.err;
    auto busy = slipway("deploy --env test");
    expect_one_line_error(busy, 3, "environment 'test' is being deployed by ci-runner-7:4242:run");
    EXPECT_NE(aws("cloudformation describe-stacks --stack-name shop-test").status, 0);
}

TEST_F(DeployCli, PlanPreviewsAndDeletesTheChangeSet) {
    build_and_deploy("--all", "");
    repo.write("web/main.py", "v2\n");
    repo.commit("web v2");
    ASSERT_EQ(slipway("build -q --base HEAD~1").status, 0);
    auto plan = slipway("deploy --env test --latest --plan");
    ASSERT_EQ(plan.status, 0) << plan.err;
    EXPECT_NE(plan.out.find("WebImage: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:web-1 -> "
                            "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:web-2"),
              std::string::npos)
        << plan.out;
    EXPECT_NE(plan.out.find("plan only; change set deleted"), std::string::npos);
    EXPECT_EQ(stack_parameters("shop-test")["WebImage"],
              "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:web-1");
}

TEST_F(DeployCli, WriteOverridesProducesCodePipelinesTemplateConfiguration) {
    ASSERT_EQ(slipway("build -q --all").status, 0);
    const auto file = repo.path() / "overrides.json";
    auto r = slipway("deploy --env test --write-overrides " + shell_quote(file.string()));
    ASSERT_EQ(r.status, 0) << r.err;
    auto text = support::run("cat " + shell_quote(file.string())).out;
    EXPECT_EQ(text,
              "{\"Parameters\":{\"ApiImage\":\"123456789012.dkr.ecr.us-east-1.amazonaws.com/"
              "shop:api-1\",\"Stage\":\"test\",\"WebImage\":\"123456789012.dkr.ecr.us-east-1."
              "amazonaws.com/shop:web-1\",\"WorkerImage\":\"123456789012.dkr.ecr.us-east-1."
              "amazonaws.com/shop:worker-1\"},\"Tags\":{\"team\":\"shop\"}}\n");
    EXPECT_NE(aws("cloudformation describe-stacks --stack-name shop-test").status, 0);
}

TEST_F(DeployCli, SecretsNeverAppearInVerboseOutput) {
    ASSERT_EQ(slipway("build -q --all").status, 0);
    auto r = slipway("-v deploy --env test");
    ASSERT_EQ(r.status, 0) << r.err;
    // Verbose: each AWS call names its service and action.
    EXPECT_NE(r.err.find("aws: cloudformation DescribeStacks (POST http"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("aws: cloudformation ExecuteChangeSet (POST"), std::string::npos);
    EXPECT_EQ((r.out + r.err).find(k_secret), std::string::npos);
}

TEST_F(DeployCli, PackagesLocalCodeToS3AndRetagsImagesInEcr) {
    std::string m = k_manifest;
    m.insert(
        m.find("    tags: {team: shop}\n"),
        "    artifact_bucket: shop-artifacts\n    image: {promote_tags: true, immutable: true}\n");
    repo.write("slipway.yml", m);
    repo.write("fn/app.py", "def handler(e, c):\n    return 1\n");
    std::string t = k_template;
    t.insert(t.find("Outputs:"),
             "  FnRole:\n    Type: AWS::IAM::Role\n    Properties:\n"
             "      AssumeRolePolicyDocument: {Version: '2012-10-17', Statement: [{Effect: Allow, "
             "Principal: {Service: lambda.amazonaws.com}, Action: 'sts:AssumeRole'}]}\n"
             "  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n"
             "      Handler: app.handler\n      Role: !GetAtt FnRole.Arn\n      Code: fn\n");
    repo.write("template.yml", t);
    repo.commit("lambda");
    ASSERT_EQ(aws("s3api create-bucket --bucket shop-artifacts").status, 0);
    ASSERT_EQ(aws("ecr create-repository --repository-name shop").status, 0);
    const std::string manifest =
        R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",)"
        R"("config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":1,)"
        R"("digest":"sha256:aaaa"},"layers":[]})";
    for (const char* c : {"api", "web", "worker"}) {
        auto put = aws("ecr put-image --repository-name shop --image-tag " + std::string(c) +
                       "-1 --image-manifest " + shell_quote(manifest));
        ASSERT_EQ(put.status, 0) << put.err;
    }
    ASSERT_EQ(slipway("build -q --all").status, 0);
    auto first = slipway("deploy --env test --yes");
    ASSERT_EQ(first.status, 0) << first.out << first.err;
    EXPECT_NE(first.out.find("uploaded fn -> s3://shop-artifacts/slipway/shop/"), std::string::npos)
        << first.out;
    auto objects = aws("s3api list-objects-v2 --bucket shop-artifacts --query Contents[].Key");
    EXPECT_NE(objects.out.find("slipway/shop/"), std::string::npos) << objects.out << objects.err;
    EXPECT_NE(objects.out.find(".zip"), std::string::npos) << objects.out;
    auto fn = aws("lambda list-functions --query Functions[].Handler");
    EXPECT_NE(fn.out.find("app.handler"), std::string::npos) << fn.out;
    auto images =
        aws("ecr describe-images --repository-name shop --query imageDetails[].imageTags");
    EXPECT_NE(images.out.find("\"api-test\""), std::string::npos) << images.out;
    EXPECT_NE(images.out.find("\"api-test-2"), std::string::npos) << images.out;  // timestamped
    // The same code again: the key exists, nothing is uploaded.
    repo.write("web/main.py", "v2\n");
    repo.commit("web v2");
    ASSERT_EQ(slipway("build -q --base HEAD~1").status, 0);
    auto again = slipway("deploy --env test --latest");
    ASSERT_EQ(again.status, 0) << again.err;
    EXPECT_NE(again.out.find("unchanged fn -> s3://shop-artifacts/slipway/shop/"),
              std::string::npos)
        << again.out;
}

}  // namespace
