// Manifest loading: a good manifest becomes plain values; every kind of mistake becomes
// one error line that starts with file:line:column.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>

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
    EXPECT_EQ(m->environments[0].stacks.at(0).parameters.at("Stage").value, "test");
    EXPECT_EQ(m->environments[0].stacks.at(0).name, "ml-training-test");
    EXPECT_EQ(m->environments[0].targets.at(0).region, "us-east-1");
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
              "slipway.yml:29:3: environment 'prod': missing required key 'stack' (or a list of "
              "'stacks')");
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
              "slipway.yml:31:19: environment 'prod' promotes from unknown environment 'tset' "
              "(did you mean 'test'?)");
    EXPECT_EQ(error_of(with("CAPABILITY_NAMED_IAM", "CAPABILITY_NAMED")),
              "slipway.yml:28:20: environment 'test': unknown capability 'CAPABILITY_NAMED'");
}

// environments.X.trigger.branch and commit_url (main's 6144fa1) on the libyaml reader: read,
// and wrong with the same kind of positioned errors as every other key.
TEST(Manifest, TriggerBranchAndCommitUrl) {
    auto m = parse_manifest(with("project: ml-training\n",
                                 "project: ml-training\ncommit_url: https://x/commit/{commit}\n") +
                                "    trigger: {branch: release}\n",
                            "slipway.yml");
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->commit_url, "https://x/commit/{commit}");
    EXPECT_EQ(m->environments[0].trigger_branch, "");
    EXPECT_EQ(m->environments[1].trigger_branch, "release");
    EXPECT_EQ(error_of(with("project:", "comit_url: x\nproject:")),
              "slipway.yml:2:1: unknown key 'comit_url' in the manifest (did you mean "
              "'commit_url'?)");
    EXPECT_EQ(error_of(with("project: ml-training", "project: p\ncommit_url: [x]")),
              "slipway.yml:3:13: commit_url: expected a string, got a list");
    EXPECT_EQ(error_of(k_good + "    trigger: {brnch: main}\n"),
              "slipway.yml:33:15: unknown key 'brnch' in environment 'prod'.trigger (did you "
              "mean 'branch'?)");
    EXPECT_EQ(error_of(k_good + "    triger: {branch: main}\n"),
              "slipway.yml:33:5: unknown key 'triger' in environment 'prod' (did you mean "
              "'trigger'?)");
    EXPECT_EQ(error_of(k_good + "    trigger: {}\n"),
              "slipway.yml:33:14: environment 'prod'.trigger: missing required key 'branch'");
    EXPECT_EQ(error_of(k_good + "    trigger: main\n"),
              "slipway.yml:33:14: environment 'prod'.trigger: expected a map, got a string");
    EXPECT_EQ(error_of(k_good + "    trigger: {branch: [a]}\n"),
              "slipway.yml:33:23: environment 'prod'.trigger.branch: expected a string, got a "
              "list");
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
    EXPECT_EQ(components::parse_duration("1h1s"), std::chrono::seconds(3601));
    EXPECT_FALSE(components::parse_duration("0s"));
    EXPECT_FALSE(components::parse_duration("m"));
    EXPECT_FALSE(components::parse_duration(""));
    EXPECT_FALSE(components::parse_duration("30m1h"));
    EXPECT_FALSE(components::parse_duration("1h30"));
    EXPECT_FALSE(components::parse_duration("-5s"));
}

// Issue 13: "99999999999999999999" threw std::out_of_range (abort), and "2562048h" overflowed
// std::chrono into a negative deadline, so every build timed out at once.
TEST(Duration, AtMostSevenDaysAndNeverOverflows) {
    EXPECT_EQ(components::parse_duration("168h"), std::chrono::hours(168));
    EXPECT_EQ(components::parse_duration("604800"), std::chrono::seconds(604800));
    EXPECT_FALSE(components::parse_duration("604801"));
    EXPECT_FALSE(components::parse_duration("2562048h"));
    EXPECT_FALSE(components::parse_duration("99999999999999999999"));
    EXPECT_FALSE(components::parse_duration("99999999999999999999h99999999999999999999m"));
    EXPECT_TRUE(components::duration_exceeds_limit("2562048h"));
    EXPECT_FALSE(components::duration_exceeds_limit("20 minutes"));
    EXPECT_EQ(error_of(with("timeout: 20m", "timeout: 99999999999999999999")),
              "slipway.yml:14:14: component 'training-lambda'.timeout: '99999999999999999999' is "
              "longer than the limit of 168h (7 days)");
    EXPECT_EQ(error_of(with("timeout: 20m", "timeout: 2562048h")),
              "slipway.yml:14:14: component 'training-lambda'.timeout: '2562048h' is longer than "
              "the limit of 168h (7 days)");
}

