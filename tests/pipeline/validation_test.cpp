// `slipway validate` as a library, over real repositories made with the git CLI: a pattern
// that matches no file of the head is a warning at its file:line:column (checked against the
// manifest's text), negated patterns never warn, --unowned lists the files no component
// owns (compared with `git ls-files`), and the JSON document is read back with rapidjson.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "json_check.hpp"
#include "pipeline/validation.hpp"
#include "support/git_repo.hpp"

namespace {

using pipeline_test::keys_of;
using pipeline_test::parse_json;
using pipeline_test::str;
using pipeline_test::strings;
using pipeline_test::unsorted_keys;
using Strings = std::vector<std::string>;

// Line 7 has the typo 'wrker/', line 10 an ignore pattern nothing matches, line 11 a global
// input nothing matches; line 6 a negated pattern (never a warning).
constexpr const char* k_manifest = R"(version: 1
project: shop
image: {repository: repo}
components:
  api: {paths: [api/], parameter: ApiImage, build: make}
  web: {paths: [web/, "!web/tests/"], parameter: WebImage, build: make}
  worker: {paths: [shared/, wrker/], parameter: WorkerImage, build: make}
  lib: {paths: [lib/], kind: library}
environments: {test: {stack: s, region: us-east-1, template: t.yml}}
ignore: ["**/*.md", "**/*.bak"]
global_inputs: [Dockerfile.base]
)";

constexpr const char* k_template = R"(Parameters:
  ApiImage: {Type: String}
  WebImage: {Type: String}
  WorkerImage: {Type: String}
Resources:
  Queue: {Type: AWS::SQS::Queue}
)";

// The line and column (1-based) where `needle` first occurs in `text`.
std::string position_of(const std::string& text, const std::string& needle) {
    const auto at = text.find(needle);
    if (at == std::string::npos) return "(not found)";
    const auto line = std::count(text.begin(), text.begin() + static_cast<long>(at), '\n') + 1;
    const auto line_start = text.rfind('\n', at);
    const auto column = line_start == std::string::npos ? at + 1 : at - line_start;
    return std::to_string(line) + ":" + std::to_string(column);
}

class Validate : public ::testing::Test {
  protected:
    void SetUp() override {
        repo.write("slipway.yml", k_manifest);
        for (const char* f : {"api/main.py", "web/main.py", "shared/util.py", "lib/x.py",
                              "README.md", "tools/lint.sh"})
            repo.write(f, "x\n");
        repo.write("t.yml", k_template);
        first = repo.commit("init");
    }
    common::Result<pipeline::Validation> validate(const std::string& head = "HEAD",
                                                  bool unowned = false) {
        return pipeline::validate_project(repo.path().string(), "", head, unowned);
    }
    support::GitRepo repo;
    std::string first;
};

TEST_F(Validate, APatternThatMatchesNoFileIsAWarningAtItsPosition) {
    auto v = validate();
    ASSERT_TRUE(v) << v.error().message;
    const std::string file = (repo.path() / "slipway.yml").string();
    const std::string text = k_manifest;
    EXPECT_EQ(
        v->warnings,
        (Strings{file + ":" + position_of(text, "wrker/") +
                     ": pattern 'wrker/' of component 'worker' matches no file in HEAD",
                 file + ":" + position_of(text, "\"**/*.bak\"") +
                     ": pattern '**/*.bak' of ignore matches no file in HEAD",
                 file + ":" + position_of(text, "Dockerfile.base") +
                     ": pattern 'Dockerfile.base' of global_inputs matches no file in HEAD"}));
    EXPECT_EQ(v->manifest, file);
    EXPECT_EQ(v->components, 4u);
    EXPECT_EQ(v->environments, 1u);
    EXPECT_TRUE(v->unowned.empty());  // not asked for
}

TEST_F(Validate, EveryPatternMatchingMeansNoWarnings) {
    std::string text = k_manifest;
    text.replace(text.find("wrker/"), 6, "shared/");
    text.replace(text.find(", \"**/*.bak\""), 12, "");
    repo.write("slipway.yml", text);
    repo.write("Dockerfile.base", "FROM x\n");
    repo.commit("fixed");
    auto v = validate();
    ASSERT_TRUE(v) << v.error().message;
    EXPECT_EQ(v->warnings, Strings{});
}

