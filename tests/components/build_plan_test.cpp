// The build plan as a value: which builds, their edges, runners and chains. How it runs is the
// flow graph's (build_graph_test.cpp).
#include <gtest/gtest.h>

#include "components/build_plan.hpp"

namespace {

using components::BuildPlan;

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

TEST(BuildPlan, ChainsCountTheBuildsStillToDo) {
    Fixture f;
    auto p = f.plan(f.all());
    // base heads base -> api -> leaf (3); alone and worker are single.
    EXPECT_EQ(p.at(index_of(p, "base")).chain, 3);
    EXPECT_EQ(p.at(index_of(p, "api")).chain, 2);
    EXPECT_EQ(p.at(index_of(p, "alone")).chain, 1);
    EXPECT_EQ(p.at(index_of(p, "worker")).chain, 1);
    EXPECT_EQ(p.at(index_of(p, "alone")).name_rank, 0u);
    EXPECT_EQ(p.at(index_of(p, "worker")).name_rank, 4u);
}

TEST(BuildPlan, EachBuildRunsWhereItsComponentSays) {
    Fixture f;
    f.manifest.codebuild.emplace().project = "p";
    for (auto& c : f.manifest.components) {
        if (c.name == "alone") c.remote = "codebuild";
    }
    auto p = f.plan(f.all());
    EXPECT_EQ(p.at(index_of(p, "alone")).runner, components::k_codebuild);
    EXPECT_EQ(p.at(index_of(p, "base")).runner, components::k_local);
    auto everything = BuildPlan::make(f.manifest, f.graph, f.all(), true);
    for (std::size_t i = 0; i < everything.size(); ++i)
        EXPECT_EQ(everything.at(i).runner, components::k_codebuild);
}

TEST(BuildPlan, KnownDurationsWeighTheChains) {
    Fixture f;
    auto p = f.plan(f.all());
    // alone took 600 s last time; base -> api -> leaf 3 x 60 s; worker unknown (the median).
    p.weigh({{"alone", 600'000}, {"base", 60'000}, {"api", 60'000}, {"leaf", 60'000}});
    EXPECT_EQ(p.at(index_of(p, "alone")).chain, 600'000);
    EXPECT_EQ(p.at(index_of(p, "base")).chain, 180'000);
    EXPECT_EQ(p.at(index_of(p, "worker")).chain, 60'000);
    // Nothing known: every build weighs 1 again, so the longest chain of builds leads.
    p.weigh({});
    EXPECT_EQ(p.at(index_of(p, "base")).chain, 3);
    EXPECT_EQ(p.at(index_of(p, "alone")).chain, 1);
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
