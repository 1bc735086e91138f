// `slipway validate`: the manifest is loaded (every error is fatal), then each pattern is
// checked against the files of the head tree: one that matches nothing is usually a typo.
#include <fmt/format.h>

#include <set>

#include "cli/command.hpp"
#include "pipeline/project.hpp"
#include "components/affected.hpp"

namespace cli {
namespace {

struct ValidateOptions {
    std::string repo = ".";
    std::string manifest;
    std::string head = "HEAD";
    bool unowned = false;
    bool strict = false;
};

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

common::Result<int> run_validate(const ValidateOptions& o) {
    auto repo = diff::Repository::open(o.repo);
    if (!repo && o.manifest.empty()) return std::unexpected(repo.error());
    auto manifest = pipeline::load_project_manifest(repo ? &*repo : nullptr, o.manifest, o.head);
    if (!manifest) return std::unexpected(manifest.error());
    auto graph = components::build_graph(*manifest);
    if (!graph) return std::unexpected(graph.error());
    std::vector<std::string> warnings;
    std::vector<std::string> unowned;
    if (repo) {
        auto head_id = repo->resolve_commit(o.head);
        if (!head_id) return std::unexpected(head_id.error());
        auto files = repo->list_files(*head_id);
        if (!files) return std::unexpected(files.error());
        components::Selector selector(*manifest, *graph);
        warnings = unused_pattern_warnings(*manifest, selector, *files, o.head);
        if (o.unowned) unowned = selector.select(*files).unowned;
    } else {
        warnings.push_back("not in a git repository: patterns were not checked against files");
    }
    for (const auto& w : warnings) fmt::print(stderr, "slipway: warning: {}\n", w);
    std::string out =
        fmt::format("{}: ok ({} components, {} environments, {} warnings)\n", manifest->file,
                    manifest->components.size(), manifest->environments.size(), warnings.size());
    for (const auto& f : unowned) out += "unowned: " + f + "\n";
    write_out(out);
    return o.strict && !warnings.empty() ? 2 : 0;
}

}  // namespace

Handler setup_validate(CLI::App& sub) {
    auto o = std::make_shared<ValidateOptions>();
    add_project_options(sub, o->repo, &o->manifest);
    sub.add_option("--head", o->head, "check patterns against this commit's files (default HEAD)");
    sub.add_flag("--unowned", o->unowned, "list files that belong to no component");
    sub.add_flag("--strict", o->strict, "exit 2 when there are warnings");
    return [o] { return run_validate(*o); };
}

}  // namespace cli
