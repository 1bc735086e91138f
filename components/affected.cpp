#include "components/affected.hpp"

#include "components/parallel.hpp"

#include <algorithm>

namespace components {
namespace {

std::vector<GitignorePattern> compile_all(const std::vector<PatternSpec>& specs) {
    std::vector<GitignorePattern> out;
    out.reserve(specs.size());
    for (const auto& spec : specs) {
        if (auto p = compile_pattern(spec.text)) out.push_back(std::move(*p));
    }
    return out;
}

}  // namespace

std::string_view to_string(ReasonKind kind) {
    switch (kind) {
        case ReasonKind::path:
            return "path";
        case ReasonKind::dependency:
            return "dependency";
        case ReasonKind::global:
            return "global";
        case ReasonKind::deployed_commit:
            return "deployed-commit";
        case ReasonKind::docker:
            return "docker";
    }
    return "path";
}

Selector::Selector(const Manifest& manifest, ComponentGraph graph) : m_graph(std::move(graph)) {
    m_kinds.reserve(manifest.components.size());
    m_index.reserve(manifest.components.size() + 2);
    for (const auto& c : manifest.components) {
        m_kinds.push_back(c.kind);
        m_index.add_owner(compile_all(c.paths));
    }
    m_ignore_owner = m_index.add_owner(compile_all(manifest.ignore));
    m_global_owner = m_index.add_owner(compile_all(manifest.global_inputs));
    m_docker = docker_contexts(manifest);
}

common::Result<void> Selector::load_docker_ignores(const ReadTreeFile& read) {
    return load_ignore_files(m_docker, read);
}

namespace {

// What the docker input `what` of a context is called in a reason.
std::string docker_reason(const DockerContext& d, DockerInput what, const std::string& path) {
    if (what == DockerInput::context) return d.prefix.empty() ? "./" : d.prefix;
    return path;
}

}  // namespace

Selection Selector::select(std::span<const std::string> changed_paths) const {
    Selection out;
    out.changed.assign(changed_paths.begin(), changed_paths.end());
    if (!std::is_sorted(out.changed.begin(), out.changed.end())) {
        std::sort(out.changed.begin(), out.changed.end());
    }
    out.changed.erase(std::unique(out.changed.begin(), out.changed.end()), out.changed.end());

    const std::size_t n = m_graph.names.size();
    std::vector<std::vector<Reason>> reasons(n);
    std::vector<Reason> global;
    // 1. Match every changed path once against all lists: a data-parallel pass (the index
    //    is read-only), its results then taken in path order. Split only when there are
    //    thousands of paths: a path costs ~3,000 instructions (2,000 components), opening
    //    the parallel module with oneTBB and the shared libstdc++ ~3.6 M, so 1,200 paths in
    //    three chunks took more CPU than on one thread and hardly less time (bench/README,
    //    issue 31).
    std::vector<std::vector<PatternIndex::Hit>> hits_of(out.changed.size());
    constexpr std::size_t k_grain = 4096;
    for_each_chunk(out.changed.size(), k_grain,
                   [&](std::size_t, std::size_t begin, std::size_t end) {
                       for (std::size_t i = begin; i != end; ++i)
                           m_index.match(out.changed[i], hits_of[i]);
                   });
    for (std::size_t i = 0; i < out.changed.size(); ++i) {
        const std::string& path = out.changed[i];
        const auto& hits = hits_of[i];
        auto owned_by = [&](std::uint32_t owner) {
            return std::find_if(hits.begin(), hits.end(),
                                [&](const auto& h) { return h.owner == owner; });
        };
        if (owned_by(m_ignore_owner) != hits.end()) {
            out.ignored.push_back(path);
            continue;
        }
        bool owned = false;
        for (const auto& hit : hits) {
            const std::string& pattern = m_index.pattern(hit).source;
            if (hit.owner == m_global_owner) {
                global.push_back({ReasonKind::global, path, pattern, ""});
            } else if (hit.owner < n) {
                reasons[hit.owner].push_back({ReasonKind::path, path, pattern, ""});
            }
            owned = true;
        }
        for (const auto& d : m_docker) {
            const auto what = d.input(path);
            if (what == DockerInput::none) continue;
            owned = true;
            auto& mine = reasons[d.component];
            if (mine.empty() || mine.back().path != path)
                mine.push_back({ReasonKind::docker, path, docker_reason(d, what, path), ""});
        }
        if (!owned) out.unowned.push_back(path);
    }
    // 2. Directly affected, then every dependent of an affected component.
    std::vector<bool> affected(n, false);
    std::vector<std::size_t> queue;
    for (std::size_t i = 0; i < n; ++i) {
        if (!reasons[i].empty() || !global.empty()) affected[i] = true, queue.push_back(i);
    }
    while (!queue.empty()) {
        std::size_t v = queue.back();
        queue.pop_back();
        for (std::size_t d : m_graph.dependents[v]) {
            if (!affected[d]) affected[d] = true, queue.push_back(d);
        }
    }
    // 3. Dependency and global reasons, in the graph's order.
    out.affected.reserve(
        static_cast<std::size_t>(std::count(affected.begin(), affected.end(), true)));
    std::vector<std::size_t> deps;  // indices, sorted by name: each name copied once
    const auto by_name = [&](std::size_t a, std::size_t b) {
        return m_graph.names[a] < m_graph.names[b];
    };
    for (std::size_t v : m_graph.order) {
        if (!affected[v]) continue;
        AffectedComponent& c = out.affected.emplace_back(
            AffectedComponent{m_graph.names[v], m_kinds[v], std::move(reasons[v])});
        deps.clear();
        for (std::size_t d : m_graph.depends_on[v]) {
            if (affected[d]) deps.push_back(d);
        }
        std::sort(deps.begin(), deps.end(), by_name);
        c.reasons.reserve(c.reasons.size() + deps.size() + global.size());
        for (std::size_t d : deps)
            c.reasons.push_back({ReasonKind::dependency, {}, {}, m_graph.names[d]});
        c.reasons.insert(c.reasons.end(), global.begin(), global.end());
    }
    return out;
}

}  // namespace components
