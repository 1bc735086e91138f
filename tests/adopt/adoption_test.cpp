// Discovery on the shapes real monorepos have (issue 26): Dockerfiles built from the
// repository root (turbo prune, a compose file), workspace files owned by the packages they
// affect, examples and tests that are not components, development dependencies that are not
// depends_on, uv workspaces, SAM image functions without an ImageUri parameter, code folders
// that would deploy without their dependencies, stage parameters, several templates and the
// commit URL of the origin remote. In-memory repositories; the starter manifest always loads.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "adopt/discover.hpp"
#include "adopt/starter_manifest.hpp"
#include "components/graph.hpp"
#include "repo_files.hpp"

namespace {

using components::ComponentKind;
using Strings = std::vector<std::string>;

const adopt::FoundComponent* find(const adopt::Discovery& d, const std::string& name) {
    for (const auto& c : d.components) {
        if (c.name == name) return &c;
    }
    return nullptr;
}

adopt::Discovery discover(const adopt_test::RepoFiles& repo, std::vector<std::string> refs = {},
                          std::string origin = "") {
    adopt::DiscoverInput in;
    in.files = repo.paths();
    in.refs = std::move(refs);
    in.project = "shop";
    in.origin_url = std::move(origin);
    auto d = adopt::discover(in, repo.reader());
    EXPECT_TRUE(d) << (d ? "" : d.error().message);
    // Whatever was found, the manifest loads and its graph builds.
    const std::string text = adopt::starter_manifest(*d);
    auto m = components::parse_manifest(text, "slipway.yml");
    EXPECT_TRUE(m) << (m ? "" : m.error().message) << "\n" << text;
    if (m) {
        EXPECT_TRUE(components::build_graph(*m)) << text;
    }
    return *d;
}

bool has_note(const adopt::Discovery& d, const std::string& part) {
    for (const auto& n : d.notes) {
        if (n.find(part) != std::string::npos) return true;
    }
    return false;
}

// A pnpm + Turborepo monorepo: apps whose Dockerfiles run `turbo prune` from the root, a
// catalog in pnpm-workspace.yaml, patches, an example app and tests.
adopt_test::RepoFiles turborepo() {
    adopt_test::RepoFiles repo;
    repo.text = {
        {"package.json", R"({"private": true, "devDependencies": {"turbo": "2"}})"},
        {"pnpm-workspace.yaml",
         "packages:\n  - apps/*\n  - packages/*\n  - examples/*\n"
         "catalog:\n  react: ^18\n"},
        {"pnpm-lock.yaml", "lockfileVersion: '9.0'\n"},
        {"turbo.json", "{}"},
        {".dockerignore", "node_modules\n"},
        {"patches/react@18.patch", "diff\n"},
        {"apps/web/package.json",
         R"({"name": "web", "dependencies": {"@repo/ui": "workspace:*"},
             "devDependencies": {"@repo/eslint-config": "workspace:*"}})"},
        {"apps/web/Dockerfile",
         "FROM node:20 AS builder\nWORKDIR /app\nCOPY . .\nRUN npx turbo prune web --docker\n"
         "FROM node:20\nCOPY --from=builder /app/out/json/ .\n"},
        {"apps/api/package.json", R"({"name": "api"})"},
        {"apps/api/Dockerfile",
         "FROM node:20\nCOPY pnpm-lock.yaml pnpm-workspace.yaml ./\nCOPY apps/api ./apps/api\n"},
        {"apps/docs/package.json", R"({"name": "docs"})"},
        {"apps/docs/Dockerfile", "FROM node:20\nCOPY package.json .\nCOPY src ./src\n"},
        {"apps/docs/src/index.js", "x\n"},
        {"packages/ui/package.json", R"({"name": "@repo/ui"})"},
        {"packages/eslint-config/package.json", R"({"name": "@repo/eslint-config"})"},
        {"examples/demo/package.json", R"({"name": "demo", "dependencies": {"@repo/ui": "*"}})"},
        {"examples/demo/Dockerfile", "FROM node:20\n"},
        {"tests/e2e/Dockerfile", "FROM node:20\n"},
    };
    return repo;
}