// Issue 13: an environment named "../../tmp/x" passed validation and reached file paths and
// CloudFormation; names follow the component rule, stacks CloudFormation's own.
TEST(Manifest, EnvironmentAndStackNamesAreChecked) {
    EXPECT_EQ(error_of(with("  test:\n", "  ../../tmp/x:\n")),
              "slipway.yml:22:3: invalid environment name '../../tmp/x': use letters, digits, "
              "'.', '_' and '-' (up to 128, starting with a letter or digit)");
    EXPECT_EQ(error_of(with("  test:\n", "  \"it's\":\n")),
              "slipway.yml:22:3: invalid environment name 'it's': use letters, digits, '.', '_' "
              "and '-' (up to 128, starting with a letter or digit)");
    EXPECT_EQ(error_of(with("stack: ml-training-test", "stack: ml_training/test")),
              "slipway.yml:23:12: environment 'test'.stack: invalid stack name 'ml_training/test': "
              "CloudFormation allows letters, digits and '-' (up to 128, starting with a letter)");
    EXPECT_EQ(error_of(with("stack: ml-training-test", "stack: 1stack")).substr(0, 18),
              "slipway.yml:23:12:");
    EXPECT_EQ(
        error_of(with("stack: ml-training-test", "stack: " + std::string(129, 's'))).substr(0, 18),
        "slipway.yml:23:12:");
    EXPECT_EQ(error_of(with("stack: ml-training-test", "stack: " + std::string(128, 's'))),
              "(loaded)");
}

// Issue 13: a 50 MB manifest took 3.3 GB and 23 s; deep nesting gave only "bad file".
TEST(Manifest, SizeDepthAndAliasLimits) {
    const std::string big = k_good + "#" + std::string(components::k_max_manifest_bytes, 'x');
    EXPECT_EQ(error_of(big), "slipway.yml:1:1: the file is " + std::to_string(big.size()) +
                                 " bytes, over the limit of 8388608 bytes");
    EXPECT_EQ(error_of("components: " + std::string(1000, '[')),
              "slipway.yml:1:76: nested deeper than 64 levels");
    std::string deep;
    for (int i = 0; i < 1000; ++i) deep += std::string(static_cast<std::size_t>(i), ' ') + "a:\n";
    EXPECT_EQ(error_of(deep), "slipway.yml:65:65: nested deeper than 64 levels");
    // "Billion laughs": each level names the one before ten times.
    std::string laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    for (char c = 'b'; c <= 'i'; ++c) {
        laughs += std::string(1, c) + ": &" + c + " [";
        for (int i = 0; i < 10; ++i) laughs += std::string(i ? ", *" : "*") + char(c - 1);
        laughs += "]\n";
    }
    EXPECT_EQ(error_of(laughs),
              "slipway.yml:6:36: aliases expand the document by more than "
              "1000000 nodes");
}

TEST(Manifest, AnchorsAndAliasesWork) {
    auto m = parse_manifest(R"(image: {repository: r}
components:
  a: &svc {paths: &p [a/, shared/], parameter: A, build: "true"}
  b: {paths: *p, parameter: B, build: "true", depends_on: [a]}
)",
                            "slipway.yml");
    ASSERT_TRUE(m) << m.error().message;
    ASSERT_EQ(m->components.size(), 2u);
    EXPECT_EQ(m->components[1].paths.size(), 2u);
    EXPECT_EQ(m->components[1].paths[0].text, "a/");
    EXPECT_EQ(error_of("components: {a: *nope}\n"), "slipway.yml:1:17: unknown alias '*nope'");
    EXPECT_EQ(error_of("components: &c {a: *c}\n"),
              "slipway.yml:1:20: alias '*c' refers to a node that contains it");
}

TEST(Manifest, OneDocumentPerFile) {
    EXPECT_EQ(error_of(k_good + "---\nproject: x\n"),
              "slipway.yml:33:1: a second YAML document: the file must hold exactly one");
    EXPECT_EQ(error_of(""),
              "slipway.yml:1:1: expected a map at the top of the manifest, got nothing");
}

