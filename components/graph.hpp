#pragma once
// The component dependency graph: edges from `depends_on`, cycle detection, and the one
// deterministic order everything else uses (dependencies first, ties by name).
#include <string>
#include <vector>

#include "common/error.hpp"

namespace components {

struct Manifest;

struct ComponentGraph {
    std::vector<std::string> names;                    // index -> name (manifest order)
    std::vector<std::vector<std::size_t>> depends_on;  // index -> its dependencies
    std::vector<std::vector<std::size_t>> dependents;  // index -> who depends on it
    std::vector<std::size_t> order;                    // dependencies first, ties by name
    std::vector<std::size_t> rank;                     // index -> position in `order`

    /// The index of a component by name; names.size() when unknown.
    [[nodiscard]] std::size_t index_of(std::string_view name) const;
};

/// Builds the graph. Fails with ErrorCode::input naming a whole cycle ("a -> b -> a") and
/// the position of its first component.
common::Result<ComponentGraph> build_graph(const Manifest& manifest);

/// One line per component in order: "name (kind)" and "  -> dependency" lines.
std::string graph_text(const Manifest& manifest, const ComponentGraph& graph);

/// Graphviz DOT: an edge from each component to each of its dependencies.
std::string graph_dot(const Manifest& manifest, const ComponentGraph& graph);

/// JSON, keys sorted (docs/json.md): each component in order with its kind, parameter,
/// dependencies and dependents (by name).
std::string graph_json(const Manifest& manifest, const ComponentGraph& graph);

}  // namespace components