TEST(Adoption, DockerfilesThatNeedTheRootAsContext) {
    const auto d = discover(turborepo());
    const auto* web = find(d, "web");
    ASSERT_TRUE(web);
    EXPECT_EQ(web->build,
              "docker build -t \"$SLIPWAY_IMAGE_URI\" -f apps/web/Dockerfile . && docker push "
              "\"$SLIPWAY_IMAGE_URI\"");
    EXPECT_NE(std::find(web->reasons.begin(), web->reasons.end(),
                        "built from the repository root: it runs turbo prune, which needs the "
                        "whole workspace"),
              web->reasons.end());
    const auto* api = find(d, "api");
    ASSERT_TRUE(api);
    EXPECT_NE(api->build.find("-f apps/api/Dockerfile . &&"), std::string::npos) << api->build;
    // A Dockerfile that copies only its own folder's files keeps its folder as the context.
    const auto* docs = find(d, "docs");
    ASSERT_TRUE(docs);
    EXPECT_EQ(docs->build,
              "docker build -t \"$SLIPWAY_IMAGE_URI\" apps/docs && docker push "
              "\"$SLIPWAY_IMAGE_URI\"");
}

TEST(Adoption, WorkspaceFilesBelongToThePackagesTheyAffect) {
    const auto d = discover(turborepo());
    const auto* web = find(d, "web");
    ASSERT_TRUE(web);
    EXPECT_EQ(web->paths, (Strings{"/apps/web/", "/.dockerignore", "/package.json", "/patches/",
                                   "/pnpm-lock.yaml", "/pnpm-workspace.yaml", "/turbo.json"}));
    const auto* ui = find(d, "ui");
    ASSERT_TRUE(ui);
    EXPECT_EQ(ui->paths, (Strings{"/packages/ui/", "/package.json", "/patches/", "/pnpm-lock.yaml",
                                  "/pnpm-workspace.yaml", "/turbo.json"}));
}

TEST(Adoption, ExamplesAndTestsAreNoComponentsAndDevDependenciesNoEdges) {
    const auto d = discover(turborepo());
    EXPECT_FALSE(find(d, "demo"));
    EXPECT_FALSE(find(d, "e2e"));
    EXPECT_TRUE(has_note(d, "examples/demo: not a component (examples, tests, fixtures"));
    EXPECT_TRUE(has_note(d, "tests/e2e: not a component"));
    const auto* web = find(d, "web");
    ASSERT_TRUE(web);
    EXPECT_EQ(web->depends_on, (Strings{"ui"}));
    EXPECT_TRUE(has_note(d,
                         "component 'web': its development dependencies (eslint-config) are "
                         "not depends_on"));
}

// An examples/ (or tests/, templates/) folder the deploy template packages is deployed, so
// it stays a component; one the template does not name is left out with a note.
TEST(Adoption, AnExamplesFolderTheTemplatePackagesStaysAComponent) {
    adopt_test::RepoFiles repo;
    repo.text = {
        {"template.yaml",
         "Transform: AWS::Serverless-2016-10-31\nResources:\n  Echo:\n"
         "    Type: AWS::Serverless::Function\n"
         "    Properties: {CodeUri: examples/echo/, Handler: app.handler, Runtime: python3.12}\n"},
        {"examples/echo/app.py", "x\n"},
        {"examples/unused/app.py", "x\n"},
        {"examples/unused/Dockerfile", "FROM python:3.12\n"},
    };
    const auto d = discover(repo);
    EXPECT_FALSE(has_note(d, "examples/echo: not a component"));
    EXPECT_TRUE(has_note(d, "examples/unused: not a component"));
    bool echo_owned = false;
    for (const auto& c : d.components)
        for (const auto& p : c.paths) echo_owned = echo_owned || p == "/examples/echo/";
    EXPECT_TRUE(echo_owned) << adopt::starter_manifest(d);
}

TEST(Adoption, ComposeFileWithTheRootAsContext) {
    adopt_test::RepoFiles repo;
    repo.text = {
        {"docker-compose.yml",
         "services:\n  api:\n    build:\n      context: .\n      dockerfile: "
         "services/api/Dockerfile\n  worker:\n    build: ./services/worker\n"},
        {"services/api/Dockerfile", "FROM python:3.12\nCOPY . /app\n"},
        {"services/worker/Dockerfile", "FROM python:3.12\nCOPY . /app\n"},
    };
    const auto d = discover(repo);
    ASSERT_TRUE(find(d, "api"));
    EXPECT_NE(find(d, "api")->build.find("-f services/api/Dockerfile . &&"), std::string::npos);
    ASSERT_TRUE(find(d, "worker"));
    EXPECT_NE(find(d, "worker")->build.find("\" services/worker &&"), std::string::npos)
        << find(d, "worker")->build;
}

