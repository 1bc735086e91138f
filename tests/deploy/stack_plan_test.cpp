// The stack plan as a value: which stacks a run deploys and why, one node per stack and
// target, waits within a target (outputs, depends_on, through stacks not deployed) and
// between waves, and what a failure skips when the builds' scheduler runs it.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

#include "components/build_graph.hpp"
#include "components/manifest.hpp"
#include "deploy/stack_plan.hpp"

namespace {

using deploy::StackPlan;

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

// Runs `plan` on the scheduler with nodes ending at once, those in `failing` failed; what
// each node was handed over as ("start" or "skip"), by node.
std::map<std::size_t, std::string> schedule(const StackPlan& plan, std::vector<std::size_t> failing) {
    std::mutex mutex;
    std::map<std::size_t, std::string> got;
    std::vector<components::Handoff> ends;
    {
        components::BuildGraph graph(deploy::schedule_of(plan), {2, 1},
                                     [&](const components::Handoff& h) {
                                         if (h.kind == components::Handoff::queued) return;
                                         std::lock_guard lock(mutex);
                                         got[h.build] = h.kind == components::Handoff::start
                                                            ? "start" : "skip";
                                         ends.push_back(h);
                                     });
        graph.start();
        for (std::size_t done = 0; done < plan.size();) {
            std::vector<components::Handoff> now;
            {
                std::lock_guard lock(mutex);
                now.swap(ends);
            }
            for (const auto& h : now) {
                const bool fails = std::find(failing.begin(), failing.end(), h.build) != failing.end();
                graph.ended(h.build, h.kind == components::Handoff::start && !fails);
                ++done;
            }
            if (now.empty()) std::this_thread::yield();
        }
        graph.wait();
    }
    return got;
}

TEST(StackPlan, AFailureSkipsWhatWaitsForItAndLaterWavesButNotItsOwnWave) {
    auto plan = StackPlan::make(prod(), deploy::all_stacks(prod(), "deploy"), every_target());
    auto got = schedule(plan, {3});  // jobs@us-east-1, the last of wave 1
    for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(got[i], "start") << plan.at(i).label;
    for (std::size_t i = 4; i < 12; ++i) EXPECT_EQ(got[i], "skip") << plan.at(i).label;
    got = schedule(plan, {5});  // data@eu-west-1
    for (std::size_t i = 0; i < 12; ++i) {
        EXPECT_EQ(got[i], i == 6 ? "skip" : "start") << plan.at(i).label;  // svc@eu-west-1 only
    }
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
