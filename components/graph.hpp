#pragma once
// The component dependency graph: edges from `depends_on`, cycle detection, and the one
// deterministic order everything else uses (dependencies first, ties by name).
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace components {

struct Manifest;

/// One list of component indices per component, stored back to back (two allocations for
/// the whole graph instead of one per component).
class IndexLists {
  public:
    IndexLists() = default;
    /// `first[i]` .. `first[i + 1]` are list i's items in `items`; first.size() = lists + 1.
    IndexLists(std::vector<std::size_t> first, std::vector<std::size_t> items)
        : m_first(std::move(first)), m_items(std::move(items)) {}
    [[nodiscard]] std::span<const std::size_t> operator[](std::size_t i) const {
        return {m_items.data() + m_first[i], m_items.data() + m_first[i + 1]};
    }
    [[nodiscard]] std::size_t size() const { return m_first.empty() ? 0 : m_first.size() - 1; }

  private:
    std::vector<std::size_t> m_first;
    std::vector<std::size_t> m_items;
};

struct ComponentGraph {
    std::vector<std::string> names;    // index -> name (manifest order)
    IndexLists depends_on;             // index -> its dependencies (in depends_on order)
    IndexLists dependents;             // index -> who depends on it (by index)
    std::vector<std::size_t> order;    // dependencies first, ties by name
    std::vector<std::size_t> rank;     // index -> position in `order`
    std::vector<std::size_t> by_name;  // the indices in name order

    /// The index of a component by name (a binary search); names.size() when unknown.
    [[nodiscard]] std::size_t index_of(std::string_view name) const;
};

/// Builds the graph. Fails with ErrorCode::input naming an unknown dependency, or a whole
/// cycle ("a -> b -> a") and the position of its first component.
common::Result<ComponentGraph> build_graph(const Manifest& manifest);

/// The same from dependencies already resolved to indices (the manifest reader's):
/// component i depends on deps[first[i]] .. deps[first[i + 1] - 1], in depends_on order.
/// Only integers are compared, but for one sort of the names (the order's tie-break).
common::Result<ComponentGraph> build_graph(const Manifest& manifest, std::vector<std::size_t> first,
                                           std::vector<std::size_t> deps);

/// One line per component in order: "name (kind)" and "  -> dependency" lines.
std::string graph_text(const Manifest& manifest, const ComponentGraph& graph);

/// Graphviz DOT: an edge from each component to each of its dependencies.
std::string graph_dot(const Manifest& manifest, const ComponentGraph& graph);

/// JSON, keys sorted (docs/json.md): each component in order with its kind, parameter,
/// dependencies and dependents (by name).
std::string graph_json(const Manifest& manifest, const ComponentGraph& graph);

}  // namespace components