TEST(Adoption, UvWorkspaceDependenciesByNameWithoutDevGroups) {
    adopt_test::RepoFiles repo;
    repo.text = {
        {"pyproject.toml",
         "[project]\nname = \"root\"\n[tool.uv.workspace]\nmembers = [\"src/*\", \"libs/*\"]\n"},
        {"uv.lock", "version = 1\n"},
        {"src/core/pyproject.toml",
         "[project]\nname = \"core\"\ndependencies = [\n  \"Shared_Utils>=0.1\",\n  \"numpy\",\n]\n"
         "\n[dependency-groups]\ndev = [\"testkit\"]\n\n[tool.uv.sources]\n"
         "shared-utils = { workspace = true }\ntestkit = { workspace = true }\n"},
        {"src/core/Dockerfile", "FROM python:3.12\n"},
        {"libs/shared/pyproject.toml", "[project]\nname = \"shared-utils\"\n"},
        {"libs/testkit/pyproject.toml", "[project]\nname = \"testkit\"\n"},
    };
    const auto d = discover(repo);
    const auto* core = find(d, "core");
    ASSERT_TRUE(core);
    EXPECT_EQ(core->depends_on, (Strings{"shared"}));
    EXPECT_EQ(core->paths, (Strings{"/src/core/", "/pyproject.toml", "/uv.lock"}));
    EXPECT_TRUE(has_note(d, "component 'core': its development dependencies (testkit)"));
}

constexpr const char* k_sam_template = R"(AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, AllowedValues: [dev, test, prod]}
  Environment: {Type: String}
  TableName: {Type: String}
Resources:
  HelloWorldFunction:
    Type: AWS::Serverless::Function
    Properties: {PackageType: Image}
    Metadata: {DockerContext: ./hello_world, Dockerfile: Dockerfile}
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: orders/, Handler: app.handler, Runtime: python3.12}
  StaticFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: static/, Handler: app.handler, Runtime: python3.12}
  UtilsLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: ./layers/}
  BuiltLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: built/}
)";

adopt_test::RepoFiles sam_app() {
    adopt_test::RepoFiles repo;
    repo.text = {{"template.yaml", k_sam_template},
                 {"hello_world/Dockerfile", "FROM public.ecr.aws/lambda/python:3.12\n"},
                 {"hello_world/app.py", "x\n"},
                 {"orders/app.py", "import requests\n"},
                 {"orders/requirements.txt", "requests\n"},
                 {"static/app.py", "x\n"},
                 {"static/requirements.txt", "# nothing needed\n"},
                 {"layers/shared.py", "x\n"},
                 {"layers/requirements.txt", "requests==2.22.0\n"},
                 {"built/requirements.txt", "requests==2.22.0\n"},
                 {"built/python/requests-2.22.0.dist-info/METADATA", "x\n"},
                 {"stacks/other/template.yaml", k_sam_template}};
    return repo;
}

TEST(Adoption, SamImageFunctionWithoutImageUriGetsTheParameterToAdd) {
    const auto d = discover(sam_app(), {"main", "test"});
    const auto* hello = find(d, "hello_world");
    ASSERT_TRUE(hello);
    EXPECT_EQ(hello->parameter, "HelloWorldFunctionImageUri");
    EXPECT_TRUE(hello->parameter_guessed);
    EXPECT_NE(std::find(d.warnings.begin(), d.warnings.end(),
                        "template.yaml: the image function HelloWorldFunction has no `ImageUri: "
                        "!Ref` parameter, so no deploy can give it an image: add "
                        "`HelloWorldFunctionImageUri: {Type: String}` to Parameters and "
                        "`ImageUri: !Ref HelloWorldFunctionImageUri` to HelloWorldFunction's "
                        "Properties"),
              d.warnings.end())
        << (d.warnings.empty() ? "" : d.warnings.front());
}

TEST(Adoption, CodeFoldersWithoutTheirDependenciesAreWarnings) {
    const auto d = discover(sam_app(), {"main"});
    // orders/ and the layer layers/ (built/ has its packages under python/), then the image
    // function's.
    ASSERT_EQ(d.warnings.size(), 3u);
    EXPECT_NE(d.warnings[0].find("layers has requirements.txt but no installed packages"),
              std::string::npos)
        << d.warnings[0];
    EXPECT_EQ(d.warnings[1],
              "orders has requirements.txt but no installed packages (*.dist-info): zipped as it "
              "is, the function would deploy without its dependencies; build it first (`sam "
              "build`, then deploy .aws-sam/build/template.yaml: the environment's template) and "
              "package the built folder");
    // static/ has a requirements.txt that requires nothing: fine as it is.
    const std::string text = adopt::starter_manifest(d);
    EXPECT_NE(text.find("# WARNING: orders has requirements.txt"), std::string::npos) << text;
}

