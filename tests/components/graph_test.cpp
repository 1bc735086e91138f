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

namespace {

// A chain as long as an 8 MiB manifest can hold (the search once recursed per link and
// overflowed the stack); and a cycle closing at its far end is still found.
TEST(Graph, VeryLongChainsNeitherCrashNorHideACycle) {
    components::Manifest m;
    const std::size_t n = 100000;
    for (std::size_t i = 0; i < n; ++i) {
        components::Component c;
        c.name = "c" + std::to_string(i);
        c.kind = components::ComponentKind::library;
        if (i + 1 < n) c.depends_on.push_back("c" + std::to_string(i + 1));
        m.components.push_back(std::move(c));
    }
    auto g = components::build_graph(m);
    ASSERT_TRUE(g) << g.error().message;
    EXPECT_EQ(g->names[g->order.front()], "c" + std::to_string(n - 1));
    m.components.back().depends_on.push_back("c0");
    auto cyclic = components::build_graph(m);
    ASSERT_FALSE(cyclic);
    EXPECT_NE(cyclic.error().message.find("dependency cycle: c0 -> c1 -> "), std::string::npos);
}

}  // namespace
