#include <gtest/gtest.h>

#include <random>
#include <span>

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

namespace {

std::vector<std::size_t> list(std::span<const std::size_t> items) {
    return {items.begin(), items.end()};
}

// The loader builds the graph once, from the indices its checks resolve; it must be the
// graph build_graph() builds from the names (order with ties by name, both edge lists).
TEST(Graph, TheLoaderGivesTheGraphBuildGraphBuilds) {
    std::mt19937 random(7);
    std::string text = "image: {repository: r}\ncomponents:\n";
    std::vector<std::string> names;
    for (int i = 0; i < 300; ++i) {
        // Names out of order, so that ties by name differ from the manifest's order.
        names.push_back("c" + std::to_string((i * 7919) % 1000));
        text += "  " + names.back() + ":\n    paths: [" + names.back() + "/]\n    kind: library\n";
        if (i > 0) {
            std::string deps;
            for (int d = 0, n = static_cast<int>(random() % 4); d < n; ++d)
                deps += (deps.empty() ? "" : ", ") + names[random() % (names.size() - 1)];
            if (!deps.empty()) text += "    depends_on: [" + deps + "]\n";
        }
    }
    components::ComponentGraph loaded;
    auto m = components::parse_manifest(text, "m.yml", &loaded);
    ASSERT_TRUE(m) << m.error().message;
    auto built = components::build_graph(*m);
    ASSERT_TRUE(built);
    EXPECT_EQ(loaded.names, built->names);
    EXPECT_EQ(loaded.order, built->order);
    EXPECT_EQ(loaded.rank, built->rank);
    EXPECT_EQ(loaded.by_name, built->by_name);
    for (std::size_t i = 0; i < names.size(); ++i) EXPECT_EQ(loaded.index_of(loaded.names[i]), i);
    EXPECT_EQ(loaded.index_of("c1000"), names.size());  // unknown
    EXPECT_EQ(loaded.index_of(""), names.size());
    ASSERT_EQ(loaded.depends_on.size(), names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        EXPECT_EQ(list(loaded.depends_on[i]), list(built->depends_on[i]));
        EXPECT_EQ(list(loaded.dependents[i]), list(built->dependents[i]));
    }
    // Dependencies first, and among the ready ones the smallest name.
    for (std::size_t v = 0; v < names.size(); ++v) {
        for (std::size_t d : loaded.depends_on[v]) EXPECT_LT(loaded.rank[d], loaded.rank[v]);
    }
}

TEST(Graph, AnUnknownDependencyIsNamedByTheLoaderAndByBuildGraph) {
    components::Manifest m;
    components::Component c;
    c.name = "a";
    c.depends_on = {"b"};
    m.components.push_back(c);
    auto g = components::build_graph(m);
    ASSERT_FALSE(g);
    EXPECT_NE(g.error().message.find("component 'a' depends on unknown component 'b'"),
              std::string::npos);
}

}  // namespace
