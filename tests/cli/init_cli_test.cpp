// `slipway init` on real git repositories: the starter manifest validates (strictly: every
// pattern matches a file), `slipway affected` then selects what a change touches, and an
// existing manifest is never overwritten without --force.
#include <fstream>
#include <sstream>

#include "cli_fixture.hpp"

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

}  // namespace
