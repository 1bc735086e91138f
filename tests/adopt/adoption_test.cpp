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

// Several deployable templates (issue 29): a network template without code, a services
// template whose parameters take the Dockerfile folders' images, a SAM template that builds an
// image and packages code; beside them a CI pipeline's template, a test fixture and a
// `sam package` output, none of which is a stack.
constexpr const char* k_network = R"(AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Stage: {Type: String, AllowedValues: [dev, prod]}
  CidrBlock: {Type: String, Default: 10.0.0.0/16}
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: !Ref CidrBlock}
Outputs:
  VpcId: {Value: !Ref Vpc}
)";

constexpr const char* k_services = R"(AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Stage: {Type: String, AllowedValues: [dev, prod]}
  VpcId: {Type: String}
  ApiImageUri: {Type: String}
  WorkerImageUri: {Type: String}
Resources:
  Api:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions: [{Name: api, Image: !Ref ApiImageUri}]
  Worker:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions: [{Name: worker, Image: !Ref WorkerImageUri}]
)";

constexpr const char* k_functions = R"(AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, AllowedValues: [dev, prod]}
  ResizeImageUri: {Type: String}
Resources:
  Resize:
    Type: AWS::Serverless::Function
    Properties: {PackageType: Image, ImageUri: !Ref ResizeImageUri}
    Metadata: {DockerContext: ./resize}
  Thumbs:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: thumbs/, Handler: app.handler, Runtime: python3.12}
)";

// What `sam package` writes: the same resources, the code in S3.
constexpr const char* k_functions_packaged = R"(AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, AllowedValues: [dev, prod]}
  ResizeImageUri: {Type: String}
Resources:
  Resize:
    Type: AWS::Serverless::Function
    Properties: {PackageType: Image, ImageUri: !Ref ResizeImageUri}
  Thumbs:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: s3://artifacts/1f3a, Handler: app.handler, Runtime: python3.12}
)";

constexpr const char* k_pipeline = R"(AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Build:
    Type: AWS::CodeBuild::Project
    Properties: {Name: shop}
  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties: {Name: shop}
  Role:
    Type: AWS::IAM::Role
    Properties: {AssumeRolePolicyDocument: {}}
)";

adopt_test::RepoFiles several_templates() {
    adopt_test::RepoFiles repo;
    repo.text = {
        {"infra/network.yml", k_network},
        {"services/template.yml", k_services},
        {"services/api/Dockerfile", "FROM python:3.12\n"},
        {"services/api/main.py", "x\n"},
        {"services/worker/Dockerfile", "FROM python:3.12\n"},
        {"functions/template.yaml", k_functions},
        {"functions/packaged.yaml", k_functions_packaged},
        {"functions/resize/Dockerfile", "FROM public.ecr.aws/lambda/python:3.12\n"},
        {"functions/thumbs/app.py", "x\n"},
        {"tools/migrate/Dockerfile", "FROM python:3.12\n"},
        {"libs/common/pyproject.toml", "[project]\nname = \"common\"\n"},
        {"ci/pipeline.yml", k_pipeline},
        {"tests/fixtures/stack.yml", k_network},
    };
    return repo;
}

