// See validation.hpp.
#include "pipeline/validation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>

#include "common/json.hpp"
#include "common/path_text.hpp"
#include "common/text.hpp"
#include "components/affected.hpp"
#include "deploy/code_build.hpp"
#include "deploy/template.hpp"
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

// The files of `files` below `folder`, relative to it.
std::vector<std::string> files_below(const std::vector<std::string>& files,
                                     const std::string& folder) {
    std::vector<std::string> out;
    const std::string prefix = folder + "/";
    for (auto it = std::lower_bound(files.begin(), files.end(), prefix);
         it != files.end() && it->starts_with(prefix); ++it)
        out.push_back(it->substr(prefix.size()));
    return out;
}

// "a/./b/../c" from the template's folder and a path it names; "" when it leaves the root.
std::string repo_path(const std::string& template_path, const std::string& path) {
    const auto joined =
        (std::filesystem::path(template_path).parent_path() / path).lexically_normal();
    const std::string out = joined.generic_string();
    if (out.empty() || out.starts_with("..") || joined.is_absolute()) return "";
    return out.ends_with("/") ? out.substr(0, out.size() - 1) : out;
}

// What a deploy of one stack of `env` would refuse: template parameters without a value,
// values for parameters the template lacks, local code without an artifact_bucket, and code
// folders that would deploy without their dependencies (deploy/code_build.hpp).
void stack_warnings(const components::Manifest& m, const components::Environment& env,
                    const components::Stack& stack, const deploy::Template& t,
                    const std::vector<std::string>& files,
                    const std::function<std::optional<std::string>(const std::string&)>& read,
                    std::vector<std::string>& out) {
    const std::string where = env.pos.str() + ": environment '" + env.name + "'" +
                              (env.stacks.size() > 1 ? " stack '" + stack.name + "'" : "");
    std::set<std::string> fed;
    for (const auto& name : stack.members) {
        const auto* c = m.find(name);
        if (c && c->kind == components::ComponentKind::image) fed.insert(c->parameter);
    }
    for (const auto& [name, p] : t.parameters) {
        if (!p.default_value && !fed.contains(name) && !stack.parameters.contains(name) &&
            !env.parameters.contains(name))
            out.push_back(where + ": template parameter " + name + " (" + t.file +
                          ") has no Default and no value: give it one in the " +
                          (env.stacks.size() > 1 ? "stack's" : "environment's") + " parameters");
    }
    for (const auto& [name, value] : stack.parameters) {  // the environment's are shared
        if (!t.parameters.contains(name))
            out.push_back(where + ": parameter " + name + " is not a parameter of " + t.file);
    }
    for (const auto& ref : deploy::artifact_refs(t)) {
        const std::string at = t.file + ": " + ref.resource + "." + ref.property + " " + ref.path;
        if (env.artifact_bucket.empty()) {
            out.push_back(where + ": " + at +
                          " is packaged and uploaded: set the environment's artifact_bucket");
        }
        const std::string folder = repo_path(stack.template_path, ref.path);
        if (folder.empty() || !deploy::is_code_property(ref.property)) continue;
        const auto inside = files_below(files, folder);
        if (inside.empty()) continue;
        auto why = deploy::unbuilt_code(
            inside, [&](const std::string& f) { return read(folder + "/" + f); });
        if (why)
            out.push_back(where + ": " + t.file + ": " + ref.resource + ": " +
                          deploy::unbuilt_code_message(folder, *why));
    }
}

// An approvers' team the manifest's `teams:` does not define: GitHub's team of that slug
// for `slipway serve` with GitHub, nobody elsewhere (pipeline/teams.hpp).
void team_warnings(const components::Manifest& m, std::vector<std::string>& out) {
    std::vector<std::string> names;
    for (const auto& [name, people] : m.teams) names.push_back(name);
    for (const auto& env : m.environments) {
        for (const auto& a : env.gates.approvers) {
            if (!a.starts_with("team:") || m.teams.contains(a.substr(5))) continue;
            out.push_back(env.pos.str() + ": environment '" + env.name + "' approvers: team '" +
                          a.substr(5) +
                          "' is not in teams: it is GitHub's team of that name for slipway "
                          "serve with GitHub, and has no members elsewhere" +
                          common::did_you_mean(a.substr(5), names));
        }
    }
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
    team_warnings(*manifest, v.warnings);
    auto read = [&](const std::string& path) -> std::optional<std::string> {
        auto text = repo->read_file(*head_id, path);
        return text ? std::optional<std::string>(std::move(*text)) : std::nullopt;
    };
    for (const auto& env : manifest->environments) {
        for (const auto& stack : env.stacks) {
            const std::string who = env.pos.str() + ": environment '" + env.name + "'" +
                                    (env.stacks.size() > 1 ? " stack '" + stack.name + "'" : "");
            if (stack.template_path.empty()) {
                v.warnings.push_back(who + " has no template: run and deploy would refuse it");
                continue;
            }
            // A template that is not in the commit (built before the deploy, as
            // .aws-sam/build/template.yaml is) cannot be checked here.
            auto text = read(stack.template_path);
            if (!text) continue;
            auto t = deploy::parse_template(*text, stack.template_path);
            if (!t) {
                v.warnings.push_back(who + ": " + t.error().message);
                continue;
            }
            stack_warnings(*manifest, env, stack, *t, *files, read, v.warnings);
        }
    }
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
