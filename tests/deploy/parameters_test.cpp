#include "deploy/parameters.hpp"

#include "deploy/deployer.hpp"

#include <gtest/gtest.h>

namespace {

using deploy::ImageSource;

components::Manifest manifest() {
    auto m = components::parse_manifest(R"(
version: 1
image: {repository: repo}
components:
  api: {paths: [api/], parameter: ApiImage, build: "true"}
  worker: {paths: [worker/], parameter: WorkerImage, build: "true"}
  lib: {paths: [lib/], kind: library}
  template: {paths: [template.yml], kind: config}
environments:
  test: {stack: s-test, parameters: {Stage: test}}
  prod: {stack: s-prod, promote_from: test, parameters: {Stage: prod}}
)",
                                        "slipway.yml");
    if (!m) throw std::runtime_error(m.error().message);
    return *m;
}

deploy::Template tmpl(const std::string& params) {
    auto t = deploy::parse_template("AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n" +
                                        params + "Resources:\n  R: {Type: AWS::S3::Bucket}\n",
                                    "template.yml");
    EXPECT_TRUE(t) << t.error().message;
    return *t;
}

const deploy::ImageChoice& choice(const deploy::ParameterSet& s, const std::string& c) {
    for (const auto& i : s.images) {
        if (i.component == c) return i;
    }
    throw std::runtime_error("no " + c);
}

TEST(Parameters, NewImageForWhatChangedDeployedImageForTheRest) {
    auto m = manifest();
    deploy::ParameterInputs in;
    in.deployed = {{"api", {3, "repo:api-3"}}, {"worker", {7, "repo:worker-7"}}};
    in.latest_built = {{"api", {4, "repo:api-4"}}, {"worker", {8, "repo:worker-8"}}};
    in.new_images = {{"api", {4, "repo:api-4"}}};
    auto s = deploy::compute_parameters(m, m.environments[0], m.environments[0].stacks[0], in);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->values.at("Stage"), "test");
    EXPECT_EQ(s->values.at("ApiImage"), "repo:api-4");
    EXPECT_EQ(s->values.at("WorkerImage"), "repo:worker-7");  // deployed wins over latest build
    EXPECT_EQ(s->values.size(), 3u);  // library and config components have no parameter
    EXPECT_TRUE(choice(*s, "api").changed);
    EXPECT_EQ(choice(*s, "api").source, ImageSource::new_image);
    EXPECT_FALSE(choice(*s, "worker").changed);
    EXPECT_EQ(choice(*s, "worker").source, ImageSource::deployed);
}

TEST(Parameters, NeverDeployedUsesTheLatestBuild) {
    auto m = manifest();
    deploy::ParameterInputs in;
    in.latest_built = {{"api", {1, "repo:api-1"}}, {"worker", {2, "repo:worker-2"}}};
    auto s = deploy::compute_parameters(m, m.environments[0], m.environments[0].stacks[0], in);
    ASSERT_TRUE(s);
    EXPECT_EQ(choice(*s, "worker").source, ImageSource::latest_build);
    EXPECT_TRUE(choice(*s, "worker").changed);
}

TEST(Parameters, NoImageAnywhereNamesTheComponentAndTheFix) {
    auto m = manifest();
    deploy::ParameterInputs in;
    in.latest_built = {{"api", {1, "repo:api-1"}}};
    auto s = deploy::compute_parameters(m, m.environments[0], m.environments[0].stacks[0], in);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, common::ErrorCode::input);
    EXPECT_NE(s.error().message.find("component 'worker' has no image for environment 'test'"),
              std::string::npos);
    EXPECT_NE(s.error().message.find("--images worker=URI"), std::string::npos);
}

TEST(Parameters, PromotedImagesAreTheSourceEnvironmentsAndUnchangedOnesStaySo) {
    auto m = manifest();
    deploy::ParameterInputs in;
    in.deployed = {{"api", {3, "repo:api-3"}}, {"worker", {7, "repo:worker-7"}}};    // prod now
    in.new_images = {{"api", {4, "repo:api-4"}}, {"worker", {7, "repo:worker-7"}}};  // test's
    auto s = deploy::compute_parameters(m, m.environments[1], m.environments[1].stacks[0], in);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->values.at("Stage"), "prod");
    EXPECT_TRUE(choice(*s, "api").changed);
    EXPECT_FALSE(choice(*s, "worker").changed);  // same image: not a change
}

TEST(Parameters, RollbackOfOneComponentKeepsTheRestAsDeployed) {
    auto m = manifest();
    deploy::ParameterInputs in;
    in.deployed = {{"api", {5, "repo:api-5"}}, {"worker", {7, "repo:worker-7"}}};
    in.new_images = {{"api", {3, "repo:api-3"}}};
    auto s = deploy::compute_parameters(m, m.environments[0], m.environments[0].stacks[0], in);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->values.at("ApiImage"), "repo:api-3");
    EXPECT_EQ(choice(*s, "api").build_number, 3);
    EXPECT_EQ(s->values.at("WorkerImage"), "repo:worker-7");
}