TEST_F(Validate, AnApproversTeamTheManifestDoesNotDefineIsAWarning) {
    std::string text = k_manifest;
    text.replace(text.find("environments: {test: {stack: s, region: us-east-1, template: t.yml}}"),
                 68,
                 "teams: {platform: [dave]}\nenvironments:\n"
                 "  test: {stack: s, region: us-east-1, template: t.yml}\n"
                 "  prod: {stack: p, region: us-east-1, template: t.yml, promote_from: test,\n"
                 "         gates: {approvers: [\"team:platfrom\", \"team:platform\"]}}");
    repo.write("slipway.yml", text);
    repo.commit("gated");
    auto v = validate();
    ASSERT_TRUE(v) << v.error().message;
    ASSERT_EQ(v->warnings.size(), 4u);
    EXPECT_NE(v->warnings[3].find(": environment 'prod' approvers: team 'platfrom' is not in "
                                  "teams: it is GitHub's team of that name for slipway serve "
                                  "with GitHub, and has no members elsewhere"),
              std::string::npos)
        << v->warnings[3];
    EXPECT_NE(v->warnings[3].find("did you mean 'platform'"), std::string::npos) << v->warnings[3];
}

TEST_F(Validate, PatternsAreCheckedAgainstTheHeadsFilesNotTheWorkTrees) {
    repo.write("wrker/new.py", "x\n");  // not committed
    auto v = validate();
    ASSERT_TRUE(v);
    EXPECT_EQ(v->warnings.size(), 3u);
    repo.commit("wrker");
    auto after = validate();
    ASSERT_TRUE(after);
    EXPECT_EQ(after->warnings.size(), 2u);
    // An older head still lacks it; the warning names that head.
    auto older = validate(first);
    ASSERT_TRUE(older) << older.error().message;
    ASSERT_EQ(older->warnings.size(), 3u);
    EXPECT_NE(older->warnings[0].find("matches no file in " + first), std::string::npos)
        << older->warnings[0];
    EXPECT_EQ(older->manifest, first + ":slipway.yml");
}

TEST_F(Validate, UnownedListsTheHeadsFilesNoComponentOwns) {
    auto v = validate("HEAD", true);
    ASSERT_TRUE(v) << v.error().message;
    // Every file git lists, less those a component owns or ignore drops.
    std::stringstream listed(repo.git("ls-files"));
    Strings expected;
    const std::set<std::string> owned = {"api/main.py", "web/main.py", "shared/util.py", "lib/x.py",
                                         "README.md"};
    for (std::string f; std::getline(listed, f);)
        if (!owned.contains(f)) expected.push_back(f);
    EXPECT_EQ(v->unowned, expected);
    EXPECT_EQ(v->unowned, (Strings{"slipway.yml", "t.yml", "tools/lint.sh"}));
}

TEST_F(Validate, AnUnknownHeadIsAnInputError) {
    auto v = validate("no-such-ref");
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, common::ErrorCode::input);
    EXPECT_NE(v.error().message.find("no-such-ref"), std::string::npos);
}

TEST_F(Validate, ABrokenManifestIsAnInputErrorWithFileAndLine) {
    std::string text = k_manifest;
    text.replace(text.find("kind: library"), 13, "kind: libary");
    repo.write("slipway.yml", text);
    auto v = validate();
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, common::ErrorCode::input);
    EXPECT_TRUE(std::regex_search(v.error().message, std::regex(R"(slipway\.yml:8:[0-9]+: )")))
        << v.error().message;
}

TEST(ValidateOutsideGit, AManifestFlagIsCheckedWithoutFiles) {
    support::TempDir dir;
    const auto file = (dir.path() / "slipway.yml").string();
    std::ofstream(file) << k_manifest;
    auto v = pipeline::validate_project(dir.path().string(), file, "HEAD", true);
    ASSERT_TRUE(v) << v.error().message;
    EXPECT_EQ(v->components, 4u);
    EXPECT_EQ(v->warnings,
              Strings{"not in a git repository: patterns were not checked against files"});
    auto without_flag = pipeline::validate_project(dir.path().string(), "", "HEAD", false);
    EXPECT_FALSE(without_flag);
}

