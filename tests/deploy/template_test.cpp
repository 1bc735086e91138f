#include "deploy/template.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace {

constexpr const char* k_template = R"(AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage:
    Type: String
    Default: test
  Image: {Type: String, NoEcho: true}
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Code: functions/train
      Role: !GetAtt Role.Arn
      Timeout: 30
      Environment:
        Variables:
          STAGE: !Ref Stage
          NAME: !Sub "train-${Stage}"
          FLAG: "true"
  Remote:
    Type: AWS::Lambda::Function
    Properties:
      Code: {S3Bucket: b, S3Key: k}
  Sam:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: s3://bucket/already.zip}
  Job:
    Type: AWS::Glue::Job
    Properties:
      Command: {Name: glueetl, ScriptLocation: glue/job.py}
  Nested:
    Type: AWS::CloudFormation::Stack
    Properties: {TemplateURL: nested.yml}
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
      Path: !Join ["/", ["", !Ref Stage, ""]]
)";

TEST(Template, ReadsParametersWithShortTagsPresent) {
    auto t = deploy::parse_template(k_template, "template.yml");
    ASSERT_TRUE(t) << t.error().message;
    ASSERT_EQ(t->parameters.size(), 2u);
    EXPECT_EQ(t->parameters.at("Stage").default_value, "test");
    EXPECT_EQ(t->parameters.at("Stage").line, 3);
    EXPECT_TRUE(t->parameters.at("Image").no_echo);
}

TEST(Template, JsonTemplatesAreReadToo) {
    auto t = deploy::parse_template(
        R"({"Parameters": {"A": {"Type": "String", "MaxLength": "5"}}, "Resources": {"R": {"Type": "AWS::S3::Bucket"}}})",
        "t.json");
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->parameters.at("A").max_length, 5);
}

TEST(Template, BadTemplatesNameFileAndLine) {
    auto bad = deploy::parse_template("Resources: [\n", "t.yml");
    ASSERT_FALSE(bad);
    EXPECT_TRUE(bad.error().message.starts_with("t.yml:")) << bad.error().message;
    EXPECT_EQ(deploy::parse_template("Parameters: {}\n", "t.yml").error().message,
              "t.yml: not a CloudFormation template: no Resources");
    auto pattern = deploy::parse_template(
        "Parameters:\n  A: {Type: String, AllowedPattern: '[a-'}\nResources: {R: {Type: X}}\n",
        "t.yml");
    ASSERT_FALSE(pattern);
    EXPECT_EQ(pattern.error().message,
              "t.yml:2: parameter A: AllowedPattern is not a regular expression");
}

TEST(Template, FindsTheLocalArtifactsPackageWouldUpload) {
    auto t = deploy::parse_template(k_template, "template.yml");
    ASSERT_TRUE(t);
    auto refs = deploy::artifact_refs(*t);
    ASSERT_EQ(refs.size(), 3u);  // Remote and Sam already point at S3
    EXPECT_EQ(refs[0].resource, "Fn");
    EXPECT_EQ(refs[0].property, "Code");
    EXPECT_EQ(refs[0].path, "functions/train");
    EXPECT_EQ(refs[1].property, "Command.ScriptLocation");
    EXPECT_EQ(refs[2].property, "TemplateURL");
}

// Layers are packaged too, as `aws cloudformation package` does: a Lambda layer's Content
// becomes {S3Bucket, S3Key}, a SAM layer's ContentUri an s3:// URI.
TEST(Template, LayersArePackagedAsAwsCloudformationPackageDoes) {
    auto t = deploy::parse_template(R"(Resources:
  Lib:
    Type: AWS::Lambda::LayerVersion
    Properties: {Content: layers/lib}
  Utils:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: ./layers/utils/}
)",
                                    "template.yml");
    ASSERT_TRUE(t) << t.error().message;
    auto refs = deploy::artifact_refs(*t);
    ASSERT_EQ(refs.size(), 2u);
    EXPECT_EQ(refs[0].property, "Content");
    EXPECT_EQ(refs[1].property, "ContentUri");
    EXPECT_EQ(refs[1].path, "./layers/utils/");
    auto json =
        deploy::rewrite_as_json(*t, {{"Lib.Content", {"b", "k1.zip", "https://x/b/k1.zip"}},
                                     {"Utils.ContentUri", {"b", "k2.zip", "https://x/b/k2.zip"}}});
    EXPECT_NE(json.find(R"("Content":{"S3Bucket":"b","S3Key":"k1.zip"})"), std::string::npos)
        << json;
    EXPECT_NE(json.find(R"("ContentUri":"s3://b/k2.zip")"), std::string::npos) << json;
}

TEST(Template, RewritesAsCloudFormationJsonWithLongFormsAndS3Locations) {
    auto t = deploy::parse_template(k_template, "template.yml");
    ASSERT_TRUE(t);
    auto json = deploy::rewrite_as_json(
        *t, {{"Fn.Code", {"bkt", "p/abc.zip", "https://s3/bkt/p/abc.zip"}},
             {"Job.Command.ScriptLocation", {"bkt", "p/def.py", "https://s3/bkt/p/def.py"}},
             {"Nested.TemplateURL", {"bkt", "p/n.yml", "https://s3/bkt/p/n.yml"}}});
    rapidjson::Document d;
    d.Parse(json.c_str());
    ASSERT_FALSE(d.HasParseError()) << json;
    const auto& fn = d["Resources"]["Fn"]["Properties"];
    EXPECT_STREQ(fn["Code"]["S3Bucket"].GetString(), "bkt");
    EXPECT_STREQ(fn["Code"]["S3Key"].GetString(), "p/abc.zip");
    EXPECT_STREQ(fn["Role"]["Fn::GetAtt"][0].GetString(), "Role");
    EXPECT_STREQ(fn["Role"]["Fn::GetAtt"][1].GetString(), "Arn");
    EXPECT_EQ(fn["Timeout"].GetInt(), 30);  // plain scalar: a number
    const auto& vars = fn["Environment"]["Variables"];
    EXPECT_STREQ(vars["STAGE"]["Ref"].GetString(), "Stage");
    EXPECT_STREQ(vars["NAME"]["Fn::Sub"].GetString(), "train-${Stage}");
    EXPECT_STREQ(vars["FLAG"].GetString(), "true");  // quoted: stays a string
    EXPECT_STREQ(d["Resources"]["Job"]["Properties"]["Command"]["ScriptLocation"].GetString(),
                 "s3://bkt/p/def.py");
    EXPECT_STREQ(d["Resources"]["Nested"]["Properties"]["TemplateURL"].GetString(),
                 "https://s3/bkt/p/n.yml");
    const auto& path = d["Resources"]["Role"]["Properties"]["Path"]["Fn::Join"];
    EXPECT_STREQ(path[1][1]["Ref"].GetString(), "Stage");
}

}  // namespace
