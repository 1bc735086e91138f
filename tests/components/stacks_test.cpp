// Environments of several stacks, regions and accounts: the one-stack form reads as one
// stack on one target; the stacks form settles each stack's members, its waits, the targets
// and the waves, and every mistake is one line with file:line:column.
#include <gtest/gtest.h>

#include "components/manifest.hpp"
#include "components/stacks.hpp"

namespace {

using components::parse_manifest;

const std::string k_head = R"(image:
  repository: 123456789012.dkr.ecr.us-east-1.amazonaws.com/ml
components:
  inference-service:
    paths: [services/inference/]
    parameter: InferenceImageUri
    build: ./build.sh
  training-lambda:
    paths: [functions/training/]
    parameter: TrainingImageUri
    build: ./build.sh
  jobs-etl:
    paths: [jobs/etl/]
    parameter: EtlImageUri
    build: ./build.sh
  jobs-report:
    paths: [jobs/report/]
    parameter: ReportImageUri
    build: ./build.sh
  common:
    paths: [libs/common/]
    kind: library
  network-config:
    paths: [infra/]
    kind: config
environments:
)";

const std::string k_prod = R"(  prod:
    stacks:
      - name: ml-network-prod
        template: infra/network.yml
      - name: ml-services-prod
        template: template.yml
        components: [inference-service, training-lambda, "jobs/*"]
        parameters:
          VpcId: {stack: ml-network-prod, output: VpcId}
          Stage: prod
    regions: [us-east-1, eu-west-1]
    accounts: {role_arn: "arn:aws:iam::{account}:role/slipway-deploy", ids: ["111111111111"]}
    waves: [[us-east-1], [eu-west-1]]
)";

std::string error_of(const std::string& envs) {
    auto m = parse_manifest(k_head + envs, "slipway.yml");
    if (m) return "(loaded)";
    EXPECT_EQ(m.error().code, common::ErrorCode::input);
    return m.error().message;
}

std::string replaced(std::string s, const std::string& from, const std::string& to) {
    auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
}

TEST(Stacks, TheOneStackFormIsOneStackHoldingEveryComponentOnOneTarget) {
    auto m = parse_manifest(k_head + R"(  test:
    stack: ml-test
    region: us-east-1
    template: template.yml
    role_arn: arn:aws:iam::210987654321:role/deploy
    parameters: {Stage: test}
)",
                            "slipway.yml");
    ASSERT_TRUE(m) << m.error().message;
    const auto& e = m->environments[0];
    ASSERT_EQ(e.stacks.size(), 1u);
    EXPECT_EQ(e.stacks[0].name, "ml-test");
    EXPECT_EQ(e.stacks[0].template_path, "template.yml");
    EXPECT_EQ(e.stacks[0].members,
              (std::vector<std::string>{"inference-service", "training-lambda", "jobs-etl",
                                        "jobs-report", "network-config"}));
    EXPECT_EQ(e.stacks[0].parameters.at("Stage").value, "test");
    EXPECT_TRUE(e.parameters.empty());  // they are the stack's
    ASSERT_EQ(e.targets.size(), 1u);
    EXPECT_EQ(e.targets[0].region, "us-east-1");
    EXPECT_EQ(e.targets[0].role_arn, "arn:aws:iam::210987654321:role/deploy");
    EXPECT_EQ(e.targets[0].label(), "");  // recorded as before: no region, no account
    EXPECT_EQ(e.targets[0].recorded_region(), "");
}

