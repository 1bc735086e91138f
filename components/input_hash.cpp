#include "components/input_hash.hpp"

#include "components/dockerfile.hpp"
#include "components/parallel.hpp"

#include <fmt/format.h>

#include <algorithm>

using namespace std::string_literals;

namespace components {
namespace {

using Owned = std::pair<std::uint32_t, std::uint32_t>;  // (owner, file index)

// Which files each owner (component, ignore, global inputs) matches, sorted; `ignored`
// marks the files `ignore` drops.
std::vector<Owned> match_files(const Selector& selector, const std::vector<TreeFile>& files,
                               std::vector<char>& ignored) {
    ignored.assign(files.size(), 0);
    constexpr std::size_t k_grain = 1024;
    std::vector<std::vector<Owned>> parts(chunk_count(files.size(), k_grain));
    for_each_chunk(files.size(), k_grain, [&](std::size_t k, std::size_t begin, std::size_t end) {
        std::vector<PatternIndex::Hit> hits;
        for (std::size_t f = begin; f != end; ++f) {
            selector.index().match(files[f].path, hits);
            ignored[f] = std::any_of(hits.begin(), hits.end(), [&](const auto& h) {
                return h.owner == selector.ignore_owner();
            });
            if (ignored[f]) continue;
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
        const auto& file = files[it->second];
        text += label + (" " + file.id + " ") + file.path + '\0';
    }
}

// What `docker build` reads for context `d`: settings, Dockerfile, base images, and the
// context's files (a sorted range of `files`) that neither `ignore` nor the ignore file
// leaves out.
void append_docker(std::string& text, const DockerContext& d, const std::vector<TreeFile>& files,
                   const std::vector<char>& ignored,
                   const std::map<std::string, std::string>& dockerfiles) {
    const DockerBuild& b = d.build;
    text += "docker-context " + b.context + '\0';
    text += "docker-platform " + b.platform + '\0';
    text += "docker-target " + b.target + '\0';
    for (const auto& [name, value] : b.args) text += "docker-arg " + name + "=" + value + '\0';
    auto file =
        std::lower_bound(files.begin(), files.end(), b.file,
                         [](const TreeFile& f, const std::string& p) { return f.path < p; });
    const bool found = file != files.end() && file->path == b.file;
    text += "docker-file " + (found ? file->id : std::string("-")) + " " + b.file + '\0';
    if (auto it = dockerfiles.find(b.file); it != dockerfiles.end()) {
        for (const auto& base : base_images(it->second, b.args))
            text += "docker-base " + base.reference + '\0';
    }
    auto first =
        std::lower_bound(files.begin(), files.end(), d.prefix,
                         [](const TreeFile& f, const std::string& p) { return f.path < p; });
    for (auto it = first; it != files.end() && it->path.starts_with(d.prefix); ++it) {
        const auto i = static_cast<std::size_t>(it - files.begin());
        const std::string_view relative = std::string_view(it->path).substr(d.prefix.size());
        if (ignored[i] || !d.sends(relative)) continue;
        text += fmt::format("context {:o} {} ", it->mode, it->id);
        text.append(relative);
        text += '\0';
    }
}

}  // namespace

std::vector<std::string> input_hashes(const Manifest& manifest, const ComponentGraph& graph,
                                      const Selector& selector, const std::vector<TreeFile>& files,
                                      const std::function<std::string(std::string_view)>& hash,
                                      const std::map<std::string, std::string>& dockerfiles) {
    std::vector<char> ignored;
    const auto owned = match_files(selector, files, ignored);
    std::vector<const DockerContext*> docker(manifest.components.size(), nullptr);
    for (const auto& d : selector.docker()) docker[d.component] = &d;
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
        if (docker[v]) append_docker(text, *docker[v], files, ignored, dockerfiles);
        hashes[v] = hash(text);
    }
    return hashes;
}

}  // namespace components
