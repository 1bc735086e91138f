// The stack plan as a value: which stacks a run deploys and why, one node per stack and
// target, waits within a target (outputs, depends_on, through stacks not deployed) and
// between waves, and what a failure skips.
#include <gtest/gtest.h>

#include "components/manifest.hpp"
#include "deploy/stack_plan.hpp"

namespace {

using deploy::StackPlan;
using deploy::StackState;

const std::string k_manifest = R"(image: {repository: r}
components:
  api: {paths: [api/], parameter: ApiImage, build: b}
  worker: {paths: [worker/], parameter: WorkerImage, build: b}
  batch: {paths: [batch/], parameter: BatchImage, build: b}
  shared: {paths: [shared.json], kind: config}
environments:
  test:
    stack: one
    template: t.yml
  prod:
    stacks:
      - {name: net, template: infra/net.yml}
      - name: data
        template: infra/data.yml
        depends_on: [net]
      - name: svc
        template: svc.yml
        components: [api, worker]
        parameters: {Db: {stack: data, output: Db}}
      - name: jobs
        template: jobs.yml
        components: [batch]
    regions: [us-east-1, eu-west-1, ap-south-1]
    waves: [[us-east-1], [eu-west-1, ap-south-1]]
)";

const components::Manifest& manifest() {
    static const auto m = components::parse_manifest(k_manifest, "slipway.yml");
    EXPECT_TRUE(m) << m.error().message;
    return *m;
}

const components::Environment& prod() {
    return manifest().environments[1];
}

std::vector<std::string> labels(const StackPlan& p) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < p.size(); ++i) out.push_back(p.at(i).label);
    return out;
}

std::vector<bool> every_target() {
    return std::vector<bool>(prod().targets.size(), true);
}

TEST(StackPlan, TheOneStackFormIsOneNode) {
    const auto& test = manifest().environments[0];
    auto selection = deploy::select_stacks(manifest(), test, {"api"}, {"api/x"}, false);
    auto plan = StackPlan::make(test, selection, {true});
    ASSERT_EQ(plan.size(), 1u);
    EXPECT_EQ(plan.at(0).label, "one");
    EXPECT_EQ(plan.at(0).reason, "component api");
    EXPECT_TRUE(plan.at(0).waits_for.empty());
}

TEST(StackPlan, OnlyAffectedStacksAndTheirReadersDeploy) {
    auto s = deploy::select_stacks(manifest(), prod(), {"batch"}, {"batch/main.py"}, false);
    EXPECT_EQ(s.deploy, (std::vector<bool>{false, false, false, true}));
    s = deploy::select_stacks(manifest(), prod(), {}, {"infra/data.yml"}, false);
    EXPECT_EQ(s.deploy, (std::vector<bool>{false, true, true, false}));
    EXPECT_EQ(s.reasons[1], "template infra/data.yml");
    EXPECT_EQ(s.reasons[2], "reads outputs of data");
    s = deploy::select_stacks(manifest(), prod(), {"shared"}, {"shared.json"}, false);
    EXPECT_EQ(s.deploy, (std::vector<bool>(4, true)));  // a config component in no stack
    s = deploy::select_stacks(manifest(), prod(), {}, {}, true);
    EXPECT_EQ(s.reasons[0], "every stack");
}

TEST(StackPlan, NodesWaitWithinATargetAndForTheWaveBefore) {
    auto plan = StackPlan::make(prod(), deploy::all_stacks(prod(), "deploy"), every_target());
    ASSERT_EQ(plan.size(), 12u);
    EXPECT_EQ(labels(plan)[0], "net@us-east-1");
    EXPECT_EQ(labels(plan)[3], "jobs@us-east-1");
    EXPECT_EQ(labels(plan)[4], "net@eu-west-1");
    EXPECT_EQ(labels(plan)[11], "jobs@ap-south-1");
    EXPECT_TRUE(plan.at(0).waits_for.empty());
    EXPECT_EQ(plan.at(1).waits_for, std::vector<std::size_t>{0});             // data after net
    EXPECT_EQ(plan.at(2).waits_for, std::vector<std::size_t>{1});             // svc reads data
    EXPECT_TRUE(plan.at(3).waits_for.empty());                                // jobs alone
    EXPECT_EQ(plan.at(4).waits_for, (std::vector<std::size_t>{0, 1, 2, 3}));  // wave 2
    EXPECT_EQ(plan.at(6).waits_for, (std::vector<std::size_t>{0, 1, 2, 3, 5}));
    EXPECT_EQ(plan.at(8).waits_for, (std::vector<std::size_t>{0, 1, 2, 3}));  // ap-south-1
}

TEST(StackPlan, WaitsLookThroughStacksThatDoNotDeploy) {
    deploy::StackSelection s{{true, false, true, false}, {"a", "", "b", ""}};
    auto plan = StackPlan::make(prod(), s, {true, false, false});
    ASSERT_EQ(labels(plan), (std::vector<std::string>{"net@us-east-1", "svc@us-east-1"}));
    EXPECT_EQ(plan.at(1).waits_for, std::vector<std::size_t>{0});  // svc -> data -> net
}

TEST(StackPlan, AFailureSkipsWhatWaitsForItAndLaterWavesButNotItsOwnWave) {
    auto plan = StackPlan::make(prod(), deploy::all_stacks(prod(), "deploy"), every_target());
    for (std::size_t i : {0, 1, 2}) {
        plan.start(i);
        EXPECT_TRUE(plan.mark_done(i, true).empty());
    }
    plan.start(3);
    auto skipped = plan.mark_done(3, false);
    EXPECT_EQ(skipped.size(), 8u);  // every node of wave 2
    for (std::size_t i = 4; i < 12; ++i) EXPECT_EQ(plan.state(i), StackState::skipped);
    auto again = StackPlan::make(prod(), deploy::all_stacks(prod(), "deploy"), every_target());
    for (std::size_t i : {0, 1, 2, 3, 4}) again.mark_done(i, true);
    skipped = again.mark_done(5, false);              // data@eu-west-1
    EXPECT_EQ(skipped, std::vector<std::size_t>{6});  // svc@eu-west-1 only
    EXPECT_EQ(again.state(8), StackState::pending);   // ap-south-1 goes on
}

TEST(StackPlan, FiltersKeepAWaveOrARegionAndSayWhatTheyKept) {
    auto wave = deploy::filter_targets(prod(), {2, ""});
    ASSERT_TRUE(wave);
    EXPECT_EQ(*wave, (std::vector<bool>{false, true, true}));
    EXPECT_EQ(deploy::scope_of({2, ""}, *wave), "wave 2");
    auto plan = StackPlan::make(prod(), deploy::all_stacks(prod(), "deploy"), *wave);
    EXPECT_EQ(plan.size(), 8u);
    EXPECT_TRUE(plan.at(0).waits_for.empty());  // the wave before is not in the plan
    auto region = deploy::filter_targets(prod(), {0, "eu-west-1"});
    ASSERT_TRUE(region);
    EXPECT_EQ(*region, (std::vector<bool>{false, true, false}));
    EXPECT_EQ(deploy::scope_of({0, ""}, every_target()), "");
    auto none = deploy::filter_targets(prod(), {1, "eu-west-1"});
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().code, common::ErrorCode::usage);
    EXPECT_EQ(none.error().message,
              "--wave 1 --region eu-west-1: environment 'prod' has no such target (it has 2 "
              "wave(s): us-east-1, eu-west-1, ap-south-1)");
}

}  // namespace