TEST(Stacks, TheStacksFormSettlesMembersWaitsTargetsAndWaves) {
    auto m = parse_manifest(k_head + k_prod, "slipway.yml");
    ASSERT_TRUE(m) << m.error().message;
    const auto& e = m->environments[0];
    ASSERT_EQ(e.stacks.size(), 2u);
    EXPECT_TRUE(e.stacks[0].members.empty());
    EXPECT_EQ(e.stacks[1].members, (std::vector<std::string>{"inference-service", "training-lambda",
                                                             "jobs-etl", "jobs-report"}));
    EXPECT_EQ(e.stacks[1].after, std::vector<std::size_t>{0});
    EXPECT_TRUE(e.stacks[1].parameters.at("VpcId").from_output());
    EXPECT_EQ(e.stacks[1].parameters.at("VpcId").pos.str(), "slipway.yml:35:18");
    EXPECT_EQ(e.stack_of("jobs-report"), &e.stacks[1]);
    EXPECT_EQ(e.stack_of("network-config"), nullptr);  // a shared config component
    ASSERT_EQ(e.targets.size(), 2u);
    EXPECT_EQ(e.waves, 2u);
    EXPECT_EQ(e.targets[0].label(), "111111111111/us-east-1");
    EXPECT_EQ(e.targets[0].role_arn, "arn:aws:iam::111111111111:role/slipway-deploy");
    EXPECT_EQ(e.targets[1].region, "eu-west-1");
    EXPECT_EQ(e.targets[1].wave, 1u);
    EXPECT_EQ(e.targets[1].recorded_account(), "111111111111");
}

TEST(Stacks, WavesSortTargetsAndSelectByRegionAccountOrBoth) {
    auto m = parse_manifest(
        k_head + replaced(replaced(k_prod, R"(ids: ["111111111111"])",
                                   R"(ids: ["111111111111", "222222222222"])"),
                          "waves: [[us-east-1], [eu-west-1]]",
                          "waves: [[222222222222/eu-west-1], [us-east-1, 111111111111]]"),
        "slipway.yml");
    ASSERT_TRUE(m) << m.error().message;
    const auto& e = m->environments[0];
    ASSERT_EQ(e.targets.size(), 4u);
    EXPECT_EQ(e.targets[0].label(), "222222222222/eu-west-1");
    EXPECT_EQ(e.targets[0].wave, 0u);
    for (std::size_t t = 1; t < 4; ++t) EXPECT_EQ(e.targets[t].wave, 1u) << t;
    EXPECT_EQ(e.targets[3].label(), "222222222222/us-east-1");
}