TEST(Parameters, ImagesForUnknownOrImagelessComponentsAreRefused) {
    auto m = manifest();
    deploy::ParameterInputs in;
    in.new_images = {{"lib", {1, "x"}}};
    auto s = deploy::compute_parameters(m, m.environments[0], m.environments[0].stacks[0], in);
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("component 'lib' has no image parameter"), std::string::npos);
    in.new_images = {{"nope", {1, "x"}}};
    EXPECT_NE(deploy::compute_parameters(m, m.environments[0], m.environments[0].stacks[0], in)
                  .error()
                  .message.find("unknown component 'nope'"),
              std::string::npos);
}

TEST(ValidateParameters, AcceptsValuesThatMeetTheTemplate) {
    auto t = tmpl(
        "  Stage: {Type: String, AllowedValues: [test, prod]}\n"
        "  ApiImage: {Type: String, AllowedPattern: '[a-z:0-9-]+', MaxLength: 40}\n"
        "  Size: {Type: Number, MinValue: 1, MaxValue: 10, Default: 2}\n");
    auto ok = deploy::validate_parameters(t, {{"Stage", "test"}, {"ApiImage", "repo:api-1"}});
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_TRUE(ok->empty());
}

TEST(ValidateParameters, EachViolationNamesTheParameterAndWhere) {
    auto t = tmpl(
        "  Stage: {Type: String, AllowedValues: [test, prod]}\n"
        "  ApiImage:\n    Type: String\n    AllowedPattern: '[a-z:0-9-]+'\n    MaxLength: 12\n"
        "  Size: {Type: Number, MinValue: 1, MaxValue: 10, Default: 2}\n");
    auto message = [&](std::map<std::string, std::string> values) {
        auto r = deploy::validate_parameters(t, values, {{"ApiImage", "api"}});
        EXPECT_FALSE(r);
        EXPECT_EQ(r.error().code, common::ErrorCode::input);
        return r.error().message;
    };
    EXPECT_EQ(
        message({{"Stage", "dev"}, {"ApiImage", "a"}}),
        "template.yml:3: parameter Stage: value 'dev' not one of its AllowedValues (test, prod)");
    EXPECT_EQ(message({{"Stage", "test"}, {"ApiImage", "A_B"}}),
              "template.yml:4: parameter ApiImage (component 'api'): value 'A_B' does not match "
              "its AllowedPattern [a-z:0-9-]+");
    EXPECT_NE(message({{"Stage", "test"}, {"ApiImage", "abcdefghijklmnop"}})
                  .find("over its MaxLength 12"),
              std::string::npos);
    EXPECT_NE(
        message({{"Stage", "test"}, {"ApiImage", "a"}, {"Size", "11"}}).find("parameter Size"),
        std::string::npos);
    EXPECT_EQ(message({{"Stage", "test"}, {"ApiImage", "a"}, {"Extra", "1"}}),
              "template.yml: parameter Extra is not declared in the template's Parameters");
    EXPECT_NE(message({{"ApiImage", "a"}})
                  .find("template.yml:3: parameter Stage has no value and no Default"),
              std::string::npos);
}

TEST(ValidateParameters, WarnsPast150AndRefusesPast200) {
    std::string decl;
    std::map<std::string, std::string> values;
    for (int i = 0; i < 201; ++i) {
        decl += "  P" + std::to_string(i) + ": {Type: String}\n";
        values["P" + std::to_string(i)] = "v";
    }
    auto t = tmpl(decl);
    auto refused = deploy::validate_parameters(t, values);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("over CloudFormation's limit of 200"),
              std::string::npos);
    EXPECT_NE(refused.error().message.find("several stacks"), std::string::npos);
    values.erase("P0");
    auto t2 = tmpl(decl.substr(decl.find('\n') + 1));
    auto warned = deploy::validate_parameters(t2, values);
    ASSERT_TRUE(warned) << warned.error().message;
    ASSERT_EQ(warned->size(), 1u);
    EXPECT_NE(warned->front().find("200 parameters"), std::string::npos);
}

TEST(TemplateConfiguration, IsCodePipelinesFormatWithSortedKeys) {
    EXPECT_EQ(deploy::template_configuration({{"B", "2"}, {"A", "1"}}, {{"team", "ml"}}),
              "{\"Parameters\":{\"A\":\"1\",\"B\":\"2\"},\"Tags\":{\"team\":\"ml\"}}\n");
    EXPECT_EQ(deploy::template_configuration({{"A", "1"}}, {}), "{\"Parameters\":{\"A\":\"1\"}}\n");
}

}  // namespace
