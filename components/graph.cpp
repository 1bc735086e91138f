#include "components/graph.hpp"

#include <algorithm>
#include <functional>
#include <numeric>
#include <unordered_map>

#include "common/json.hpp"
#include "components/manifest.hpp"

namespace components {
namespace {

enum class Mark { unvisited, active, done };

// Depth-first search in name order; returns the first cycle found as a list of indices,
// rotated to start at its smallest name, or an empty list. Iterative (an explicit stack of
// (vertex, next edge)), so a dependency chain as long as a manifest allows cannot overflow
// the call stack.
std::vector<std::size_t> find_cycle(const ComponentGraph& g) {
    std::vector<Mark> mark(g.names.size(), Mark::unvisited);
    std::vector<std::pair<std::size_t, std::size_t>> stack;  // vertex, next edge to follow
    std::vector<std::size_t> cycle;
    for (std::size_t root : g.by_name) {
        if (mark[root] != Mark::unvisited) continue;
        mark[root] = Mark::active;
        stack.emplace_back(root, 0);
        while (!stack.empty() && cycle.empty()) {
            auto& [v, edge] = stack.back();
            if (edge == g.depends_on[v].size()) {
                mark[v] = Mark::done;
                stack.pop_back();
                continue;
            }
            const std::size_t d = g.depends_on[v][edge++];
            if (mark[d] == Mark::active) {
                auto from = std::find_if(stack.begin(), stack.end(),
                                         [&](const auto& frame) { return frame.first == d; });
                for (auto it = from; it != stack.end(); ++it) cycle.push_back(it->first);
            } else if (mark[d] == Mark::unvisited) {
                mark[d] = Mark::active;
                stack.emplace_back(d, 0);
            }
        }
        if (!cycle.empty()) break;
    }
    if (!cycle.empty()) {
        auto smallest = std::min_element(cycle.begin(), cycle.end(),
                                         [&](auto a, auto b) { return g.names[a] < g.names[b]; });
        std::rotate(cycle.begin(), smallest, cycle.end());
    }
    return cycle;
}

// Kahn's algorithm with a ready queue ordered by name (by each name's rank among the names,
// so that the queue compares integers); shorter than the component count on a cycle.
std::vector<std::size_t> topological_order(const ComponentGraph& g) {
    const std::size_t n = g.names.size();
    const auto& by_name = g.by_name;
    std::vector<std::size_t> name_rank(n);
    for (std::size_t i = 0; i < n; ++i) name_rank[by_name[i]] = i;
    std::vector<std::size_t> waiting(n), ready;  // `ready` is a min-heap of name ranks
    auto later = std::greater<std::size_t>();
    for (std::size_t v = 0; v < n; ++v) {
        waiting[v] = g.depends_on[v].size();
        if (waiting[v] == 0) ready.push_back(name_rank[v]);
    }
    std::make_heap(ready.begin(), ready.end(), later);
    std::vector<std::size_t> order;
    order.reserve(n);
    while (!ready.empty()) {
        std::pop_heap(ready.begin(), ready.end(), later);
        const std::size_t v = by_name[ready.back()];
        ready.pop_back();
        order.push_back(v);
        for (std::size_t dependent : g.dependents[v]) {
            if (--waiting[dependent] == 0) {
                ready.push_back(name_rank[dependent]);
                std::push_heap(ready.begin(), ready.end(), later);
            }
        }
    }
    return order;
}

// Who depends on each component, from what each depends on (a counting sort: dependents
// by index).
IndexLists dependents_of(const IndexLists& depends_on) {
    const std::size_t n = depends_on.size();
    std::vector<std::size_t> first(n + 1, 0);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t d : depends_on[i]) ++first[d + 1];
    }
    for (std::size_t i = 0; i < n; ++i) first[i + 1] += first[i];
    std::vector<std::size_t> items(first[n]);
    auto fill = first;
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t d : depends_on[i]) items[fill[d]++] = i;
    }
    return {std::move(first), std::move(items)};
}

}  // namespace

std::size_t ComponentGraph::index_of(std::string_view name) const {
    auto it = std::lower_bound(by_name.begin(), by_name.end(), name,
                               [&](std::size_t i, std::string_view n) { return names[i] < n; });
    return it != by_name.end() && names[*it] == name ? *it : names.size();
}

