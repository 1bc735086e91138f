#include "components/graph.hpp"

#include <algorithm>
#include <numeric>
#include <queue>
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
    std::vector<std::size_t> by_name(g.names.size());
    std::iota(by_name.begin(), by_name.end(), 0);
    std::sort(by_name.begin(), by_name.end(),
              [&](std::size_t a, std::size_t b) { return g.names[a] < g.names[b]; });
    std::vector<Mark> mark(g.names.size(), Mark::unvisited);
    std::vector<std::pair<std::size_t, std::size_t>> stack;  // vertex, next edge to follow
    std::vector<std::size_t> cycle;
    for (std::size_t root : by_name) {
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

// Kahn's algorithm with a name-ordered ready queue.
std::vector<std::size_t> topological_order(const ComponentGraph& g) {
    std::vector<std::size_t> waiting(g.names.size());
    auto later = [&](std::size_t a, std::size_t b) { return g.names[a] > g.names[b]; };
    std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(later)> ready(later);
    for (std::size_t v = 0; v < g.names.size(); ++v) {
        waiting[v] = g.depends_on[v].size();
        if (waiting[v] == 0) ready.push(v);
    }
    std::vector<std::size_t> order;
    while (!ready.empty()) {
        std::size_t v = ready.top();
        ready.pop();
        order.push_back(v);
        for (std::size_t dependent : g.dependents[v]) {
            if (--waiting[dependent] == 0) ready.push(dependent);
        }
    }
    return order;
}

}  // namespace

std::size_t ComponentGraph::index_of(std::string_view name) const {
    auto it = std::find(names.begin(), names.end(), name);
    return static_cast<std::size_t>(it - names.begin());
}

common::Result<ComponentGraph> build_graph(const Manifest& manifest) {
    ComponentGraph g;
    for (const auto& c : manifest.components) g.names.push_back(c.name);
    std::unordered_map<std::string_view, std::size_t> index;
    for (std::size_t i = 0; i < g.names.size(); ++i) index.emplace(g.names[i], i);
    g.depends_on.resize(g.names.size());
    g.dependents.resize(g.names.size());
    for (std::size_t i = 0; i < g.names.size(); ++i) {
        for (const auto& dep : manifest.components[i].depends_on) {
            auto it = index.find(dep);
            if (it == index.end()) {
                return common::fail(common::ErrorCode::input,
                                    manifest.components[i].pos.str() + ": component '" +
                                        g.names[i] + "' depends on unknown component '" + dep +
                                        "'");
            }
            g.depends_on[i].push_back(it->second);
            g.dependents[it->second].push_back(i);
        }
    }
    if (auto cycle = find_cycle(g); !cycle.empty()) {
        std::string text;
        for (std::size_t v : cycle) text += g.names[v] + " -> ";
        text += g.names[cycle.front()];
        return common::fail(common::ErrorCode::input, manifest.components[cycle.front()].pos.str() +
                                                          ": dependency cycle: " + text);
    }
    g.order = topological_order(g);
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
    auto names = [&g](const std::vector<std::size_t>& indexes) {
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
