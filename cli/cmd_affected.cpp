// `slipway affected` (which components a change touches, and why) and `slipway graph`.
#include "cli/command.hpp"
#include "common/path_text.hpp"
#include "pipeline/affected.hpp"
#include "pipeline/documents.hpp"
#include "pipeline/project.hpp"
#include "pipeline/reuse.hpp"

#include <iostream>

namespace cli {
namespace {

struct AffectedOptions {
    pipeline::AffectedRequest request;
    std::string store;
    bool json = false;
    bool explain = false;
};

// How a docker build reads a changed path (components/docker_context.hpp).
std::string docker_reason(const components::Reason& r) {
    if (r.pattern.ends_with('/')) return "in its docker build context " + r.pattern;
    if (r.pattern.ends_with(".dockerignore")) return "its docker build's ignore file";
    return "its Dockerfile";
}

std::string explain_text(const components::Selection& s,
                         const std::vector<pipeline::ReuseHint>& hints) {
    constexpr std::size_t k_shown_paths = 5;
    std::string out;
    for (const auto& c : s.affected) {
        out += c.name + " (" + std::string(to_string(c.kind)) + ")\n";
        for (const auto& h : hints) {
            if (h.component == c.name)
                out += "  reused #" + std::to_string(h.build_number) +
                       (h.built_by.empty() ? "" : " from " + h.built_by) +
                       " when built: same inputs (if " + h.image_uri + " is still there)\n";
        }
        std::size_t paths = 0, globals = 0;
        for (const auto& r : c.reasons) {
            std::size_t& seen = r.kind == components::ReasonKind::global ? globals : paths;
            if (r.kind == components::ReasonKind::dependency) {
                out += "  depends on " + r.dependency + ", which is affected\n";
            } else if (r.kind == components::ReasonKind::docker) {
                if (++seen <= k_shown_paths)
                    out +=
                        "  changed " + common::quote_path(r.path) + " (" + docker_reason(r) + ")\n";
            } else if (++seen <= k_shown_paths) {
                out += std::string(r.kind == components::ReasonKind::global ? "  global input "
                                                                            : "  changed ") +
                       common::quote_path(r.path) + " (matches '" + r.pattern + "')\n";
            }
        }
        if (paths > k_shown_paths)
            out += "  ... and " + std::to_string(paths - k_shown_paths) + " more changed paths\n";
        if (globals > k_shown_paths)
            out += "  ... and " + std::to_string(globals - k_shown_paths) + " more global inputs\n";
    }
    if (s.affected.empty()) out += "no component is affected\n";
    for (const auto& p : s.unowned) out += "unowned: " + common::quote_path(p) + "\n";
    for (const auto& p : s.ignored) out += "ignored: " + common::quote_path(p) + "\n";
    return out;
}

// For --explain: what each affected build would reuse, when a store exists (reuse.hpp). A
// store that cannot answer costs the explanation nothing but a warning.
std::vector<pipeline::ReuseHint> reuse_hints(const AffectedOptions& o,
                                             const pipeline::AffectedOutcome& out) {
    auto hints = pipeline::reuse_hints(o.request, out, o.store);
    if (hints) return std::move(*hints);
    std::cerr << "slipway: warning: what builds would reuse is not shown: " << hints.error().message
              << "\n";
    return {};
}

std::string render(const AffectedOptions& o, const pipeline::AffectedOutcome& outcome) {
    const auto& selection = outcome.selection;
    const auto& changes = outcome.changes;
    if (o.json) return pipeline::selection_json(selection, changes ? &*changes : nullptr);
    if (o.explain) return explain_text(selection, reuse_hints(o, outcome));
    std::string out;
    for (const auto& c : selection.affected) out += c.name + "\n";
    return out;
}

common::Result<int> run_affected(const AffectedOptions& o) {
    auto out = pipeline::select_affected(o.request);
    if (!out) return std::unexpected(out.error());
    write_out(render(o, *out));
    keep_until_exit(std::move(*out));
    return 0;
}

struct GraphOptions {
    std::string repo = ".";
    std::string manifest;
    bool dot = false;
    bool json = false;
};

common::Result<int> run_graph(const GraphOptions& o) {
    // With --manifest the repository is not needed: git is not even initialised.
    std::optional<diff::Repository> repo;
    if (o.manifest.empty()) {
        auto opened = diff::Repository::open(o.repo);
        if (!opened) return std::unexpected(opened.error());
        repo = std::move(*opened);
    }
    components::ComponentGraph graph;
    auto manifest =
        pipeline::load_project_manifest(repo ? &*repo : nullptr, o.manifest, "HEAD", &graph);
    if (!manifest) return std::unexpected(manifest.error());
    write_out(o.dot    ? components::graph_dot(*manifest, graph)
              : o.json ? components::graph_json(*manifest, graph)
                       : components::graph_text(*manifest, graph));
    keep_until_exit(std::move(*manifest));
    keep_until_exit(std::move(graph));
    return 0;
}

}  // namespace

Handler setup_affected(CLI::App& sub) {
    auto o = std::make_shared<AffectedOptions>();
    add_project_options(sub, o->request.repo, &o->request.manifest);
    sub.add_option("--base", o->request.diff.base, "base ref")->type_name("REF");
    sub.add_option("--head", o->request.diff.head, "head ref (default HEAD)")->type_name("REF");
    sub.add_flag("--two-dot", o->request.diff.two_dot, "compare BASE and HEAD directly");
    sub.add_flag("--include-uncommitted", o->request.diff.include_uncommitted,
                 "count staged, unstaged and untracked work-tree changes too");
    sub.add_option("--changed-files", o->request.changed_files,
                   "take changed paths from FILE (- for stdin), one per line, instead of git")
        ->excludes("--base")
        ->type_name("FILE");
    auto* json = sub.add_flag("--json", o->json, "print JSON (docs/json.md)");
    sub.add_flag("--explain", o->explain,
                 "print why each component is affected, and what its build would reuse")
        ->excludes(json);
    add_store_option(sub, o->store);
    sub.footer(examples({"slipway affected --base origin/main --explain",
                         "git diff --name-only HEAD~1 | slipway affected --changed-files -",
                         "slipway affected --base test --json"}));
    return [o] { return run_affected(*o); };
}

Handler setup_graph(CLI::App& sub) {
    auto o = std::make_shared<GraphOptions>();
    add_project_options(sub, o->repo, &o->manifest);
    auto* dot = sub.add_flag("--dot", o->dot, "print Graphviz DOT");
    sub.add_flag("--json", o->json, "print JSON (docs/json.md)")->excludes(dot);
    sub.footer(examples(
        {"slipway graph", "slipway graph --dot | dot -Tsvg > graph.svg", "slipway graph --json"}));
    return [o] { return run_graph(*o); };
}

}  // namespace cli
