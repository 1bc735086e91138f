#include "components/input_hash.hpp"

#include "components/parallel.hpp"

#include <algorithm>

using namespace std::string_literals;

namespace components {
namespace {

using Owned = std::pair<std::uint32_t, std::uint32_t>;  // (owner, file index)

// Which files each owner (component, ignore, global inputs) matches, sorted.
std::vector<Owned> match_files(const Selector& selector, const std::vector<TreeFile>& files) {
    constexpr std::size_t k_grain = 1024;
    std::vector<std::vector<Owned>> parts(chunk_count(files.size(), k_grain));
    for_each_chunk(files.size(), k_grain, [&](std::size_t k, std::size_t begin, std::size_t end) {
        std::vector<PatternIndex::Hit> hits;
        for (std::size_t f = begin; f != end; ++f) {
            selector.index().match(files[f].first, hits);
            const bool ignored = std::any_of(hits.begin(), hits.end(), [&](const auto& h) {
                return h.owner == selector.ignore_owner();
            });
            if (ignored) continue;
            for (const auto& h : hits)
                parts[k].emplace_back(h.owner, static_cast<std::uint32_t>(f));
        }
    });
    std::vector<Owned> all;
    for (auto& part : parts) all.insert(all.end(), part.begin(), part.end());
    std::sort(all.begin(), all.end());
    return all;
}

void append_files(std::string& text, const char* label, std::uint32_t owner,
                  const std::vector<Owned>& owned, const std::vector<TreeFile>& files) {
    auto first = std::lower_bound(owned.begin(), owned.end(), Owned{owner, 0});
    for (auto it = first; it != owned.end() && it->first == owner; ++it) {
        const auto& [path, id] = files[it->second];
        text += label + (" " + id + " ") + path + '\0';
    }
}

}  // namespace

std::vector<std::string> input_hashes(const Manifest& manifest, const ComponentGraph& graph,
                                      const Selector& selector, const std::vector<TreeFile>& files,
                                      const std::function<std::string(std::string_view)>& hash) {
    const auto owned = match_files(selector, files);
    std::vector<std::string> hashes(manifest.components.size());
    for (std::size_t v : graph.order) {  // dependencies first
        const Component& c = manifest.components[v];
        std::string text = "slipway-inputs 1\0"s;
        text += "command " + c.build + '\0';
        std::vector<std::size_t> deps(graph.depends_on[v].begin(), graph.depends_on[v].end());
        std::sort(deps.begin(), deps.end(),
                  [&](auto a, auto b) { return graph.names[a] < graph.names[b]; });
        for (std::size_t d : deps) text += "dependency " + graph.names[d] + " " + hashes[d] + '\0';
        append_files(text, "global", selector.global_owner(), owned, files);
        append_files(text, "file", static_cast<std::uint32_t>(v), owned, files);
        hashes[v] = hash(text);
    }
    return hashes;
}

}  // namespace components
