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

// A docker component is affected by what its build reads: its Dockerfile, its ignore
// files, and the files of its build context that the ignore file sends -- even outside its
// `paths`. Until the ignore file is loaded, the whole context counts.
TEST(AffectedDocker, TheBuildContextSelects) {
    auto m = *components::parse_manifest(R"(
image: {repository: r}
ignore: ["**/*.md"]
components:
  api: {paths: [svc/api/], parameter: A, docker: {context: svc, file: svc/api/Dockerfile}}
  web: {paths: [web/], parameter: W, build: "true"}
)",
                                         "m.yml");
    auto g = *components::build_graph(m);
    components::Selector selector(m, g);
    auto affected = [&](const std::string& path) {
        auto s = selector.select(std::vector<std::string>{path});
        return s.affected.empty() ? std::string() : s.affected[0].name;
    };
    EXPECT_EQ(affected("svc/tests/x.py"), "api");  // not loaded yet: the whole context
    ASSERT_TRUE(selector
                    .load_docker_ignores(
                        [](const std::string& path) -> common::Result<std::optional<std::string>> {
                            if (path == "svc/.dockerignore")
                                return std::optional<std::string>("tests\n");
                            return std::nullopt;
                        })
                    .has_value());
    EXPECT_EQ(affected("svc/shared/lib.py"), "api");
    EXPECT_EQ(affected("svc/tests/x.py"), "");  // left out by .dockerignore
    EXPECT_EQ(affected("svc/README.md"), "");   // the manifest's ignore
    EXPECT_EQ(affected("svc/.dockerignore"), "api");
    EXPECT_EQ(affected("svc/api/Dockerfile.dockerignore"), "api");
    EXPECT_EQ(affected("web/x"), "web");
    auto s = selector.select(std::vector<std::string>{"svc/shared/lib.py", "svc/api/main.py"});
    ASSERT_EQ(s.affected.size(), 1u);
    ASSERT_EQ(s.affected[0].reasons.size(), 2u);
    EXPECT_EQ(s.affected[0].reasons[0].kind, ReasonKind::path);  // svc/api/main.py
    EXPECT_EQ(s.affected[0].reasons[1].kind, ReasonKind::docker);
    EXPECT_EQ(s.affected[0].reasons[1].path, "svc/shared/lib.py");
    EXPECT_EQ(s.affected[0].reasons[1].pattern, "svc/");
    EXPECT_TRUE(s.unowned.empty());
}

// BuildKit's <Dockerfile>.dockerignore wins over the context's .dockerignore.
TEST(AffectedDocker, TheDockerfilesOwnIgnoreFileWins) {
    auto m = *components::parse_manifest(R"(
image: {repository: r}
components:
  api: {paths: [api/], parameter: A, docker: {context: ., file: api/Dockerfile}}
)",
                                         "m.yml");
    auto g = *components::build_graph(m);
    components::Selector selector(m, g);
    ASSERT_TRUE(selector
                    .load_docker_ignores(
                        [](const std::string& path) -> common::Result<std::optional<std::string>> {
                            if (path == ".dockerignore") return std::optional<std::string>("*\n");
                            if (path == "api/Dockerfile.dockerignore")
                                return std::optional<std::string>("*\n!api\n!libs\n");
                            return std::nullopt;
                        })
                    .has_value());
    EXPECT_EQ(selector.select(std::vector<std::string>{"libs/x"}).affected.size(), 1u);
    EXPECT_EQ(selector.select(std::vector<std::string>{"docs/x"}).affected.size(), 0u);
}

TEST(AffectedDocker, ABadIgnoreFileIsAnErrorNamingItsLine) {
    auto m = *components::parse_manifest(
        "image: {repository: r}\ncomponents:\n  api: {paths: [api/], parameter: A, docker: "
        "{context: api}}\n",
        "m.yml");
    auto g = *components::build_graph(m);
    components::Selector selector(m, g);
    auto loaded = selector.load_docker_ignores(
        [](const std::string& path) -> common::Result<std::optional<std::string>> {
            if (path == "api/.dockerignore") return std::optional<std::string>("ok\n[x-]\n");
            return std::nullopt;
        });
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().code, common::ErrorCode::input);
    EXPECT_EQ(loaded.error().message.rfind("api/.dockerignore:2: ", 0), 0u)
        << loaded.error().message;
}

}  // namespace