TEST(AdoptionStacks, OneStackPerDeployableTemplateEachWithTheComponentsItUses) {
    const auto d = discover(several_templates(), {"main", "dev"});
    ASSERT_EQ(d.stacks.size(), 3u);
    EXPECT_FALSE(d.template_facts);  // no one-stack template
    EXPECT_TRUE(d.unmatched_parameters.empty());
    // By template path; the key from the folder (template.yaml) or the file's name.
    EXPECT_EQ(d.stacks[0].facts.path, "functions/template.yaml");
    EXPECT_EQ(d.stacks[0].key, "functions");
    EXPECT_EQ(d.stacks[1].facts.path, "infra/network.yml");
    EXPECT_EQ(d.stacks[1].key, "network");
    EXPECT_EQ(d.stacks[2].facts.path, "services/template.yml");
    EXPECT_EQ(d.stacks[2].key, "services");
    // The SAM function's context and the code it packages; migrate matches no template's
    // parameter and no template's folder holds it: the template building the most code.
    EXPECT_EQ(d.stacks[0].components,
              (Strings{"functions-template", "migrate", "resize", "thumbs"}));
    EXPECT_EQ(d.stacks[0].template_component, "functions-template");
    // A template without code of its own: deployed when it changes.
    EXPECT_EQ(d.stacks[1].components, (Strings{"network-template"}));
    // Dockerfile folders whose names match the services template's parameters.
    EXPECT_EQ(d.stacks[2].components, (Strings{"api", "services-template", "worker"}));
    EXPECT_EQ(find(d, "api")->parameter, "ApiImageUri");
    EXPECT_EQ(find(d, "resize")->parameter, "ResizeImageUri");
    EXPECT_EQ(find(d, "migrate")->parameter, "MigrateImageUri");
    EXPECT_TRUE(find(d, "migrate")->parameter_guessed);
    EXPECT_EQ(find(d, "common")->kind, ComponentKind::library);  // in no stack
    ASSERT_TRUE(find(d, "network-template"));
    EXPECT_EQ(find(d, "network-template")->paths, (Strings{"/infra/network.yml"}));
    EXPECT_EQ(find(d, "network-template")->kind, ComponentKind::config);
    // What is not a stack, and why.
    EXPECT_EQ(d.other_templates,
              (Strings{"ci/pipeline.yml", "functions/packaged.yaml", "tests/fixtures/stack.yml"}));
    EXPECT_TRUE(has_note(d, "ci/pipeline.yml: a CI/CD pipeline's template"));
    EXPECT_TRUE(has_note(d,
                         "functions/packaged.yaml: the same resources as "
                         "functions/template.yaml"));
    EXPECT_TRUE(has_note(d, "tests/fixtures/stack.yml: in a folder of tests"));
    // Parameters no component took, per stack; VpcId is the network's output (not wired).
    EXPECT_EQ(d.stacks[2].unmatched_parameters.size(), 2u);
    EXPECT_EQ(d.stacks[2].outputs_elsewhere, (std::map<std::string, std::size_t>{{"VpcId", 1}}));
    // Each environment: a stack per template, named from the project, the key and the
    // environment; the stage value for every stack.
    ASSERT_EQ(d.environments.size(), 2u);
    EXPECT_EQ(d.environments[1].stacks,
              (Strings{"shop-functions-prod", "shop-network-prod", "shop-services-prod"}));
    EXPECT_EQ(d.environments[1].parameters,
              (std::map<std::string, std::string>{{"Stage", "prod"}}));
}

