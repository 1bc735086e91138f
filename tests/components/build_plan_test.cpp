// The build plan's decisions, without processes or a store. The executor's flow graph says
// when a build's dependencies have ended; here `roots` and `done` say it the same way.
#include <gtest/gtest.h>

#include "components/build_plan.hpp"

namespace {

using components::BuildPlan;
using components::PlanState;

const char* k_manifest = R"(
image: {repository: repo, tag: "{component}-{build}-{short_commit}"}
components:
  base: {paths: [base/], kind: library, build: make base}
  nobuild: {paths: [nb/], kind: library, depends_on: [base]}
  api: {paths: [api/], depends_on: [nobuild], parameter: A, build: make api}
  worker: {paths: [worker/], depends_on: [base], parameter: W, build: make worker}
  leaf: {paths: [leaf/], depends_on: [api], parameter: L, build: make leaf}
  alone: {paths: [alone/], parameter: X, build: make alone}
  cfg: {paths: [t.yml], kind: config}
)";

struct Fixture {
    components::Manifest manifest = *components::parse_manifest(k_manifest, "m.yml");
    components::ComponentGraph graph = *components::build_graph(manifest);
    BuildPlan plan(const std::vector<std::string>& names) {
        return BuildPlan::make(manifest, graph, names);
    }
    std::vector<std::string> all() { return manifest.component_names(); }
};

std::vector<std::string> names(const BuildPlan& p) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < p.size(); ++i) out.push_back(p.at(i).component);
    return out;
}

std::size_t index_of(const BuildPlan& p, const std::string& name) {
    for (std::size_t i = 0; i < p.size(); ++i) {
        if (p.at(i).component == name) return i;
    }
    return SIZE_MAX;
}

// Every build without dependencies may go ahead.
void roots(BuildPlan& p) {
    for (std::size_t i = 0; i < p.size(); ++i) {
        if (p.at(i).waits_for.empty()) p.set_ready(i);
    }
}

// Build `name` ended; what waited only for ended builds may go ahead.
std::vector<std::size_t> done(BuildPlan& p, const std::string& name, bool ok = true) {
    const std::size_t i = index_of(p, name);
    auto skipped = p.mark_done(i, ok);
    for (std::size_t d : p.at(i).dependents) {
        const auto& w = p.at(d).waits_for;
        if (std::all_of(w.begin(), w.end(), [&](std::size_t x) {
                return p.state(x) == PlanState::succeeded || p.state(x) == PlanState::failed;
            }))
            p.set_ready(d);
    }
    return skipped;
}

std::optional<std::size_t> next(BuildPlan& p) {
    return p.next_ready(components::k_local);
}

TEST(BuildPlan, OnlyComponentsWithABuildStepInDependencyOrder) {
    Fixture f;
    auto p = f.plan(f.all());
    EXPECT_EQ(names(p), (std::vector<std::string>{"alone", "base", "api", "leaf", "worker"}));
}

TEST(BuildPlan, WaitsThroughComponentsThatAreNotBuilt) {
    Fixture f;
    auto p = f.plan(f.all());
    const auto& api = p.at(index_of(p, "api"));
    ASSERT_EQ(api.waits_for.size(), 1u);
    EXPECT_EQ(p.at(api.waits_for[0]).component, "base");  // through `nobuild`
}

TEST(BuildPlan, UnselectedDependenciesAreNotWaitedFor) {
    Fixture f;
    auto p = f.plan({"api", "leaf"});
    EXPECT_EQ(names(p), (std::vector<std::string>{"api", "leaf"}));
    EXPECT_TRUE(p.at(0).waits_for.empty());
}

TEST(BuildPlan, LongestChainStartsFirst) {
    Fixture f;
    auto p = f.plan(f.all());
    roots(p);
    // base heads base -> api -> leaf (3); alone and worker are single.
    EXPECT_EQ(p.at(*next(p)).component, "base");
    EXPECT_EQ(p.at(*next(p)).component, "alone");
    EXPECT_FALSE(next(p));  // api and worker wait for base
    done(p, "base");
    EXPECT_EQ(p.at(*next(p)).component, "api");
    EXPECT_EQ(p.at(*next(p)).component, "worker");
}

