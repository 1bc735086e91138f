#include <gtest/gtest.h>

#include "components/graph.hpp"
#include "components/manifest.hpp"

namespace {

components::Manifest manifest_of(const std::string& components_yaml) {
    auto m = components::parse_manifest("image: {repository: r}\ncomponents:\n" + components_yaml,
                                        "m.yml");
    EXPECT_TRUE(m) << (m ? "" : m.error().message);
    return *m;
}

std::vector<std::string> order_of(const components::Manifest& m) {
    auto g = components::build_graph(m);
    std::vector<std::string> out;
    for (auto i : g->order) out.push_back(g->names[i]);
    return out;
}

TEST(Graph, DependenciesFirstTiesByName) {
    auto m = manifest_of(R"(
  zeta: {paths: [z/], kind: library}
  app: {paths: [a/], depends_on: [zeta, lib], parameter: A, build: "true"}
  lib: {paths: [l/], kind: library}
  beta: {paths: [b/], parameter: B, build: "true"}
)");
    EXPECT_EQ(order_of(m), (std::vector<std::string>{"beta", "lib", "zeta", "app"}));
}

TEST(Graph, TextAndDot) {
    auto m = manifest_of(R"(
  app: {paths: [a/], depends_on: [lib], parameter: A, build: "true"}
  lib: {paths: [l/], kind: library}
)");
    auto g = components::build_graph(m);
    EXPECT_EQ(components::graph_text(m, *g), "lib (library)\napp (image)\n  -> lib\n");
    EXPECT_EQ(
        components::graph_dot(m, *g),
        "digraph slipway {\n  rankdir=LR;\n  \"lib\" [shape=ellipse];\n  \"app\" [shape=box];\n"
        "  \"app\" -> \"lib\";\n}\n");
}

TEST(Graph, LongCycleIsPrintedWhole) {
    auto m = components::parse_manifest(R"(components:
  c: {paths: [c/], kind: library, depends_on: [a]}
  a: {paths: [a/], kind: library, depends_on: [b]}
  b: {paths: [b/], kind: library, depends_on: [c]}
)",
                                        "m.yml");
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().message, "m.yml:3:3: dependency cycle: a -> b -> c -> a");
}

}  // namespace