TEST(AdoptionStacks, TheStarterManifestProposesStacksThatLoadAndValidate) {
    const auto d = discover(several_templates(), {"main"});
    const std::string text = adopt::starter_manifest(d);
    EXPECT_EQ(text, adopt::starter_manifest(discover(several_templates(), {"main"})));
    const std::string prod = R"(  # from the branch main
  prod:
    # region: us-east-1  (else AWS_REGION or the profile's)
    capabilities: [CAPABILITY_AUTO_EXPAND, CAPABILITY_IAM]
    # artifact_bucket: my-bucket  (a template packages local code)
    base: main
    # stage parameters, from the environment's name (for every stack whose template declares them)
    parameters:
      Stage: prod
    stacks:
      # functions/template.yaml: migrate, resize, thumbs
      - name: shop-functions-prod
        template: functions/template.yaml
        components: [functions-template, migrate, resize, thumbs]
      # infra/network.yml: no image or code of its own; deployed when the template changes
      - name: shop-network-prod
        template: infra/network.yml
        components: [network-template]
      # services/template.yml: api, worker
      - name: shop-services-prod
        template: services/template.yml
        components: [api, services-template, worker]
        # parameters: {VpcId: {stack: shop-network-prod, output: VpcId}}  (TODO: VpcId has no default; infra/network.yml outputs VpcId)
)";
    EXPECT_NE(text.find(prod), std::string::npos) << text;
    auto m = components::parse_manifest(text, "slipway.yml");
    ASSERT_TRUE(m) << m.error().message << "\n" << text;
    ASSERT_TRUE(components::build_graph(*m)) << text;
    ASSERT_EQ(m->environments.size(), 1u);
    const auto& env = m->environments[0];
    ASSERT_EQ(env.stacks.size(), 3u);
    // Every image component is in exactly one stack (the loader checks it): where each is.
    EXPECT_EQ(env.stack_of("resize")->name, "shop-functions-prod");
    EXPECT_EQ(env.stack_of("migrate")->name, "shop-functions-prod");
    EXPECT_EQ(env.stack_of("api")->name, "shop-services-prod");
    EXPECT_EQ(env.stack_of("network-template")->name, "shop-network-prod");
    EXPECT_EQ(env.stack_of("common"), nullptr);
    EXPECT_EQ(env.stacks[1].template_path, "infra/network.yml");
    EXPECT_EQ(env.parameters, (std::map<std::string, std::string>{{"Stage", "prod"}}));
    // The to-dos say what init could not know.
    const auto todo = adopt::to_do(d);
    EXPECT_NE(std::find(todo.begin(), todo.end(),
                        "give VpcId a value in prod's stack shop-services-prod (the template has "
                        "no Default; infra/network.yml outputs VpcId: `VpcId: {stack: "
                        "shop-network-prod, output: VpcId}` under the stack's parameters)"),
              todo.end())
        << text;
    EXPECT_NE(std::find(todo.begin(), todo.end(),
                        "add the parameter MigrateImageUri to functions/template.yaml (component "
                        "migrate)"),
              todo.end());
    const std::string said = adopt::summary(d);
    EXPECT_NE(
        said.find("stack functions: functions/template.yaml (2 parameters): functions-template, "
                  "migrate, resize, thumbs\n"),
        std::string::npos)
        << said;
    EXPECT_NE(said.find("stack network: infra/network.yml (2 parameters): network-template "
                        "(no image or code of its own: deployed when the template changes)\n"),
              std::string::npos)
        << said;
    EXPECT_NE(said.find("environment prod: stacks shop-functions-prod, shop-network-prod, "
                        "shop-services-prod, from the branch main\n"),
              std::string::npos)
        << said;
    EXPECT_NE(said.find("other templates, not adopted: ci/pipeline.yml, functions/packaged.yaml, "
                        "tests/fixtures/stack.yml (no stacks of their own: the notes say why)\n"),
              std::string::npos)
        << said;
}

// One SAM application per folder, as observeinc/aws-sam-apps has it: a template that nests
// others (`Location: ../forwarder/template.yaml`) deploys them; the nested ones are no stacks.
TEST(AdoptionStacks, OneApplicationPerFolderAndNestedApplications) {
    const std::string app =
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: code/, Handler: a.b, Runtime: python3.12}\n";
    adopt_test::RepoFiles repo;
    repo.text = {
        {"apps/stack/template.yaml",
         "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n"
         "Resources:\n  Forwarder:\n    Type: AWS::Serverless::Application\n"
         "    Properties: {Location: ../forwarder/template.yaml}\n"},
        {"apps/forwarder/template.yaml", app},
        {"apps/forwarder/code/a.py", "x\n"},
        {"apps/filedropper/template.yaml", app},
        {"apps/filedropper/code/a.py", "x\n"},
        {"apps/ec2/template.yaml", app},
        {"apps/ec2/code/a.py", "x\n"},
    };
    const auto d = discover(repo, {"main"});
    ASSERT_EQ(d.stacks.size(), 3u);
    EXPECT_EQ(d.stacks[0].key, "ec2");
    EXPECT_EQ(d.stacks[1].key, "filedropper");
    EXPECT_EQ(d.stacks[2].key, "stack");
    // Code folders of the same name in each application: named by their whole path.
    EXPECT_EQ(d.stacks[0].components, (Strings{"apps-ec2-code", "ec2-template"}));
    EXPECT_EQ(d.stacks[2].components, (Strings{"stack-template"}));
    EXPECT_EQ(d.other_templates, (Strings{"apps/forwarder/template.yaml"}));
    EXPECT_TRUE(has_note(d,
                         "apps/forwarder/template.yaml: a nested stack of "
                         "apps/stack/template.yaml"));
    EXPECT_EQ(d.environments.at(0).stacks,
              (Strings{"shop-ec2-prod", "shop-filedropper-prod", "shop-stack-prod"}));
}