TEST(BuildPlan, EachRunnerHasItsOwnQueue) {
    Fixture f;
    f.manifest.codebuild.emplace().project = "p";
    for (auto& c : f.manifest.components) {
        if (c.name == "alone") c.remote = "codebuild";
    }
    auto p = f.plan(f.all());
    roots(p);
    EXPECT_EQ(p.at(index_of(p, "alone")).runner, components::k_codebuild);
    EXPECT_EQ(p.at(*next(p)).component, "base");
    EXPECT_FALSE(next(p));
    EXPECT_EQ(p.at(*p.next_ready(components::k_codebuild)).component, "alone");
    auto everything = BuildPlan::make(f.manifest, f.graph, f.all(), true);
    for (std::size_t i = 0; i < everything.size(); ++i)
        EXPECT_EQ(everything.at(i).runner, components::k_codebuild);
}

TEST(BuildPlan, ReadyListsWhatNextReadyWouldHandOutWithoutTakingIt) {
    Fixture f;
    auto p = f.plan(f.all());
    auto named = [&](const std::vector<std::size_t>& v) {
        std::vector<std::string> out;
        for (std::size_t i : v) out.push_back(p.at(i).component);
        return out;
    };
    roots(p);
    EXPECT_EQ(named(p.ready()), (std::vector<std::string>{"base", "alone"}));
    EXPECT_EQ(named(p.ready()), (std::vector<std::string>{"base", "alone"}));
    EXPECT_EQ(p.at(*next(p)).component, "base");
    EXPECT_EQ(named(p.ready()), (std::vector<std::string>{"alone"}));
    done(p, "base");
    EXPECT_EQ(named(p.ready()), (std::vector<std::string>{"api", "alone", "worker"}));
}

TEST(BuildPlan, KnownDurationsWeighTheChains) {
    Fixture f;
    auto p = f.plan(f.all());
    // alone took 600 s last time; base -> api -> leaf 3 x 60 s; worker unknown (the median).
    p.weigh({{"alone", 600'000}, {"base", 60'000}, {"api", 60'000}, {"leaf", 60'000}});
    EXPECT_EQ(p.at(index_of(p, "alone")).chain, 600'000);
    EXPECT_EQ(p.at(index_of(p, "base")).chain, 180'000);
    EXPECT_EQ(p.at(index_of(p, "worker")).chain, 60'000);
    roots(p);
    EXPECT_EQ(p.at(*next(p)).component, "alone");
    EXPECT_EQ(p.at(*next(p)).component, "base");
    // Nothing known: every build weighs 1 again, so the longest chain of builds leads.
    p.weigh({});
    EXPECT_EQ(p.at(index_of(p, "base")).chain, 3);
    EXPECT_EQ(p.at(index_of(p, "alone")).chain, 1);
}

TEST(BuildPlan, AFailureSkipsEverythingThatWaitsOnIt) {
    Fixture f;
    auto p = f.plan(f.all());
    roots(p);
    auto first = *next(p);
    ASSERT_EQ(p.at(first).component, "base");
    auto skipped = done(p, "base", false);
    std::vector<std::string> skipped_names;
    for (auto i : skipped) skipped_names.push_back(p.at(i).component);
    EXPECT_EQ(skipped_names, (std::vector<std::string>{"api", "leaf", "worker"}));
    EXPECT_EQ(p.at(*next(p)).component, "alone");  // independent work goes on
    EXPECT_FALSE(next(p));                         // a skipped build is never ready
    EXPECT_FALSE(p.finished());
    done(p, "alone");
    EXPECT_TRUE(p.finished());
    EXPECT_EQ(p.state(index_of(p, "leaf")), PlanState::skipped);
}

TEST(BuildPlan, SkipPendingStopsWhatHasNotStarted) {
    Fixture f;
    auto p = f.plan(f.all());
    roots(p);
    next(p);
    EXPECT_EQ(p.skip_pending().size(), 4u);
    EXPECT_FALSE(p.finished());  // base still runs
}

TEST(ImageUri, RendersEveryPlaceholder) {
    components::ImageSettings image{
        "123.dkr.ecr/ml", "{component}-{build}-{short_commit}-{env}-{timestamp}-{commit}"};
    auto uri = components::render_image_uri(
        image, {"api", 7, "0123456789abcdef0123", "test", "20261122T010203"});
    ASSERT_TRUE(uri);
    EXPECT_EQ(*uri, "123.dkr.ecr/ml:api-7-0123456789ab-test-20261122T010203-0123456789abcdef0123");
    auto no_env = components::render_image_uri(image, {"api", 7, "0123", "", "t"});
    ASSERT_FALSE(no_env);
    EXPECT_NE(no_env.error().message.find("{env}"), std::string::npos);
}

}  // namespace
