// Affected selection as a pure function: paths in, components with reasons out.
#include <gtest/gtest.h>

#include "components/affected.hpp"

namespace {

using components::ReasonKind;

const char* k_manifest = R"(
image: {repository: r}
global_inputs: [slipway.yml, .github/**]
ignore: ["**/*.md", docs/]
components:
  training: {paths: [functions/training/], depends_on: [common], parameter: T, build: "true"}
  inference: {paths: ["services/inference/*", "!services/inference/*.json"], depends_on: [common, models], parameter: I, build: "true"}
  batch: {paths: [jobs/batch/], parameter: B, build: "true"}
  common: {paths: [libs/common/], kind: library}
  models: {paths: [libs/models/], kind: library, depends_on: [common]}
  template: {paths: [template.yml], kind: config}
)";

class Affected : public ::testing::Test {
  protected:
    Affected()
        : manifest(*components::parse_manifest(k_manifest, "m.yml")),
          graph(*components::build_graph(manifest)),
          selector(manifest, graph) {}

    std::vector<std::string> names(const std::vector<std::string>& paths) const {
        std::vector<std::string> out;
        for (const auto& c : selector.select(paths).affected) out.push_back(c.name);
        return out;
    }

    components::Manifest manifest;
    components::ComponentGraph graph;
    components::Selector selector;
};

TEST_F(Affected, DirectMatchCarriesPathAndPattern) {
    auto s = selector.select(std::vector<std::string>{"jobs/batch/run.py"});
    ASSERT_EQ(s.affected.size(), 1u);
    EXPECT_EQ(s.affected[0].name, "batch");
    ASSERT_EQ(s.affected[0].reasons.size(), 1u);
    const auto& r = s.affected[0].reasons[0];
    EXPECT_EQ(r.kind, ReasonKind::path);
    EXPECT_EQ(r.path, "jobs/batch/run.py");
    EXPECT_EQ(r.pattern, "jobs/batch/");
}

TEST_F(Affected, DependentsFollowTransitivelyInGraphOrder) {
    EXPECT_EQ(names({"libs/common/util.py"}),
              (std::vector<std::string>{"common", "models", "inference", "training"}));
    auto s = selector.select(std::vector<std::string>{"libs/common/util.py"});
    const auto& inference = s.affected[2];
    ASSERT_EQ(inference.reasons.size(), 2u);
    EXPECT_EQ(inference.reasons[0].kind, ReasonKind::dependency);
    EXPECT_EQ(inference.reasons[0].dependency, "common");
    EXPECT_EQ(inference.reasons[1].dependency, "models");
}

TEST_F(Affected, GlobalInputAffectsEverything) {
    auto s = selector.select(std::vector<std::string>{".github/workflows/ci.yml"});
    EXPECT_EQ(s.affected.size(), 6u);
    for (const auto& c : s.affected) {
        ASSERT_FALSE(c.reasons.empty());
        EXPECT_EQ(c.reasons.back().kind, ReasonKind::global);
        EXPECT_EQ(c.reasons.back().pattern, ".github/**");
    }
    EXPECT_TRUE(s.unowned.empty());
}

TEST_F(Affected, IgnoredPathsAffectNothing) {
    auto s =
        selector.select(std::vector<std::string>{"functions/training/README.md", "docs/guide.txt"});
    EXPECT_TRUE(s.affected.empty());
    EXPECT_EQ(s.ignored,
              (std::vector<std::string>{"docs/guide.txt", "functions/training/README.md"}));
}

TEST_F(Affected, NegationExcludesAndUnownedIsReported) {
    auto s = selector.select(std::vector<std::string>{"services/inference/a.json", "random/file"});
    EXPECT_TRUE(s.affected.empty());
    EXPECT_EQ(s.unowned, (std::vector<std::string>{"random/file", "services/inference/a.json"}));
}

TEST(AffectedRules, ADirectoryThatMatchesCannotBeReincludedBelow) {
    // As in .gitignore: once `svc/` matches the directory, `!svc/keep/` cannot undo it.
    auto m = components::parse_manifest(
        "components:\n  a: {paths: [svc/, \"!svc/keep/\"], kind: library}\n", "m.yml");
    ASSERT_TRUE(m) << m.error().message;
    auto g = components::build_graph(*m);
    components::Selector selector(*m, *g);
    EXPECT_EQ(selector.select(std::vector<std::string>{"svc/keep/x"}).affected.size(), 1u);
}

TEST_F(Affected, BothPathsOfARenameCount) {
    // old path in batch, new path in training: both components are affected.
    EXPECT_EQ(names({"jobs/batch/x.py", "functions/training/x.py"}),
              (std::vector<std::string>{"batch", "training"}));
}

TEST_F(Affected, ConfigComponentsAreSelectedToo) {
    auto s = selector.select(std::vector<std::string>{"template.yml"});
    ASSERT_EQ(s.affected.size(), 1u);
    EXPECT_EQ(s.affected[0].kind, components::ComponentKind::config);
}

TEST_F(Affected, NoChangesNoComponents) {
    auto s = selector.select(std::vector<std::string>{});
    EXPECT_TRUE(s.affected.empty());
    EXPECT_TRUE(s.changed.empty());
}

TEST_F(Affected, DuplicatesAndOrderDoNotMatter) {
    EXPECT_EQ(names({"libs/models/m.py", "jobs/batch/a", "libs/models/m.py"}),
              names({"jobs/batch/a", "libs/models/m.py"}));
}

}  // namespace