// Keys that agree take the folder's path: apps/a and services/a; two network files, the
// whole path.
TEST(AdoptionStacks, KeysThatAgreeTakeTheirPaths) {
    auto queue = [](const std::string& id) {
        return "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  " + id +
               ": {Type: AWS::SQS::Queue}\n";
    };
    adopt_test::RepoFiles repo;
    repo.text = {{"apps/a/template.yaml", queue("A")},
                 {"apps/a/x.yml", queue("X")},
                 {"services/a/template.yaml", queue("S")},
                 {"east/network.yml", queue("N")},
                 {"east/network/template.yml", queue("T")}};
    const auto d = discover(repo, {"main"});
    std::vector<std::string> keys;
    for (const auto& s : d.stacks) keys.push_back(s.key);
    EXPECT_EQ(keys,
              (Strings{"apps-a", "x", "east-network", "east-network-template", "services-a"}));
    EXPECT_EQ(d.environments.at(0).stacks.at(0), "shop-apps-a-prod");
}

// A root template beside an infrastructure one: the root keeps today's stack name and its
// `template` component; a Dockerfile no parameter names goes to the template whose folder
// holds it (the root's), not elsewhere.
TEST(AdoptionStacks, ARootTemplateKeepsItsNamesAndHoldsWhatIsBelowIt) {
    adopt_test::RepoFiles repo;
    repo.text = {
        {"template.yml", k_services},
        {"infra/network.yml", k_network},
        {"services/api/Dockerfile", "FROM python:3.12\n"},
        {"jobs/report/Dockerfile", "FROM python:3.12\n"},
    };
    const auto d = discover(repo, {"main"});
    ASSERT_EQ(d.stacks.size(), 2u);
    EXPECT_EQ(d.stacks[0].key, "network");
    EXPECT_EQ(d.stacks[1].key, "");
    EXPECT_EQ(d.stacks[1].components, (Strings{"api", "report", "template"}));
    EXPECT_EQ(d.environments.at(0).stacks, (Strings{"shop-network-prod", "shop-prod"}));
}

// A stack keeps to CloudFormation's 200 parameters: image components no parameter names go
// to another stack once the one building the most code is full; a template that declares
// more than 200 parameters is a warning (CloudFormation refuses it).
TEST(AdoptionStacks, TwoHundredParametersPerStack) {
    adopt_test::RepoFiles repo;
    std::string big = "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n";
    for (int i = 0; i < 201; ++i)
        big += "  P" + std::to_string(i) + ": {Type: String, Default: x}\n";
    big += "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n";
    repo.text = {{"a/template.yml", k_functions},
                 {"a/resize/Dockerfile", "FROM x\n"},
                 {"a/thumbs/app.py", "x\n"},
                 {"b/template.yml", k_network},
                 {"c/template.yml", big}};
    for (int i = 0; i < 250; ++i)
        repo.text["images/i" + std::to_string(i) + "/Dockerfile"] = "FROM x\n";
    const auto d = discover(repo, {"main"});
    ASSERT_EQ(d.stacks.size(), 3u);
    auto images = [&](const adopt::FoundStack& s) {
        std::size_t n = 0;
        for (const auto& name : s.components) n += find(d, name)->kind == ComponentKind::image;
        return n;
    };
    // a/template.yml declares 2 parameters: resize takes one, 198 more fit.
    EXPECT_EQ(images(d.stacks[0]), 199u);
    EXPECT_EQ(images(d.stacks[1]), 52u);
    EXPECT_EQ(images(d.stacks[2]), 0u);
    EXPECT_NE(std::find(d.warnings.begin(), d.warnings.end(),
                        "c/template.yml declares 201 parameters, over CloudFormation's 200 per "
                        "template: it cannot deploy as it is"),
              d.warnings.end());
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