TEST(Manifest, YamlSyntaxErrorNamesLineAndColumn) {
    EXPECT_EQ(error_of("components:\n  a: [unclosed\n"),
              "slipway.yml:3:1: invalid YAML: did not find expected ',' or ']' (while parsing a "
              "flow sequence at line 2, column 6)");
    EXPECT_TRUE(
        error_of("components:\n  a: \"\xff\"\n").starts_with("slipway.yml:2:7: invalid YAML: "));
}

TEST(Manifest, LoadReadsAFileAndRefusesAnOversizedOne) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("manifest_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto good = (dir / "slipway.yml").string();
    std::ofstream(good) << k_good;
    auto m = components::load_manifest(good);
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->components.size(), 3u);
    const auto big = (dir / "big.yml").string();
    {
        std::ofstream out(big);
        out << k_good << "#";
        for (int i = 0; i < 9; ++i) out << std::string(1 << 20, 'x');
    }
    auto r = components::load_manifest(big);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, big + ":1:1: the file is " +
                                     std::to_string(k_good.size() + 1 + (9 << 20)) +
                                     " bytes, over the limit of 8388608 bytes");
    EXPECT_EQ(components::load_manifest((dir / "none.yml").string()).error().message,
              "cannot read manifest " + (dir / "none.yml").string() +
                  ": no such file (write one with 'slipway init', or give --manifest)");
    std::filesystem::remove_all(dir);
}

}  // namespace

