// What `slipway init` reads from templates: parameters, image parameters, SAM build
// contexts, packaged code and capabilities.
#include <gtest/gtest.h>

#include "adopt/paths.hpp"
#include "adopt/template_scan.hpp"

namespace {

constexpr const char* k_sam = R"(AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String}
  HelloImageUri: {Type: String}
  WorkerImage: {Type: String, Default: none}
  LogLevel: {Type: String, Default: INFO}
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
      ImageUri: !Ref HelloImageUri
    Metadata:
      DockerContext: ../services/hello
      Dockerfile: docker/Dockerfile.lambda
  ZipFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ../functions/zip/
      Handler: app.handler
      Runtime: python3.12
      Role: arn:aws:iam::123456789012:role/x
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
        - Name: worker
          Image: {Ref: WorkerImage}
  Remote:
    Type: AWS::Lambda::Function
    Properties:
      Code: {S3Bucket: b, S3Key: k}
  Outside:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ../../elsewhere
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: named
      AssumeRolePolicyDocument: {}
)";

TEST(TemplateScan, ReadsWhatInitNeeds) {
    auto facts = adopt::scan_template(k_sam, "infra/template.yaml");
    ASSERT_TRUE(facts) << facts.error().message;
    ASSERT_EQ(facts->parameters.size(), 4u);
    EXPECT_EQ(facts->parameters[0].name, "HelloImageUri");
    EXPECT_FALSE(facts->parameters[0].has_default);
    EXPECT_EQ(facts->parameters[3].name, "WorkerImage");
    EXPECT_TRUE(facts->parameters[3].has_default);
    EXPECT_EQ(facts->image_parameters, (std::set<std::string>{"HelloImageUri", "WorkerImage"}));
    ASSERT_EQ(facts->docker_builds.size(), 1u);
    EXPECT_EQ(facts->docker_builds[0].resource, "HelloFunction");
    EXPECT_EQ(facts->docker_builds[0].context, "services/hello");
    EXPECT_EQ(facts->docker_builds[0].dockerfile, "docker/Dockerfile.lambda");
    EXPECT_EQ(facts->docker_builds[0].parameter, "HelloImageUri");
    ASSERT_EQ(facts->code_refs.size(), 1u);
    EXPECT_EQ(facts->code_refs[0].resource, "ZipFunction");
    EXPECT_EQ(facts->code_refs[0].property, "CodeUri");
    EXPECT_EQ(facts->code_refs[0].path, "functions/zip");
    EXPECT_EQ(facts->notes, (std::vector<std::string>{
                                "Outside: CodeUri '../../elsewhere' is outside the repository; "
                                "not made a component"}));
    EXPECT_EQ(facts->capabilities,
              (std::vector<std::string>{"CAPABILITY_AUTO_EXPAND", "CAPABILITY_NAMED_IAM"}));
}

TEST(TemplateScan, PlainCloudFormationAndErrors) {
    auto facts = adopt::scan_template(
        "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code: src/f\n"
        "  R:\n    Type: AWS::IAM::Role\n    Properties: {}\n",
        "template.yml");
    ASSERT_TRUE(facts) << facts.error().message;
    EXPECT_TRUE(facts->parameters.empty());
    ASSERT_EQ(facts->code_refs.size(), 1u);
    EXPECT_EQ(facts->code_refs[0].path, "src/f");
    EXPECT_EQ(facts->capabilities, (std::vector<std::string>{"CAPABILITY_IAM"}));
    auto bad = adopt::scan_template("Parameters: {}\n", "t.yml");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, common::ErrorCode::input);
    EXPECT_TRUE(bad.error().message.starts_with("t.yml")) << bad.error().message;
}

// What tells several templates apart: resources, outputs, and the templates it nests (a
// stack's TemplateURL, a SAM application's local Location; a remote one is none).
TEST(TemplateScan, ResourcesOutputsAndNestedTemplates) {
    auto facts = adopt::scan_template(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  Net:\n    Type: AWS::CloudFormation::Stack\n"
        "    Properties: {TemplateURL: ../infra/network.yml}\n"
        "  Fwd:\n    Type: AWS::Serverless::Application\n"
        "    Properties: {Location: ./forwarder/template.yaml}\n"
        "  Sar:\n    Type: AWS::Serverless::Application\n"
        "    Properties: {Location: {ApplicationId: arn:aws:serverlessrepo:x, SemanticVersion: "
        "'1'}}\n"
        "  Remote:\n    Type: AWS::Serverless::Application\n"
        "    Properties: {Location: https://example.com/t.yaml}\n"
        "Outputs:\n  VpcId: {Value: x}\n  Arn: {Value: y}\n",
        "apps/stack/template.yaml");
    ASSERT_TRUE(facts) << facts.error().message;
    EXPECT_EQ(
        facts->nested_templates,
        (std::vector<std::string>{"apps/infra/network.yml", "apps/stack/forwarder/template.yaml"}));
    EXPECT_EQ(facts->outputs, (std::vector<std::string>{"Arn", "VpcId"}));
    ASSERT_EQ(facts->resources.size(), 4u);
    EXPECT_EQ(facts->resources[0],
              (std::pair<std::string, std::string>{"Fwd", "AWS::Serverless::Application"}));
    EXPECT_EQ(facts->resources[1].first, "Net");
}

TEST(TemplateScan, LooksLikeATemplate) {
    EXPECT_TRUE(adopt::looks_like_template("AWSTemplateFormatVersion: '2010-09-09'"));
    EXPECT_TRUE(adopt::looks_like_template("Transform: AWS::Serverless-2016-10-31"));
    EXPECT_FALSE(adopt::looks_like_template("version: 2\nservices: {}"));
}

TEST(Paths, JoinRelative) {
    EXPECT_EQ(adopt::join_relative("infra", "../services/a/"), "services/a");
    EXPECT_EQ(adopt::join_relative("", "./a/./b/../c"), "a/c");
    EXPECT_EQ(adopt::join_relative("infra", "."), "infra");
    EXPECT_EQ(adopt::join_relative("", "."), "");
    EXPECT_FALSE(adopt::join_relative("", "../x"));
    EXPECT_FALSE(adopt::join_relative("", "/abs"));
    EXPECT_TRUE(adopt::skipped_folder("a/node_modules/b"));
    EXPECT_TRUE(adopt::skipped_folder(".github/workflows"));
    EXPECT_FALSE(adopt::skipped_folder("services/api"));
}

}  // namespace
