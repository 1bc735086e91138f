// Discovery and the starter manifest on in-memory repositories: kinds, names, parameters,
// dependencies, environments, and that the text always loads with the manifest loader.
#include <gtest/gtest.h>

#include "adopt/discover.hpp"
#include "adopt/starter_manifest.hpp"
#include "components/graph.hpp"
#include "repo_files.hpp"

namespace {

using components::ComponentKind;

constexpr const char* k_template = R"(AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String}
  ApiImageUri: {Type: String}
  TrainingLambdaImageUri: {Type: String}
  HelloImageUri: {Type: String}
  UnusedImageUri: {Type: String, Default: x}
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties: {PackageType: Image, ImageUri: !Ref HelloImageUri}
    Metadata: {DockerContext: ./lambdas/hello, Dockerfile: Dockerfile}
  Train:
    Type: AWS::Serverless::Function
    Properties: {PackageType: Image, ImageUri: !Ref TrainingLambdaImageUri}
  Zip:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: functions/zip/, Handler: a.b, Runtime: python3.12}
)";

adopt_test::RepoFiles sample() {
    adopt_test::RepoFiles repo;
    repo.text = {
        {"template.yaml", k_template},
        {"README.md", "# x\n"},
        {"services/api/Dockerfile", "FROM scratch\n"},
        {"services/api/package.json",
         R"({"name": "@acme/api", "dependencies": {"@acme/common": "*"}})"},
        {"functions/training/Dockerfile", "FROM scratch\n"},
        {"lambdas/hello/Dockerfile", "FROM scratch\n"},
        {"functions/zip/a.py", "x\n"},
        {"packages/common/package.json", R"({"name": "@acme/common"})"},
        {"package.json", R"({"workspaces": ["services/*", "packages/*"]})"},
        {"package-lock.json", "{}"},
        {"tools/Dockerfile", "FROM scratch\n"},
        {"admin/tools/Dockerfile", "FROM scratch\n"},
        {".devcontainer/Dockerfile", "FROM scratch\n"},
    };
    return repo;
}

const adopt::FoundComponent& component(const adopt::Discovery& d, const std::string& name) {
    for (const auto& c : d.components) {
        if (c.name == name) return c;
    }
    throw std::runtime_error("no component " + name);
}

adopt::Discovery discover(const adopt_test::RepoFiles& repo,
                          std::vector<std::string> refs = {"main", "origin/dev", "v1.0"}) {
    adopt::DiscoverInput input{repo.paths(), std::move(refs), "", "Shop App", "eu-west-1", ""};
    auto d = adopt::discover(input, repo.reader());
    EXPECT_TRUE(d) << d.error().message;
    return *d;
}

TEST(Discover, ComponentsFromWhatIsThere) {
    const auto d = discover(sample());
    std::vector<std::string> names;
    for (const auto& c : d.components) names.push_back(c.name);
    EXPECT_EQ(names, (std::vector<std::string>{"admin-tools", "api", "common", "hello", "template",
                                               "tools", "training", "zip"}));
    const auto& api = component(d, "api");
    EXPECT_EQ(api.kind, ComponentKind::image);
    EXPECT_EQ(api.paths,
              (std::vector<std::string>{"/services/api/", "/package-lock.json", "/package.json"}));
    EXPECT_EQ(api.depends_on, (std::vector<std::string>{"common"}));
    EXPECT_EQ(api.parameter, "ApiImageUri");
    EXPECT_EQ(api.build,
              "docker build -t \"$SLIPWAY_IMAGE_URI\" services/api && docker push "
              "\"$SLIPWAY_IMAGE_URI\"");
    EXPECT_EQ(component(d, "common").kind, ComponentKind::library);
    EXPECT_EQ(component(d, "training").parameter, "TrainingLambdaImageUri");  // role word
    const auto& hello = component(d, "hello");
    EXPECT_EQ(hello.parameter, "HelloImageUri");
    EXPECT_EQ(hello.reasons.at(0), "SAM function Hello builds its image here");
    EXPECT_EQ(component(d, "zip").kind, ComponentKind::config);
    EXPECT_EQ(component(d, "zip").paths, (std::vector<std::string>{"/functions/zip/"}));
    EXPECT_EQ(component(d, "template").paths, (std::vector<std::string>{"/template.yaml"}));
    EXPECT_EQ(component(d, "tools").parameter, "ToolsImageUri");
    EXPECT_TRUE(component(d, "tools").parameter_guessed);
    ASSERT_EQ(d.unmatched_parameters.size(), 2u);
    EXPECT_EQ(d.unmatched_parameters[0].name, "Stage");
    EXPECT_EQ(d.unmatched_parameters[1].name, "UnusedImageUri");
    EXPECT_EQ(d.ignore, (std::vector<std::string>{"**/*.md"}));
}

TEST(Discover, EnvironmentsFromBranches) {
    const auto d = discover(sample());
    ASSERT_EQ(d.environments.size(), 2u);
    EXPECT_EQ(d.environments[0].name, "dev");
    EXPECT_EQ(d.environments[0].stack, "Shop-App-dev");
    EXPECT_EQ(d.environments[1].name, "prod");
    EXPECT_EQ(d.environments[1].branch, "main");
    auto all = adopt::environments_for({"test", "staging", "prod", "main", "develop"}, "p");
    ASSERT_EQ(all.size(), 4u);
    EXPECT_EQ(all[0].branch, "develop");
    EXPECT_EQ(all[3].branch, "prod");
}

TEST(Discover, DependencyCyclesAreBrokenAndReported) {
    adopt_test::RepoFiles repo;
    repo.text = {{"package.json", R"({"workspaces": ["p/*"]})"},
                 {"p/a/package.json", R"({"name": "a", "dependencies": {"b": "*"}})"},
                 {"p/b/package.json", R"({"name": "b", "peerDependencies": {"a": "*"}})"}};
    const auto d = discover(repo);
    EXPECT_EQ(component(d, "a").depends_on, (std::vector<std::string>{"b"}));
    EXPECT_TRUE(component(d, "b").depends_on.empty());
    EXPECT_EQ(d.notes, (std::vector<std::string>{"dropped the dependency b -> a: it would close a "
                                                 "cycle (slipway needs an acyclic graph)"}));
}

TEST(Discover, NothingToAdoptIsAnInputError) {
    adopt_test::RepoFiles repo;
    repo.text = {{"README.md", "x"}};
    adopt::DiscoverInput input{repo.paths(), {}, "", "p", "", ""};
    auto d = adopt::discover(input, repo.reader());
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, common::ErrorCode::input);
    input.template_path = "missing.yml";
    EXPECT_EQ(adopt::discover(input, repo.reader()).error().message,
              "reading the template missing.yml: cannot read it");
}

TEST(Names, SanitisedAndMatched) {
    EXPECT_EQ(adopt::sanitize_name("@acme/ui kit"), "acme-ui-kit");
    EXPECT_EQ(adopt::sanitize_name("__x"), "x");
    EXPECT_EQ(adopt::sanitize_name("é"), "component");
    EXPECT_EQ(adopt::sanitize_name(std::string(200, 'a')).size(), 128u);
    EXPECT_EQ(adopt::parameter_stem("Api-ImageUri"), "api");
    EXPECT_EQ(adopt::parameter_stem("WORKER_IMAGE"), "worker");
    EXPECT_EQ(adopt::parameter_stem("Image"), "image");
    EXPECT_EQ(adopt::parameter_stem("RepoRepositoryUri"), "repo");
    EXPECT_TRUE(adopt::stems_match("inferenceservice", "inference"));
    EXPECT_TRUE(adopt::stems_match("train", "trainjob"));
    EXPECT_FALSE(adopt::stems_match("api", "apis"));
    EXPECT_EQ(adopt::stack_name("9 lives!", "dev"), "lives-dev");
    // A stack's key between them; the environment stays when the name is too long.
    EXPECT_EQ(adopt::stack_name("shop", "network", "prod"), "shop-network-prod");
    EXPECT_EQ(adopt::stack_name("shop", "", "prod"), "shop-prod");
    const auto long_name = adopt::stack_name(std::string(100, 'a'), std::string(40, 'b'), "prod");
    EXPECT_EQ(long_name.size(), 128u);
    EXPECT_TRUE(long_name.ends_with("b-prod")) << long_name;
    EXPECT_EQ(adopt::template_key("apps/api/template.yaml"), "api");
    EXPECT_EQ(adopt::template_key("infra/network.yml"), "network");
    EXPECT_EQ(adopt::template_key("cfn/vpc.template.json"), "vpc");
    EXPECT_EQ(adopt::template_key("template.yaml"), "");
    EXPECT_EQ(adopt::template_key("my_app/cloudformation.yml"), "my-app");
}

TEST(StarterManifest, LoadsAndIsDeterministic) {
    const auto d = discover(sample());
    const std::string text = adopt::starter_manifest(d);
    EXPECT_EQ(text, adopt::starter_manifest(discover(sample())));
    auto m = components::parse_manifest(text, "slipway.yml");
    ASSERT_TRUE(m) << m.error().message << "\n" << text;
    EXPECT_TRUE(components::build_graph(*m)) << text;
    EXPECT_EQ(m->components.size(), d.components.size());
    ASSERT_EQ(m->environments.size(), 2u);
    EXPECT_EQ(m->environments[1].base, "main");
    EXPECT_EQ(m->environments[1].stacks.at(0).template_path, "template.yaml");
    EXPECT_EQ(m->environments[1].region, "eu-west-1");
    EXPECT_EQ(m->environments[1].capabilities,
              (std::vector<std::string>{"CAPABILITY_AUTO_EXPAND", "CAPABILITY_IAM"}));
    EXPECT_EQ(m->find("api")->build, component(d, "api").build);
    EXPECT_EQ(m->find("common")->kind, ComponentKind::library);
    EXPECT_NE(text.find("#   Stage (no default)\n#   UnusedImageUri\n"), std::string::npos) << text;
    // Stage has no default: each environment's name is its value.
    EXPECT_NE(text.find("    parameters:\n      Stage: dev\n"), std::string::npos) << text;
    EXPECT_NE(text.find("  # no template parameter matched: ToolsImageUri is a guess"),
              std::string::npos)
        << text;
}

TEST(StarterManifest, AwkwardNamesStillLoad) {
    adopt_test::RepoFiles repo;
    repo.text = {{"true/Dockerfile", "x"},
                 {"we ird[1]/Dockerfile", "x"},
                 {"it's/Dockerfile", "x"},
                 {"1.5/pyproject.toml", "[project]\nname = \"x\"\n"},
                 {"Dockerfile", "x"}};
    const auto d = discover(repo, {});
    const std::string text = adopt::starter_manifest(d);
    auto m = components::parse_manifest(text, "slipway.yml");
    ASSERT_TRUE(m) << m.error().message << "\n" << text;
    EXPECT_EQ(m->find("true")->paths.at(0).text, "/true/");
    EXPECT_EQ(m->find("we-ird-1-")->paths.at(0).text, "/we ird\\[1]/");
    EXPECT_EQ(
        m->find("it-s")->build,
        "docker build -t \"$SLIPWAY_IMAGE_URI\" 'it'\\''s' && docker push \"$SLIPWAY_IMAGE_URI\"");
    EXPECT_EQ(m->find("1.5")->kind, ComponentKind::library);
    EXPECT_EQ(m->find("Shop-App")->paths.at(0).text, "/*");  // a Dockerfile at the root
    EXPECT_EQ(m->find("Shop-App")->build,
              "docker build -t \"$SLIPWAY_IMAGE_URI\" . && docker push \"$SLIPWAY_IMAGE_URI\"");
    EXPECT_TRUE(m->environments.empty());
    EXPECT_NE(text.find("# environments:\n#   prod:\n"), std::string::npos) << text;
}

}  // namespace