common::Result<ComponentGraph> build_graph(const Manifest& manifest) {
    const auto& components = manifest.components;
    std::unordered_map<std::string_view, std::size_t> index;
    index.reserve(components.size());
    for (std::size_t i = 0; i < components.size(); ++i) index.emplace(components[i].name, i);
    std::vector<std::size_t> first{0}, deps;
    first.reserve(components.size() + 1);
    for (const auto& c : components) {
        for (const auto& dep : c.depends_on) {
            auto it = index.find(dep);
            if (it == index.end()) {
                return common::fail(common::ErrorCode::input,
                                    c.pos.str() + ": component '" + c.name +
                                        "' depends on unknown component '" + dep + "'");
            }
            deps.push_back(it->second);
        }
        first.push_back(deps.size());
    }
    return build_graph(manifest, std::move(first), std::move(deps));
}

common::Result<ComponentGraph> build_graph(const Manifest& manifest, std::vector<std::size_t> first,
                                           std::vector<std::size_t> deps) {
    ComponentGraph g;
    g.names.reserve(manifest.components.size());
    for (const auto& c : manifest.components) g.names.push_back(c.name);
    g.by_name.resize(g.names.size());
    std::iota(g.by_name.begin(), g.by_name.end(), 0);
    std::sort(g.by_name.begin(), g.by_name.end(),
              [&](std::size_t a, std::size_t b) { return g.names[a] < g.names[b]; });
    g.depends_on = IndexLists(std::move(first), std::move(deps));
    g.dependents = dependents_of(g.depends_on);
    g.order = topological_order(g);
    if (g.order.size() < g.names.size()) {  // a cycle: name the first in name order
        const auto cycle = find_cycle(g);
        std::string text;
        for (std::size_t v : cycle) text += g.names[v] + " -> ";
        text += g.names[cycle.front()];
        return common::fail(common::ErrorCode::input, manifest.components[cycle.front()].pos.str() +
                                                          ": dependency cycle: " + text);
    }
    g.rank.resize(g.names.size());
    for (std::size_t i = 0; i < g.order.size(); ++i) g.rank[g.order[i]] = i;
    return g;
}

std::string graph_text(const Manifest& manifest, const ComponentGraph& g) {
    std::string out;
    for (std::size_t v : g.order) {
        out += g.names[v] + " (" + std::string(to_string(manifest.components[v].kind)) + ")\n";
        std::vector<std::string> deps;
        for (std::size_t d : g.depends_on[v]) deps.push_back(g.names[d]);
        std::sort(deps.begin(), deps.end());
        for (const auto& d : deps) out += "  -> " + d + "\n";
    }
    return out;
}

std::string graph_dot(const Manifest& manifest, const ComponentGraph& g) {
    std::string out = "digraph slipway {\n  rankdir=LR;\n";
    for (std::size_t v : g.order) {
        const auto kind = manifest.components[v].kind;
        const char* shape = kind == ComponentKind::image     ? "box"
                            : kind == ComponentKind::library ? "ellipse"
                                                             : "note";
        out += "  \"" + g.names[v] + "\" [shape=" + shape + "];\n";
    }
    for (std::size_t v : g.order) {
        std::vector<std::string> deps;
        for (std::size_t d : g.depends_on[v]) deps.push_back(g.names[d]);
        std::sort(deps.begin(), deps.end());
        for (const auto& d : deps) out += "  \"" + g.names[v] + "\" -> \"" + d + "\";\n";
    }
    return out + "}\n";
}

std::string graph_json(const Manifest& manifest, const ComponentGraph& g) {
    auto names = [&g](std::span<const std::size_t> indexes) {
        std::vector<std::string> out;
        for (std::size_t i : indexes) out.push_back(g.names[i]);
        std::sort(out.begin(), out.end());
        return out;
    };
    common::JsonOut j;
    j.begin_object().key("components").begin_array();
    for (std::size_t v : g.order) {
        const Component& c = manifest.components[v];
        j.begin_object().key("dependents").begin_array();
        for (const auto& n : names(g.dependents[v])) j.value(n);
        j.end_array().key("depends_on").begin_array();
        for (const auto& n : names(g.depends_on[v])) j.value(n);
        j.end_array().field("kind", to_string(c.kind)).field("name", c.name);
        j.field_or_null("parameter", !c.parameter.empty(), c.parameter).end_object();
    }
    return j.end_array().end_object().str();
}

}  // namespace components
