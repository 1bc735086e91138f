// Manifest loading: a good manifest becomes plain values; every kind of mistake becomes
// one error line that starts with file:line:column.
#include <gtest/gtest.h>

#include "components/manifest.hpp"

namespace {

using components::ComponentKind;
using components::parse_manifest;

const std::string k_good = R"(version: 1
project: ml-training
image:
  repository: 123456789012.dkr.ecr.us-east-1.amazonaws.com/ml
  tag: "{component}-{build}-{short_commit}"
global_inputs: [slipway.yml, .github/**]
ignore: ["**/*.md", docs/]
components:
  training-lambda:
    paths: [functions/training/]
    depends_on: [common]
    parameter: TrainingLambdaImageUri
    build: ./scripts/build-image.sh
    timeout: 20m
  common:
    paths: [libs/common/]
    kind: library
  template:
    paths: [template.yml]
    kind: config
environments:
  test:
    stack: ml-training-test
    region: us-east-1
    template: template.yml
    base: test
    parameters: {Stage: test}
    capabilities: [CAPABILITY_NAMED_IAM]
  prod:
    stack: ml-training-prod
    promote_from: test
    role_arn: arn:aws:iam::210987654321:role/slipway-deploy
)";

std::string error_of(const std::string& text) {
    auto m = parse_manifest(text, "slipway.yml");
    if (m) return "(loaded)";
    EXPECT_EQ(m.error().code, common::ErrorCode::input);
    return m.error().message;
}

// The good manifest with one line replaced.
std::string with(const std::string& from, const std::string& to) {
    std::string s = k_good;
    auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
}

TEST(Manifest, LoadsTheDesignExample) {
    auto m = parse_manifest(k_good, "slipway.yml");
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->project, "ml-training");
    ASSERT_EQ(m->components.size(), 3u);
    const auto* lambda = m->find("training-lambda");
    ASSERT_TRUE(lambda);
    EXPECT_EQ(lambda->kind, ComponentKind::image);
    EXPECT_EQ(lambda->timeout, std::chrono::minutes(20));
    EXPECT_EQ(lambda->depends_on, std::vector<std::string>{"common"});
    EXPECT_EQ(lambda->paths[0].pos.str(), "slipway.yml:10:13");
    EXPECT_EQ(m->find("common")->kind, ComponentKind::library);
    EXPECT_EQ(m->image.tag, "{component}-{build}-{short_commit}");
    ASSERT_EQ(m->environments.size(), 2u);
    EXPECT_EQ(m->environments[0].parameters.at("Stage"), "test");
    EXPECT_EQ(m->environments[1].promote_from, "test");
    EXPECT_EQ(m->global_inputs.size(), 2u);
}

TEST(Manifest, JsonIsAcceptedBeingYaml) {
    auto m = parse_manifest(R"({"image": {"repository": "r"}, "components": {"a": {"paths": ["a/"],
        "parameter": "A", "build": "true"}}})",
                            "slipway.json");
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->components[0].name, "a");
}

TEST(Manifest, UnknownKeySuggestsTheKnownOne) {
    EXPECT_EQ(error_of(with("    depends_on: [common]", "    dependson: [common]")),
              "slipway.yml:11:5: unknown key 'dependson' in component 'training-lambda' (did you "
              "mean 'depends_on'?)");
    EXPECT_EQ(error_of(with("project:", "projekt:")),
              "slipway.yml:2:1: unknown key 'projekt' in the manifest (did you mean 'project'?)");
    EXPECT_EQ(
        error_of(with("    stack: ml-training-test", "    stack: s\n    regoin: x")),
        "slipway.yml:24:5: unknown key 'regoin' in environment 'test' (did you mean 'region'?)");
}

TEST(Manifest, WrongTypes) {
    EXPECT_EQ(error_of(with("paths: [libs/common/]", "paths: {a: b}")),
              "slipway.yml:16:12: component 'common'.paths: expected a list, got a map");
    EXPECT_EQ(
        error_of(with("parameter: TrainingLambdaImageUri", "parameter: [x]")),
        "slipway.yml:12:16: component 'training-lambda'.parameter: expected a string, got a list");
    EXPECT_EQ(error_of("components: [a, b]\n"),
              "slipway.yml:1:13: components: expected a map, got a list");
}

TEST(Manifest, MissingRequiredFields) {
    EXPECT_EQ(error_of(with("    paths: [template.yml]\n", "")),
              "slipway.yml:18:3: component 'template': missing required key 'paths'");
    EXPECT_EQ(error_of(with("    parameter: TrainingLambdaImageUri\n", "")),
              "slipway.yml:10:5: component 'training-lambda': an image component needs 'parameter' "
              "(the CloudFormation parameter that receives its image)");
    EXPECT_EQ(error_of(with("    stack: ml-training-prod\n", "")),
              "slipway.yml:29:3: environment 'prod': missing required key 'stack'");
}

TEST(Manifest, DuplicatesAndBadNames) {
    EXPECT_EQ(error_of(with("  template:\n", "  common:\n")),
              "slipway.yml:18:3: duplicate component 'common'");
    EXPECT_EQ(
        error_of(with("  template:\n", "  -bad name:\n")),
        "slipway.yml:18:3: invalid component name '-bad name': use letters, digits, '.', '_' and "
        "'-' (up to 128, starting with a letter or digit)");
    EXPECT_EQ(error_of(with("    kind: library\n", "    kind: library\n    kind: config\n")),
              "slipway.yml:18:5: duplicate key 'kind' in component 'common'");
}

