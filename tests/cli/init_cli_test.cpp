// `slipway init` on real git repositories: the starter manifest validates (strictly: every
// pattern matches a file), `slipway affected` then selects what a change touches, and an
// existing manifest is never overwritten without --force. A repository of several templates
// gets a stack per template, which validates and plans on moto.
#include <rapidjson/document.h>

#include <fstream>
#include <sstream>

#include "cli_fixture.hpp"
#include "support/moto.hpp"

namespace {

using cli_test::expect_one_line_error;
using cli_test::slipway;
using support::shell_quote;

constexpr const char* k_template = R"(AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, AllowedValues: [dev, prod]}
  ApiImageUri: {Type: String}
  HelloFnImage: {Type: String}
  TrainJobImageUri: {Type: String}
  ReportsBucket: {Type: String, Default: reports}
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
      ImageUri: !Ref HelloFnImage
    Metadata:
      DockerContext: ./functions/hello
      Dockerfile: Dockerfile
  Api:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions: [{Name: api, Image: !Ref ApiImageUri}]
  Train:
    Type: AWS::Batch::JobDefinition
    Properties:
      Type: container
      ContainerProperties: {Image: !Ref TrainJobImageUri}
)";

std::string read(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// A monorepo with Dockerfile folders, an npm workspace with a dependency, a SAM template,
// a Go module and a Python package; branches main and dev.
void write_monorepo(const support::GitRepo& repo) {
    repo.write("package.json", R"({"private": true, "workspaces": ["services/*", "packages/*"]})");
    repo.write("package-lock.json", "{}\n");
    repo.write("services/api/package.json",
               R"({"name": "@acme/api", "dependencies": {"@acme/common": "workspace:*"}})");
    repo.write("services/api/Dockerfile", "FROM node:20\n");
    repo.write("services/api/index.js", "require('@acme/common')\n");
    repo.write("packages/common/package.json", R"({"name": "@acme/common"})");
    repo.write("packages/common/index.js", "module.exports = 1\n");
    repo.write("functions/hello/Dockerfile", "FROM public.ecr.aws/lambda/python:3.12\n");
    repo.write("functions/hello/app.py", "def handler(e, c): return 1\n");
    repo.write("jobs/train/pyproject.toml", "[project]\nname = \"train\"\n");
    repo.write("jobs/train/Dockerfile", "FROM python:3.12\n");
    repo.write("jobs/train/train.py", "print(1)\n");
    repo.write("tools/gen/go.mod", "module example.com/gen\n\ngo 1.22\n");
    repo.write("tools/gen/main.go", "package main\nfunc main() {}\n");
    repo.write("template.yaml", k_template);
    repo.write("README.md", "# shop\n");
    repo.commit("a monorepo");
    repo.git("branch dev");
}

std::string affected_by(const support::GitRepo& repo, const std::string& file) {
    repo.write(file, "changed\n");
    repo.commit("change " + file);
    auto r = slipway("affected --repo " + shell_quote(repo.path()) + " --base HEAD~1");
    EXPECT_EQ(r.status, 0) << r.err;
    return r.out;
}

TEST(InitCli, WritesAManifestThatValidatesAndSelects) {
    support::GitRepo repo;
    write_monorepo(repo);
    auto r = slipway("init --repo " + shell_quote(repo.path()));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_NE(r.out.find("component api (image): services/api/Dockerfile; npm workspace "
                         "@acme/api (services/api/package.json); parameter ApiImageUri: its "
                         "name matches\n"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("component hello (image): SAM function Hello builds its image here; "
                         "functions/hello/Dockerfile; parameter HelloFnImage: Hello's ImageUri\n"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("component gen (library): Go module example.com/gen (tools/gen/go.mod)\n"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("environment dev: stack "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("parameters no component took: ReportsBucket, Stage\n"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("wrote " + (repo.path() / "slipway.yml").string() +
                         " (6 components, 2 environments)"),
              std::string::npos)
        << r.out;
    const std::string manifest = read(repo.path() / "slipway.yml");
    EXPECT_NE(manifest.find("    parameter: TrainJobImageUri\n"), std::string::npos) << manifest;
    EXPECT_NE(manifest.find("    depends_on: [common]\n"), std::string::npos) << manifest;
    repo.commit("adopt slipway");

    auto valid = slipway("validate --strict --repo " + shell_quote(repo.path()));
    EXPECT_EQ(valid.status, 0) << valid.err << manifest;
    EXPECT_NE(valid.out.find("ok (6 components, 2 environments, 0 warnings)"), std::string::npos)
        << valid.out;

    EXPECT_EQ(affected_by(repo, "packages/common/index.js"), "common\napi\n");
    EXPECT_EQ(affected_by(repo, "functions/hello/app.py"), "hello\n");
    EXPECT_EQ(affected_by(repo, "jobs/train/train.py"), "train\n");
    EXPECT_EQ(affected_by(repo, "template.yaml"), "template\n");
    EXPECT_EQ(affected_by(repo, "package-lock.json"), "common\napi\n");
    EXPECT_EQ(affected_by(repo, "README.md"), "");
}

TEST(InitCli, NeverOverwritesWithoutForce) {
    support::GitRepo repo;
    write_monorepo(repo);
    repo.write("slipway.yml", "# mine\n");
    expect_one_line_error(slipway("init --repo " + shell_quote(repo.path())), 2,
                          "writing " + (repo.path() / "slipway.yml").string() +
                              ": it exists (use --force to overwrite it)");
    EXPECT_EQ(read(repo.path() / "slipway.yml"), "# mine\n");

    auto forced = slipway("init --force --repo " + shell_quote(repo.path()));
    ASSERT_EQ(forced.status, 0) << forced.err;
    const std::string first = read(repo.path() / "slipway.yml");
    EXPECT_NE(first.find("version: 1\n"), std::string::npos);
    ASSERT_EQ(slipway("init --force --repo " + shell_quote(repo.path())).status, 0);
    EXPECT_EQ(read(repo.path() / "slipway.yml"), first);  // deterministic
    for (const auto& entry : std::filesystem::directory_iterator(repo.path()))
        EXPECT_FALSE(entry.path().string().ends_with(".tmp")) << entry.path();
}

TEST(InitCli, ExplicitTemplateAndUnusableInput) {
    support::GitRepo repo;
    repo.write("infra/stack.yml",
               "Resources:\n  F:\n    Type: AWS::Lambda::Function\n"
               "    Properties:\n      Code: ../src/f\n");
    repo.write("src/f/index.py", "x\n");
    auto r = slipway("init --repo " + shell_quote(repo.path()) + " --template " +
                     shell_quote((repo.path() / "infra/stack.yml").string()));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("component f (config): the template packages it (F.Code)\n"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("no dev, test, staging, prod or main branch"), std::string::npos) << r.out;
    repo.commit("adopt slipway");
    auto valid = slipway("validate --strict --repo " + shell_quote(repo.path()));
    EXPECT_EQ(valid.status, 0) << valid.err;

    support::GitRepo empty;
    empty.write("notes.txt", "x\n");
    expect_one_line_error(slipway("init --repo " + shell_quote(empty.path())), 2,
                          "found nothing to make a component of");
    expect_one_line_error(
        slipway("init --repo " + shell_quote(empty.path()) + " --template /etc/hostname"), 2,
        "--template /etc/hostname: not inside the repository");
}

// README's adopt flow, exactly as written there, in a fresh clone of a repository with an
// origin: the manifest init writes validates strictly before it is committed (slipway.yml is
// no global input, so the uncommitted file is no pattern matching nothing) and is added.
TEST(InitCli, TheReadmeAdoptFlowAsWritten) {
    support::GitRepo repo;
    write_monorepo(repo);
    repo.git("remote add origin git@github.com:acme/shop.git");
    std::string readme;
    {
        std::ifstream in(std::string(SLIPWAY_SOURCE_DIR) + "/README.md");
        std::stringstream s;
        s << in.rdbuf();
        readme = s.str();
    }
    const std::string flow =
        "slipway init            # writes slipway.yml from what is there; "
        "[--template FILE] [--force]\n"
        "slipway validate --strict && git add slipway.yml\n";
    ASSERT_NE(readme.find("cd your-monorepo\n" + flow), std::string::npos)
        << "README's adopt flow changed: change this test with it";
    const auto bin = std::filesystem::path(support::slipway_binary()).parent_path();
    auto r = support::run("cd " + shell_quote(repo.path()) +
                          " && PATH=" + shell_quote(bin.string()) + ":\"$PATH\" && " + flow);
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("ok (6 components, 2 environments, 0 warnings)"), std::string::npos)
        << r.out << r.err;
    EXPECT_EQ(repo.git("diff --cached --name-only"), "slipway.yml\n");
    const std::string manifest = read(repo.path() / "slipway.yml");
    EXPECT_NE(manifest.find("commit_url: https://github.com/acme/shop/commit/{commit}\n"),
              std::string::npos)
        << manifest;
    EXPECT_NE(manifest.find("    parameters:\n      Stage: dev\n"), std::string::npos) << manifest;
}

// What would not deploy is said by init (stderr, and in the file) and caught by
// `validate --strict` (exit 2) before any run: a code folder without its dependencies, no
// artifact bucket, a parameter without a value. --json gives the same findings.
TEST(InitCli, WhatWouldNotDeployIsSaidAndCaught) {
    support::GitRepo repo;
    repo.write("template.yaml", R"(Transform: AWS::Serverless-2016-10-31
Parameters:
  TableName: {Type: String}
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: orders/, Handler: app.handler, Runtime: python3.12}
)");
    repo.write("orders/app.py", "import requests\n");
    repo.write("orders/requirements.txt", "requests\n");
    repo.commit("sam app");
    repo.git("branch -m main");
    auto r = slipway("init --repo " + shell_quote(repo.path()));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err,
              "slipway: warning: orders has requirements.txt but no installed packages "
              "(*.dist-info): zipped as it is, the function would deploy without its "
              "dependencies; build it first (`sam build`, then deploy "
              ".aws-sam/build/template.yaml: the environment's template) and package the built "
              "folder\n");
    EXPECT_NE(r.out.find("to do: set each environment's artifact_bucket"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("to do: give TableName a value in prod's parameters"), std::string::npos)
        << r.out;
    auto valid = slipway("validate --strict --repo " + shell_quote(repo.path()));
    EXPECT_EQ(valid.status, 2) << valid.out << valid.err;
    for (const char* warning :
         {"template parameter TableName (template.yaml) has no Default and no value",
          "Orders.CodeUri orders/ is packaged and uploaded: set the environment's artifact_bucket",
          "orders has requirements.txt but no installed packages"})
        EXPECT_NE(valid.err.find(warning), std::string::npos) << warning << "\n" << valid.err;

    auto json = slipway("init --json --force --repo " + shell_quote(repo.path()));
    ASSERT_EQ(json.status, 0) << json.err;
    EXPECT_EQ(json.err, "");
    EXPECT_NE(json.out.find("\"warnings\":[\"orders has requirements.txt"), std::string::npos)
        << json.out;
    EXPECT_NE(json.out.find("\"template\":\"template.yaml\""), std::string::npos) << json.out;
}

// Three templates in three folders and a CI pipeline's (issue 29), as plain CloudFormation moto
// deploys: a network that outputs VpcId, services whose parameters take two Dockerfile
// folders' images, functions with an image and a packaged code folder.
constexpr const char* k_network_cfn = R"(AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage: {Type: String, AllowedValues: [dev, prod]}
Resources:
  Net:
    Type: AWS::SSM::Parameter
    Properties: {Name: !Sub "/shop/${Stage}/net", Type: String, Value: net}
Outputs:
  VpcId: {Value: !Sub "vpc-${Stage}"}
)";

constexpr const char* k_services_cfn = R"(AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage: {Type: String, AllowedValues: [dev, prod]}
  VpcId: {Type: String}
  ApiImageUri: {Type: String}
  WorkerImageUri: {Type: String}
Resources:
  Api:
    Type: AWS::SSM::Parameter
    Properties: {Name: !Sub "/shop/${Stage}/api", Type: String, Value: !Ref ApiImageUri}
  Worker:
    Type: AWS::SSM::Parameter
    Properties: {Name: !Sub "/shop/${Stage}/worker", Type: String, Value: !Ref WorkerImageUri}
  Vpc:
    Type: AWS::SSM::Parameter
    Properties: {Name: !Sub "/shop/${Stage}/vpc", Type: String, Value: !Ref VpcId}
)";

constexpr const char* k_functions_cfn = R"(AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage: {Type: String, AllowedValues: [dev, prod]}
  ResizeImageUri: {Type: String}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: "sts:AssumeRole"}]}
  Resize:
    Type: AWS::Lambda::Function
    Properties: {PackageType: Image, Code: {ImageUri: !Ref ResizeImageUri}, Role: !GetAtt Role.Arn}
  Thumbs:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: app.handler, Role: !GetAtt Role.Arn, Code: thumbs}
)";

constexpr const char* k_pipeline_cfn = R"(AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Build:
    Type: AWS::CodeBuild::Project
    Properties: {Name: shop}
)";

// `text` with `from` replaced by `to` (the test fails when `from` is not there).
std::string edited(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from << "\n" << text;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
}

TEST(InitCli, SeveralTemplatesBecomeStacksThatValidateAndPlan) {
    support::MotoServer moto;
    if (!moto.available()) GTEST_SKIP() << moto.why_not();
    if (!support::have_tools("aws")) GTEST_SKIP() << "no aws CLI";
    const std::string env =
        cli_test::moto_env(moto.url(), "AKIDINITSTACKS", "wJalrXUtnFEMI-K7MDENG-bPxRfiCYSECRETKEY");
    support::GitRepo repo;
    repo.write("infra/network.yml", k_network_cfn);
    repo.write("services/template.yml", k_services_cfn);
    repo.write("services/api/Dockerfile", "FROM python:3.12\n");
    repo.write("services/api/main.py", "print(1)\n");
    repo.write("services/worker/Dockerfile", "FROM python:3.12\n");
    repo.write("functions/template.yml", k_functions_cfn);
    repo.write("functions/resize/Dockerfile", "FROM public.ecr.aws/lambda/python:3.12\n");
    repo.write("functions/thumbs/app.py", "def handler(e, c):\n    return 1\n");
    repo.write("ci/pipeline.yml", k_pipeline_cfn);
    repo.commit("three templates");
    repo.git("branch -M main");
    auto run = [&](const std::string& args) {
        return support::run(env + shell_quote(support::slipway_binary()) + " " + args + " --repo " +
                            shell_quote(repo.path()));
    };

    // --json: the stacks and their names (the project is the repository folder's name).
    auto json = run("init --json");
    ASSERT_EQ(json.status, 0) << json.err;
    rapidjson::Document d;
    d.Parse(json.out.c_str());
    ASSERT_FALSE(d.HasParseError()) << json.out;
    ASSERT_EQ(d["stacks"].Size(), 3u) << json.out;
    EXPECT_TRUE(d["template"].IsNull());
    EXPECT_EQ(std::string(d["stacks"][1]["template"].GetString()), "infra/network.yml");
    EXPECT_EQ(std::string(d["stacks"][2]["outputs_elsewhere"]["VpcId"].GetString()),
              "infra/network.yml");
    const auto& prod = d["environments"][0];
    ASSERT_EQ(prod["stacks"].Size(), 3u);
    std::vector<std::string> stacks;
    for (const auto& s : prod["stacks"].GetArray()) stacks.emplace_back(s.GetString());
    const std::string project = d["project"].GetString();
    EXPECT_EQ(stacks,
              (std::vector<std::string>{project + "-functions-prod", project + "-network-prod",
                                        project + "-services-prod"}));

    // The text output says what was decided.
    auto r = run("init --force");
    ASSERT_EQ(r.status, 0) << r.err;
    for (const std::string& line : std::vector<std::string>{
             "stack functions: functions/template.yml (2 parameters): functions-template, resize, "
             "thumbs\n",
             "stack network: infra/network.yml (1 parameters): network-template (no image or code "
             "of its own: deployed when the template changes)\n",
             "stack services: services/template.yml (4 parameters): api, services-template, "
             "worker\n",
             "environment prod: stacks " + stacks[0] + ", " + stacks[1] + ", " + stacks[2] +
                 ", from the branch main\n",
             "note: ci/pipeline.yml: a CI/CD pipeline's template",
             "to do: give VpcId a value in prod's stack " + stacks[2]})
        EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
    EXPECT_NE(r.out.find("(7 components, 1 environments)"), std::string::npos) << r.out;

    // Before the to-dos, validate --strict says what is missing.
    auto before = run("validate --strict");
    EXPECT_EQ(before.status, 2) << before.out << before.err;
    EXPECT_NE(before.err.find("template parameter VpcId (services/template.yml) has no Default"),
              std::string::npos)
        << before.err;
    // The to-dos: the artifact bucket, the network's output for VpcId.
    std::string manifest = read(repo.path() / "slipway.yml");
    manifest = edited(manifest, "    # artifact_bucket: my-bucket",
                      "    artifact_bucket: shop-artifacts #");
    manifest = edited(
        manifest, "        # parameters: {VpcId: {stack:", "        parameters: {VpcId: {stack:");
    manifest = edited(manifest, "output: VpcId}}  (TODO", "output: VpcId}}  # (TODO");
    repo.write("slipway.yml", manifest);
    auto valid = run("validate --strict");
    EXPECT_EQ(valid.status, 0) << valid.out << valid.err << manifest;
    EXPECT_NE(valid.out.find("ok (7 components, 1 environments, 0 warnings)"), std::string::npos)
        << valid.out;
    repo.commit("adopt slipway");

    // Every stack plans on moto: images for every component, the code packaged, the
    // services reading the network's output. The network stack exists already (made with the
    // aws CLI, as a repository being adopted has it): a plan cannot read the output of a stack
    // that is not there.
    auto aws = [&](const std::string& args) {
        return support::run(env + "aws --endpoint-url " + moto.url() + " --output text " + args);
    };
    ASSERT_EQ(aws("s3api create-bucket --bucket shop-artifacts").status, 0);
    auto net = aws("cloudformation create-stack --stack-name " + stacks[1] + " --template-body " +
                   shell_quote("file://" + (repo.path() / "infra/network.yml").string()) +
                   " --parameters ParameterKey=Stage,ParameterValue=prod");
    ASSERT_EQ(net.status, 0) << net.err;
    auto plan = run("run --env prod --plan --all");
    EXPECT_EQ(plan.status, 0) << plan.out << plan.err;
    for (const char* c : {"api", "worker", "resize"})
        EXPECT_NE(plan.out.find(std::string("would build ") + c), std::string::npos)
            << c << "\n"
            << plan.out << plan.err;
    for (const std::string& line : {stacks[0] + ": plan only; change set deleted",
                                    stacks[1] + ": stack is up to date (no changes)",
                                    stacks[2] + ": plan only; change set deleted"})
        EXPECT_NE(plan.out.find(line), std::string::npos) << line << "\n" << plan.out << plan.err;
    EXPECT_NE(plan.out.find("  VpcId: (none) -> vpc-prod\n"), std::string::npos) << plan.out;
    EXPECT_NE(plan.out.find("uploaded thumbs -> s3://shop-artifacts/"), std::string::npos)
        << plan.out;
    // A plan changes nothing: the services stack was not created (the aws CLI's view).
    auto services = aws("cloudformation describe-stacks --stack-name " + stacks[2]);
    EXPECT_EQ(services.out.find("CREATE_COMPLETE"), std::string::npos) << services.out;
}

}  // namespace
