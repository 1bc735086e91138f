// See validation.hpp.
#include "pipeline/validation.hpp"

#include <fmt/format.h>

#include <set>

#include "common/json.hpp"
#include "common/path_text.hpp"
#include "components/affected.hpp"
#include "pipeline/project.hpp"

namespace pipeline {
namespace {

// One warning line per positive pattern (of components, ignore, global_inputs) that
// matches no file of `files`.
std::vector<std::string> unused_pattern_warnings(const components::Manifest& m,
                                                 const components::Selector& selector,
                                                 const std::vector<std::string>& files,
                                                 const std::string& head) {
    std::set<std::pair<std::uint32_t, std::uint32_t>> used;
    for (const auto& f : files) {
        selector.index().for_each_pattern_match(f, [&](auto hit) {
            used.insert({hit.owner, hit.pattern});
        });
    }
    auto check = [&](std::uint32_t owner, const std::vector<components::PatternSpec>& specs,
                     const std::string& of, std::vector<std::string>& out) {
        std::uint32_t compiled = 0;
        for (const auto& spec : specs) {
            auto p = components::compile_pattern(spec.text);
            if (!p) continue;
            if (!p->negated && !used.contains({owner, compiled})) {
                out.push_back(fmt::format("{}: pattern '{}' of {} matches no file in {}",
                                          spec.pos.str(), spec.text, of, head));
            }
            ++compiled;
        }
    };
    std::vector<std::string> warnings;
    for (std::uint32_t i = 0; i < m.components.size(); ++i) {
        check(i, m.components[i].paths, "component '" + m.components[i].name + "'", warnings);
    }
    check(selector.ignore_owner(), m.ignore, "ignore", warnings);
    check(selector.global_owner(), m.global_inputs, "global_inputs", warnings);
    return warnings;
}

}  // namespace

common::Result<Validation> validate_project(const std::string& repo_dir,
                                            const std::string& manifest_flag,
                                            const std::string& head, bool list_unowned) {
    auto repo = diff::Repository::open(repo_dir);
    if (!repo && manifest_flag.empty()) return std::unexpected(repo.error());
    components::ComponentGraph graph;
    auto manifest = load_project_manifest(repo ? &*repo : nullptr, manifest_flag, head, &graph);
    if (!manifest) return std::unexpected(manifest.error());
    Validation v{
        manifest->file, manifest->components.size(), manifest->environments.size(), {}, {}};
    if (!repo) {
        v.warnings.push_back("not in a git repository: patterns were not checked against files");
        return v;
    }
    auto head_id = repo->resolve_commit(head);
    if (!head_id) return std::unexpected(head_id.error());
    auto files = repo->list_files(*head_id);
    if (!files) return std::unexpected(files.error());
    components::Selector selector(*manifest, std::move(graph));
    v.warnings = unused_pattern_warnings(*manifest, selector, *files, head);
    if (list_unowned) v.unowned = selector.select(*files).unowned;
    return v;
}

std::string validation_json(const Validation& v) {
    common::JsonOut j;
    j.begin_object().field("components", static_cast<std::int64_t>(v.components));
    j.field("environments", static_cast<std::int64_t>(v.environments));
    j.field("manifest", common::json_path(v.manifest)).key("unowned").begin_array();
    for (const auto& f : v.unowned) j.value(common::json_path(f));
    j.end_array().key("warnings").begin_array();
    for (const auto& w : v.warnings) j.value(w);
    return j.end_array().end_object().str();
}

}  // namespace pipeline