TEST(Manifest, UnknownDependencyAndCycles) {
    EXPECT_EQ(error_of(with("depends_on: [common]", "depends_on: [comon]")),
              "slipway.yml:11:18: component 'training-lambda' depends on unknown component 'comon' "
              "(did you mean 'common'?)");
    EXPECT_EQ(error_of(with("    kind: library\n",
                            "    kind: library\n    depends_on: [training-lambda]\n")),
              "slipway.yml:15:3: dependency cycle: common -> training-lambda -> common");
    EXPECT_EQ(
        error_of(with("    kind: config\n", "    kind: config\n    depends_on: [template]\n")),
        "slipway.yml:18:3: dependency cycle: template -> template");
}

TEST(Manifest, DurationsKindsAndPlaceholders) {
    EXPECT_EQ(error_of(with("timeout: 20m", "timeout: 20 minutes")),
              "slipway.yml:14:14: component 'training-lambda'.timeout: bad duration '20 minutes' "
              "(use e.g. 90s, 20m, 1h30m)");
    EXPECT_EQ(
        error_of(with("kind: library", "kind: lib")),
        "slipway.yml:17:11: component 'common'.kind: 'lib' is not one of image, library, config");
    EXPECT_EQ(error_of(with("{short_commit}", "{shortcommit}")),
              "slipway.yml:5:8: image.tag: unknown placeholder {shortcommit} (known: {component} "
              "{build} {commit} {short_commit} {env} {timestamp})");
    EXPECT_EQ(error_of(with("    kind: library\n", "    kind: library\n    parameter: X\n")),
              "slipway.yml:18:16: component 'common': a library component has no image, so no "
              "'parameter'");
}

TEST(Manifest, EnvironmentReferencesAndCapabilities) {
    EXPECT_EQ(error_of(with("promote_from: test", "promote_from: tset")),
              "slipway.yml:31:19: environment 'prod' promotes from unknown environment 'tset'");
    EXPECT_EQ(error_of(with("CAPABILITY_NAMED_IAM", "CAPABILITY_NAMED")),
              "slipway.yml:28:20: environment 'test': unknown capability 'CAPABILITY_NAMED'");
}

TEST(Manifest, RemoteBuildsOnCodeBuild) {
    const std::string remote =
        "remote:\n  codebuild: {project: slipway-builds, region: eu-west-1, compute_type: "
        "BUILD_GENERAL1_MEDIUM, image: 'aws/codebuild/standard:7.0', privileged: true}\n";
    auto m = parse_manifest(
        remote + with("    timeout: 20m\n", "    timeout: 20m\n    remote: codebuild\n"),
        "slipway.yml");
    ASSERT_TRUE(m) << m.error().message;
    ASSERT_TRUE(m->codebuild);
    EXPECT_EQ(m->codebuild->project, "slipway-builds");
    EXPECT_EQ(m->codebuild->region, "eu-west-1");
    EXPECT_EQ(m->codebuild->compute_type, "BUILD_GENERAL1_MEDIUM");
    EXPECT_EQ(m->codebuild->image, "aws/codebuild/standard:7.0");
    EXPECT_EQ(m->codebuild->privileged, true);
    EXPECT_EQ(m->find("training-lambda")->remote, "codebuild");
    EXPECT_EQ(m->find("common")->remote, "");
    EXPECT_EQ(error_of(with("    timeout: 20m\n", "    timeout: 20m\n    remote: codebuild\n")),
              "slipway.yml:15:13: component 'training-lambda'.remote: codebuild needs a "
              "top-level 'remote: {codebuild: {project: ...}}'");
    EXPECT_EQ(error_of(remote + with("    timeout: 20m\n", "    timeout: 20m\n    remote: ec2\n")),
              "slipway.yml:17:13: component 'training-lambda'.remote: 'ec2' is not codebuild");
    EXPECT_EQ(error_of("remote:\n  codebuild: {region: x}\n" + k_good),
              "slipway.yml:2:14: remote.codebuild: missing required key 'project'");
    EXPECT_EQ(error_of("remote:\n  codebuild: {project: p, privileged: yes}\n" + k_good),
              "slipway.yml:2:39: remote.codebuild.privileged: expected true or false");
    EXPECT_EQ(error_of("remote:\n  codebuild: {project: p, memory: 3}\n" + k_good),
              "slipway.yml:2:27: unknown key 'memory' in remote.codebuild");
}

TEST(Manifest, YamlSyntaxErrorsCarryTheirPosition) {
    auto message = error_of("components:\n  a: [unclosed\n");
    EXPECT_TRUE(message.starts_with("slipway.yml:")) << message;
}

TEST(Manifest, EmptyPatternsAreErrors) {
    EXPECT_EQ(
        error_of(with("paths: [template.yml]", "paths: [\"#comment\"]")),
        "slipway.yml:19:13: component 'template'.paths: pattern '#comment' is empty or a comment");
}

TEST(Duration, Forms) {
    EXPECT_EQ(components::parse_duration("90s"), std::chrono::seconds(90));
    EXPECT_EQ(components::parse_duration("1h30m"), std::chrono::seconds(5400));
    EXPECT_EQ(components::parse_duration("45"), std::chrono::seconds(45));
    EXPECT_FALSE(components::parse_duration("0s"));
    EXPECT_FALSE(components::parse_duration("m"));
    EXPECT_FALSE(components::parse_duration(""));
}

}  // namespace