TEST(Adoption, StageParametersFromTheEnvironmentAndToDos) {
    const auto d = discover(sam_app(), {"main", "test", "origin/dev"});
    ASSERT_EQ(d.environments.size(), 3u);
    EXPECT_EQ(d.environments[0].name, "dev");
    EXPECT_EQ(d.environments[0].parameters,
              (std::map<std::string, std::string>{{"Environment", "dev"}, {"Stage", "dev"}}));
    EXPECT_EQ(d.environments[2].name, "prod");
    EXPECT_EQ(d.environments[2].parameters.at("Stage"), "prod");
    const auto todo = adopt::to_do(d);
    EXPECT_NE(std::find(todo.begin(), todo.end(),
                        "give TableName a value in test's parameters (the template has no "
                        "Default)"),
              todo.end());
    EXPECT_NE(std::find(todo.begin(), todo.end(),
                        "set each environment's artifact_bucket: the template packages local code"),
              todo.end());
    const std::string text = adopt::starter_manifest(d);
    EXPECT_NE(text.find("    parameters:\n      Environment: test\n      Stage: test\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("    # parameters: {TableName: ...}  (TODO: no default)\n"),
              std::string::npos)
        << text;
}

TEST(Adoption, SeveralTemplatesSayWhichWasUsed) {
    const auto d = discover(sam_app());
    ASSERT_TRUE(d.template_facts);
    EXPECT_EQ(d.template_facts->path, "template.yaml");
    EXPECT_EQ(d.other_templates, (Strings{"stacks/other/template.yaml"}));
    EXPECT_NE(adopt::summary(d).find("other templates, not adopted: stacks/other/template.yaml "
                                     "(each environment deploys one stack: adopt another with "
                                     "`slipway init --template FILE --force`"),
              std::string::npos)
        << adopt::summary(d);
}

TEST(Adoption, NoGlobalInputsAndTheCommitUrlFromOrigin) {
    const auto d = discover(sam_app(), {}, "git@github.com:acme/shop.git");
    EXPECT_EQ(d.commit_url, "https://github.com/acme/shop/commit/{commit}");
    const std::string text = adopt::starter_manifest(d);
    EXPECT_EQ(text.find("\nglobal_inputs:"), std::string::npos) << text;
    EXPECT_NE(text.find("commit_url: https://github.com/acme/shop/commit/{commit}\n"),
              std::string::npos)
        << text;
}

TEST(CommitUrl, GitHubGitLabBitbucketAndCodeCommit) {
    using adopt::commit_url_for;
    EXPECT_EQ(commit_url_for("https://github.com/acme/shop.git"),
              "https://github.com/acme/shop/commit/{commit}");
    EXPECT_EQ(commit_url_for("https://token@github.com/acme/shop"),
              "https://github.com/acme/shop/commit/{commit}");
    EXPECT_EQ(commit_url_for("ssh://git@github.com:22/acme/shop.git"),
              "https://github.com/acme/shop/commit/{commit}");
    EXPECT_EQ(commit_url_for("git@gitlab.com:group/sub/shop.git"),
              "https://gitlab.com/group/sub/shop/-/commit/{commit}");
    EXPECT_EQ(commit_url_for("https://bitbucket.org/acme/shop.git"),
              "https://bitbucket.org/acme/shop/commits/{commit}");
    EXPECT_EQ(commit_url_for("https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/shop"),
              "https://eu-west-1.console.aws.amazon.com/codesuite/codecommit/repositories/shop/"
              "commit/{commit}?region=eu-west-1");
    EXPECT_EQ(commit_url_for("codecommit::us-east-1://profile@shop"),
              "https://us-east-1.console.aws.amazon.com/codesuite/codecommit/repositories/shop/"
              "commit/{commit}?region=us-east-1");
    EXPECT_EQ(commit_url_for("/srv/git/shop.git"), "");
    EXPECT_EQ(commit_url_for("https://git.internal/acme/shop"), "");
    EXPECT_EQ(commit_url_for(""), "");
}

}  // namespace