// ---- validation_json --------------------------------------------------------------------

TEST_F(Validate, TheJsonHasTheDocumentedFieldsKeysSorted) {
    auto v = validate("HEAD", true);
    ASSERT_TRUE(v);
    auto d = parse_json(pipeline::validation_json(*v));
    EXPECT_EQ(unsorted_keys(d), Strings{});
    EXPECT_EQ(keys_of(d),
              (Strings{"components", "environments", "manifest", "unowned", "warnings"}));
    EXPECT_EQ(d["components"].GetInt64(), 4);
    EXPECT_EQ(d["environments"].GetInt64(), 1);
    EXPECT_EQ(str(d, "manifest"), v->manifest);
    EXPECT_EQ(strings(d, "unowned"), v->unowned);
    EXPECT_EQ(strings(d, "warnings"), v->warnings);
}

TEST(ValidationJson, PathsThatAreNotUtf8AreQuoted) {
    pipeline::Validation v{"slipway.yml", 1, 0, {"w: 'x' \"quoted\""}, {"caf\xe9.txt", "ok.txt"}};
    auto d = parse_json(pipeline::validation_json(v));
    EXPECT_EQ(strings(d, "unowned"), (Strings{"\"caf\\351.txt\"", "ok.txt"}));
    EXPECT_EQ(strings(d, "warnings"), Strings{"w: 'x' \"quoted\""});
    auto empty = parse_json(pipeline::validation_json({}));
    EXPECT_EQ(empty["unowned"].Size(), 0u);
    EXPECT_EQ(empty["warnings"].Size(), 0u);
}

// What `run` would refuse is a warning too (so `validate --strict` fails first): a template
// parameter without a Default or value, a value for a parameter the template lacks, local
// code without an artifact_bucket, and a code folder that would deploy without its
// dependencies (requirements.txt and no installed packages).
TEST(ValidateEnvironments, WhatADeployWouldRefuseIsAWarning) {
    support::GitRepo repo;
    repo.write("slipway.yml", R"(components:
  orders: {paths: [orders/], kind: config}
environments:
  test:
    stack: shop-test
    template: infra/template.yaml
    parameters: {Stag: test}
)");
    repo.write("infra/template.yaml", R"(Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String}
  Size: {Type: Number, Default: 1}
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ../orders/, Handler: app.handler, Runtime: python3.12}
)");
    repo.write("orders/app.py", "import requests\n");
    repo.write("orders/requirements.txt", "requests==2.32.3\n");
    repo.commit("sam app");
    auto v = pipeline::validate_project(repo.path().string(), "", "HEAD", false);
    ASSERT_TRUE(v) << v.error().message;
    const std::string at = (repo.path() / "slipway.yml").string() + ":4:3: environment 'test': ";
    EXPECT_EQ(v->warnings,
              (Strings{at + "template parameter Stage (infra/template.yaml) has no Default and no "
                            "value: give it one in the environment's parameters",
                       at + "parameter Stag is not a parameter of infra/template.yaml",
                       at + "infra/template.yaml: Orders.CodeUri ../orders/ is packaged and "
                            "uploaded: set the environment's artifact_bucket",
                       at + "infra/template.yaml: Orders: orders has requirements.txt but no "
                            "installed packages (*.dist-info): zipped as it is, the function "
                            "would deploy without its dependencies; build it first (`sam build`, "
                            "then deploy .aws-sam/build/template.yaml: the environment's "
                            "template) and package the built folder"}));

    // Given a value, a bucket and a built template (not in the commit: not checked), none.
    repo.write("slipway.yml", R"(components:
  orders: {paths: [orders/], kind: config}
environments:
  test:
    stack: shop-test
    template: .aws-sam/build/template.yaml
    artifact_bucket: shop-artifacts
    parameters: {Stage: test}
)");
    repo.commit("built template");
    v = pipeline::validate_project(repo.path().string(), "", "HEAD", false);
    ASSERT_TRUE(v) << v.error().message;
    EXPECT_EQ(v->warnings, Strings{});
}

}  // namespace