namespace {

// A bounded fuzz of the reader: the design example, mutated with YAML's significant bytes
// (and some that are not UTF-8), must always load or fail with one "file:line:column: "
// line; whatever loads obeys the rules the reader promises. Deterministic (fixed seed);
// stops after 20,000 inputs or two seconds, whichever comes first (SLIPWAY_FUZZ_SECONDS and
// SLIPWAY_FUZZ_SEED run it longer, or differently, by hand).
TEST(ManifestFuzz, MutatedManifestsLoadOrFailWithAPosition) {
    const std::vector<std::string> tokens = {"[",           "]",     "{",
                                             "}",           ":",     ": ",
                                             "- ",          " ",     "  ",
                                             "\n",          "\n  ",  "&a ",
                                             "*a",          "!",     "!!str ",
                                             "'",           "\"",    "#",
                                             "|\n",         ">",     "? ",
                                             "---\n",       "...\n", "\t",
                                             "\xff",        "\xc3",  "\\",
                                             "%YAML 1.1\n", "@",     "<<: *a\n",
                                             ",",           "0",     "99999999999999999999h",
                                             "../",         "~",     "null",
                                             "\r"};
    const char* seconds_env = std::getenv("SLIPWAY_FUZZ_SECONDS");
    const char* seed_env = std::getenv("SLIPWAY_FUZZ_SEED");
    std::mt19937 random(seed_env ? static_cast<unsigned>(std::atoi(seed_env)) : 1913u);
    const bool bounded = seconds_env == nullptr;
    auto pick = [&](std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(random);
    };
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::seconds(seconds_env ? std::atoi(seconds_env) : 2);
    std::string text = k_good;
    int loaded = 0, tried = 0;
    for (; (!bounded || tried < 20000) && std::chrono::steady_clock::now() < deadline; ++tried) {
        if (tried % 8 == 0) text = k_good;
        const std::size_t at = pick(text.size() + 1);
        switch (pick(3)) {
            case 0:
                text.erase(at, 1 + pick(8));
                break;
            case 1:
                text.insert(at, tokens[pick(tokens.size())]);
                break;
            default:
                text.insert(at, text.substr(pick(text.size() + 1), pick(40)));
        }
        auto m = parse_manifest(text, "slipway.yml");
        if (!m) {
            EXPECT_EQ(m.error().code, common::ErrorCode::input);
            static const std::regex positioned(R"(^slipway\.yml:\d+:\d+: [^\n]+$)");
            ASSERT_TRUE(std::regex_match(m.error().message, positioned))
                << m.error().message << "\n--- input ---\n"
                << text;
            continue;
        }
        ++loaded;
        for (const auto& c : m->components) {
            EXPECT_TRUE(components::valid_name(c.name)) << c.name;
            EXPECT_LE(c.timeout, components::k_max_duration);
            EXPECT_GE(c.timeout.count(), 0);
        }
        for (const auto& e : m->environments) EXPECT_TRUE(components::valid_name(e.name)) << e.name;
    }
    EXPECT_GT(tried, 500);
    EXPECT_GT(loaded, 0);
}

// A `docker` section: the build's context, Dockerfile, args, platform and target; without a
// `build`, slipway builds with `docker build` and pushes.
TEST(Manifest, DockerSection) {
    auto m = parse_manifest(with("    build: ./scripts/build-image.sh\n",
                                 "    docker:\n      context: functions/\n      args: {PY: "
                                 "\"3.12\"}\n      platform: linux/arm64\n"),
                            "slipway.yml");
    ASSERT_TRUE(m.has_value()) << m.error().message;
    const auto& c = m->components[0];
    ASSERT_TRUE(c.docker.has_value());
    EXPECT_EQ(c.docker->context, "functions");
    EXPECT_EQ(c.docker->file, "functions/Dockerfile");
    EXPECT_EQ(c.docker->args.at("PY"), "3.12");
    EXPECT_EQ(c.docker->platform, "linux/arm64");
    EXPECT_EQ(c.docker->pos.line, 14);
    EXPECT_TRUE(c.build.starts_with("docker build --file functions/Dockerfile")) << c.build;
}

TEST(Manifest, DockerSectionBuildsWithDockerWhenNoBuildIsGiven) {
    auto m = parse_manifest(
        with("    build: ./scripts/build-image.sh\n",
             "    docker: {context: ., file: ops/Dockerfile, args: {PY: \"3.12\", N: \"it's\"}, "
             "platform: linux/arm64, target: runtime}\n"),
        "slipway.yml");
    ASSERT_TRUE(m.has_value()) << m.error().message;
    EXPECT_EQ(m->components[0].build,
              "docker build --file ops/Dockerfile --platform linux/arm64 --target runtime "
              "--build-arg 'N=it'\\''s' --build-arg PY=3.12 --tag \"$SLIPWAY_IMAGE_URI\" . && "
              "docker push \"$SLIPWAY_IMAGE_URI\"");
    // A `build` given is kept: the docker section then only says what the build reads.
    auto own = parse_manifest(with("    timeout: 20m\n",
                                   "    timeout: 20m\n    docker: {context: "
                                   "functions/training}\n"),
                              "slipway.yml");
    ASSERT_TRUE(own.has_value()) << own.error().message;
    EXPECT_EQ(own->components[0].build, "./scripts/build-image.sh");
}

TEST(Manifest, DockerSectionMistakes) {
    auto docker = [](const std::string& section) {
        return error_of(
            with("    build: ./scripts/build-image.sh\n", "    docker: " + section + "\n"));
    };
    EXPECT_EQ(docker("{file: Dockerfile}"),
              "slipway.yml:13:13: component 'training-lambda'.docker: missing required key "
              "'context'");
    EXPECT_EQ(docker("{context: ., platfrom: x}"),
              "slipway.yml:13:26: unknown key 'platfrom' in component 'training-lambda'.docker "
              "(did you mean 'platform'?)");
    EXPECT_EQ(docker("{context: ../outside}"),
              "slipway.yml:13:23: component 'training-lambda'.docker.context: '../outside' is not "
              "a path of the repository (relative, without '.', '..' or empty parts; '.' is the "
              "root)");
    EXPECT_EQ(docker("{context: /abs}"),
              "slipway.yml:13:23: component 'training-lambda'.docker.context: '/abs' is not a "
              "path of the repository (relative, without '.', '..' or empty parts; '.' is the "
              "root)");
    EXPECT_NE(docker("{context: ., args: {\"A B\": x}}").find("'A B' is not a build argument name"),
              std::string::npos);
    EXPECT_NE(docker("{context: ., platform: \"linux/amd64;rm\"}").find("is not a platform"),
              std::string::npos);
    EXPECT_NE(docker("{context: ., args: [x]}").find("expected a map"), std::string::npos);
    EXPECT_EQ(
        error_of(with("    kind: library\n", "    kind: library\n    docker: {context: .}\n")),
        "slipway.yml:18:13: component 'common': a library component has no image, so no "
        "'docker'");
}

}  // namespace