TEST(Stacks, MistakesAreOneLineWithTheirPlace) {
    EXPECT_EQ(error_of(replaced(k_prod, R"(, "jobs/*"])", "]")),
              "slipway.yml:27:3: environment 'prod': image component 'jobs-etl' "
              "(slipway.yml:12:3) is in no stack: add it to one stack's components");
    EXPECT_EQ(error_of(replaced(k_prod, "        template: infra/network.yml\n",
                                "        template: infra/network.yml\n"
                                "        components: [jobs-etl]\n")),
              "slipway.yml:34:58: environment 'prod': component 'jobs-etl' is in stack "
              "'ml-network-prod' (slipway.yml:31:22) and in stack 'ml-services-prod'");
    EXPECT_EQ(
        error_of(replaced(k_prod, "inference-service, training", "inferense-service, training")),
        "slipway.yml:33:22: stack 'ml-services-prod'.components: 'inferense-service' "
        "matches no image or config component (did you mean 'inference-service'?)");
    EXPECT_EQ(error_of(replaced(k_prod, "[inference-service,", "[common, inference-service,")),
              "slipway.yml:33:22: stack 'ml-services-prod': 'common' is a library, which no stack "
              "deploys (list the components that use it)");
    EXPECT_EQ(error_of(replaced(k_prod, "stack: ml-network-prod, output",
                                "stack: ml-netwrk-prod, "
                                "output")),
              "slipway.yml:35:18: stack 'ml-services-prod'.parameters.VpcId: unknown stack "
              "'ml-netwrk-prod' (did you mean 'ml-network-prod'?)");
    EXPECT_EQ(error_of(replaced(k_prod, "Stage: prod", "InferenceImageUri: x")),
              "slipway.yml:36:30: stack 'ml-services-prod': parameter 'InferenceImageUri' carries "
              "the image of component 'inference-service'; it cannot also be set here");
    EXPECT_EQ(
        error_of(replaced(k_prod, "waves: [[us-east-1], [eu-west-1]]", "waves: [[us-east-1]]")),
        "slipway.yml:39:12: environment 'prod'.waves: 111111111111/eu-west-1 is in no wave");
    EXPECT_EQ(
        error_of(replaced(k_prod, "[[us-east-1], [eu-west-1]]", "[[us-east-1], [ap-south-1]]")),
        "slipway.yml:39:27: environment 'prod'.waves: 'ap-south-1' names no region or "
        "account of the environment");
    EXPECT_EQ(error_of(replaced(k_prod, "[[us-east-1], [eu-west-1]]",
                                "[[us-east-1], [eu-west-1, 111111111111]]")),
              "slipway.yml:39:38: environment 'prod'.waves: 111111111111/us-east-1 is already in "
              "wave 1");
    EXPECT_EQ(error_of(replaced(k_prod, R"(ids: ["111111111111"])", R"(ids: ["1111"])")),
              "slipway.yml:38:78: environment 'prod'.accounts.ids: '1111' is not an account id "
              "(12 digits)");
    EXPECT_EQ(error_of(replaced(k_prod, "{account}:role", "111111111111:role")),
              "slipway.yml:38:26: environment 'prod'.accounts.role_arn: expected '{account}' "
              "where each account's id goes (arn:aws:iam::{account}:role/NAME)");
    EXPECT_EQ(error_of(replaced(k_prod, "    stacks:\n", "    stack: x\n    stacks:\n")),
              "slipway.yml:28:12: environment 'prod': give either 'stack' or 'stacks', not both");
    EXPECT_EQ(error_of("  prod:\n    region: us-east-1\n"),
              "slipway.yml:27:3: environment 'prod': missing required key 'stack' (or a list of "
              "'stacks')");
    EXPECT_EQ(error_of("  prod:\n    stack: a\n    waves: [[x]]\n"),
              "slipway.yml:29:12: environment 'prod'.waves: waves order 'regions' or 'accounts'; "
              "give those");
}

TEST(Stacks, StacksWaitingForEachOtherInACycleAreRefused) {
    const std::string envs = R"(  prod:
    stacks:
      - name: a
        template: a.yml
        components: [inference-service, training-lambda, "jobs/*"]
        parameters: {X: {stack: b, output: O}}
      - name: b
        template: b.yml
        depends_on: [a]
)";
    EXPECT_EQ(error_of(envs),
              "slipway.yml:27:3: environment 'prod': stacks wait for each other in a cycle: "
              "a -> b -> a");
}

TEST(Stacks, AStackPassesAtMost200Parameters) {
    std::string head = "image: {repository: r}\ncomponents:\n";
    for (int i = 0; i < 201; ++i) {
        head += "  c" + std::to_string(i) + ": {paths: [c" + std::to_string(i) +
                "/], parameter: P" + std::to_string(i) + ", build: b}\n";
    }
    auto m = parse_manifest(head + "environments:\n  e:\n    stack: big\n", "slipway.yml");
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().message,
              "slipway.yml:206:12: stack 'big' would pass 201 parameters, over CloudFormation's "
              "200 per stack: move components to another stack");
    auto split = parse_manifest(head + R"(environments:
  e:
    stacks:
      - {name: low, template: t.yml, components: ["c?", "c??"]}
      - {name: high, template: t.yml, components: ["c1??", "c200"]}
)",
                                "slipway.yml");
    ASSERT_TRUE(split) << split.error().message;
    EXPECT_EQ(split->environments[0].stacks[0].members.size(), 100u);
    EXPECT_EQ(split->environments[0].stacks[1].members.size(), 101u);
}

TEST(Stacks, EntriesMatchNamesNameGlobsAndFolders) {
    components::Component c;
    c.name = "jobs-etl";
    c.paths = {{"jobs/etl/", {}}, {"!jobs/etl/tmp/", {}}};
    EXPECT_TRUE(components::stack_entry_matches("jobs-etl", c));
    EXPECT_TRUE(components::stack_entry_matches("jobs-*", c));
    EXPECT_TRUE(components::stack_entry_matches("jobs/*", c));
    EXPECT_TRUE(components::stack_entry_matches("jobs/etl", c));
    EXPECT_FALSE(components::stack_entry_matches("jobs", c));
    EXPECT_FALSE(components::stack_entry_matches("services/*", c));
    EXPECT_FALSE(components::stack_entry_matches("jobs/*/x", c));
}

}  // namespace
