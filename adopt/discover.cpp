// The discovery pass of `slipway init` (the rules are in discover.hpp): find the template,
// gather what each folder holds (a Dockerfile, a SAM build context, packaged code, package
// manifests) into units, name them, derive kinds, paths and build commands, link their
// dependencies without cycles, then hand the template's parameters to image components.
#include "adopt/discover.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "adopt/parameters.hpp"
#include "adopt/paths.hpp"
#include "common/yaml.hpp"
#include "deploy/code_build.hpp"

namespace adopt {
namespace {

using components::ComponentKind;

// What one folder (or packaged file) holds.
struct Unit {
    std::string folder;
    bool is_file = false;
    bool dockerfile = false;           // <folder>/Dockerfile exists
    std::string root_context_why;      // the Dockerfile builds from the repository root: why
    const DockerBuild* sam = nullptr;  // a SAM image function builds from here
    std::vector<const Package*> packages;
    std::vector<const CodeRef*> code_refs;
};

bool has_file(const std::vector<std::string>& files, const std::string& path) {
    return std::binary_search(files.begin(), files.end(), path);
}

bool has_folder(const std::vector<std::string>& files, const std::string& folder) {
    const std::string prefix = folder + "/";
    auto it = std::lower_bound(files.begin(), files.end(), prefix);
    return it != files.end() && it->starts_with(prefix);
}

// Candidates: .yml/.yaml/.json/.template files at the root or up to two folders down
// (apps/<name>/template.yaml: one SAM app per folder) that read like templates; the root's
// template.{yaml,yml,json} first, then by depth and path.
std::vector<std::string> template_candidates(const std::vector<std::string>& files,
                                             const ReadFile& read) {
    std::vector<std::string> out;
    for (const auto& f : files) {
        const auto depth = std::count(f.begin(), f.end(), '/');
        if (depth > 2 || skipped_folder(parent_folder(f)) || f == "slipway.yml") continue;
        if (!(f.ends_with(".yml") || f.ends_with(".yaml") || f.ends_with(".json") ||
              f.ends_with(".template")))
            continue;
        if (auto text = read(f); text && looks_like_template(*text)) out.push_back(f);
    }
    auto rank = [](const std::string& f) {
        const bool preferred = f == "template.yaml" || f == "template.yml" || f == "template.json";
        return std::make_tuple(!preferred, std::count(f.begin(), f.end(), '/'), f);
    };
    std::sort(out.begin(), out.end(), [&](auto& a, auto& b) { return rank(a) < rank(b); });
    return out;
}

common::Result<std::optional<TemplateFacts>> find_template(const DiscoverInput& input,
                                                           const ReadFile& read,
                                                           std::vector<std::string>& notes,
                                                           std::vector<std::string>& others) {
    if (!input.template_path.empty()) {
        auto text = read(input.template_path);
        if (!text)
            return common::fail(common::ErrorCode::input,
                                "reading the template " + input.template_path + ": cannot read it");
        auto facts = scan_template(*text, input.template_path);
        if (!facts) return std::unexpected(facts.error());
        return std::optional<TemplateFacts>(std::move(*facts));
    }
    // Every candidate is scanned; the root's template.yaml wins, else the one that builds or
    // packages the most local code (the application's, not a CI or auth template beside
    // it), then by depth and path.
    std::vector<TemplateFacts> scanned;
    for (const auto& path : template_candidates(input.files, read)) {
        auto facts = scan_template(read(path).value_or(""), path);
        if (facts) {
            scanned.push_back(std::move(*facts));
        } else {
            notes.push_back(path +
                            " looks like a template but does not parse: " + facts.error().message);
        }
    }
    if (scanned.empty()) return std::optional<TemplateFacts>();
    auto local_code = [](const TemplateFacts& t) {
        return t.code_refs.size() + t.docker_builds.size();
    };
    const bool root_named = scanned.front().path.find('/') == std::string::npos &&
                            scanned.front().path.starts_with("template.");
    auto best = scanned.begin();
    if (!root_named) {
        for (auto it = scanned.begin(); it != scanned.end(); ++it)
            if (local_code(*it) > local_code(*best)) best = it;
    }
    for (const auto& t : scanned)
        if (&t != &*best) others.push_back(t.path);
    return std::optional<TemplateFacts>(std::move(*best));
}

// Whether a Dockerfile in `folder` expects the repository root as its build context: a
// compose file says so, it runs `turbo prune`, or it copies a path that exists at the root
// but not in its folder (COPY pnpm-lock.yaml ./, COPY packages/ui ...). Returns why, or "".
std::string root_context(const std::string& folder, const std::string& dockerfile_text,
                         const std::vector<std::string>& files,
                         const std::map<std::string, std::string>& compose_contexts) {
    const std::string dockerfile = folder + "/Dockerfile";
    if (auto it = compose_contexts.find(dockerfile);
        it != compose_contexts.end() && it->second.empty())
        return "a compose file builds it with the repository root as context";
    std::istringstream in(dockerfile_text);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string instruction, word;
        words >> instruction;
        std::transform(instruction.begin(), instruction.end(), instruction.begin(),
                       [](unsigned char c) { return std::toupper(c); });
        if (instruction == "RUN" && line.find("turbo prune") != std::string::npos)
            return "it runs turbo prune, which needs the whole workspace";
        if (instruction != "COPY" && instruction != "ADD") continue;
        std::vector<std::string> args;
        bool from_stage = false;
        while (words >> word) {
            if (word.starts_with("--from")) from_stage = true;
            if (!word.starts_with("--")) args.push_back(word);
        }
        if (from_stage || args.size() < 2) continue;
        args.pop_back();  // the destination
        for (auto source : args) {
            while (source.starts_with("./")) source.erase(0, 2);
            while (source.ends_with("/")) source.pop_back();
            if (source.empty() || source == "." ||
                source.find_first_of("*?[$") != std::string::npos)
                continue;
            auto in_folder = join_relative(folder, source);
            const bool here =
                in_folder && (has_file(files, *in_folder) || has_folder(files, *in_folder));
            const bool at_root = has_file(files, source) || has_folder(files, source);
            if (!here && at_root)
                return "it copies " + source + ", which is at the repository root";
        }
    }
    return "";
}

// Compose files at the root: Dockerfile path -> its context ("" the root), for the services
// whose `build` names a context (and a dockerfile).
std::map<std::string, std::string> compose_contexts(const std::vector<std::string>& files,
                                                    const ReadFile& read) {
    std::map<std::string, std::string> out;
    for (const char* name :
         {"docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml"}) {
        if (!has_file(files, name)) continue;
        auto text = read(name);
        if (!text) continue;
        auto doc = common::yaml::parse(*text, name);
        if (!doc) continue;
        for (const auto [service, body] : doc->root()["services"].entries()) {
            const common::yaml::Node build = body["build"];
            std::string context, dockerfile = "Dockerfile";
            if (build.is_scalar()) context = std::string(build.scalar());
            if (build.is_map()) {
                if (build["context"].is_scalar()) context = std::string(build["context"].scalar());
                if (build["dockerfile"].is_scalar())
                    dockerfile = std::string(build["dockerfile"].scalar());
            }
            if (context.empty()) continue;
            auto ctx = join_relative("", context);
            if (!ctx) continue;
            auto path = join_relative(*ctx, dockerfile);
            if (path) out[*path] = *ctx;
        }
    }
    return out;
}

// Folders whose contents are not deployed: examples, tests, fixtures and scaffolding
// templates (any segment), unless the deploy template builds or packages them.
bool non_deployable(const std::string& folder) {
    static const std::set<std::string, std::less<>> names = {
        "example",   "examples", "test",      "tests",        "__tests__", "testdata",
        "test-data", "fixture",  "fixtures",  "__fixtures__", "e2e",       "template",
        "templates", "scaffold", "scaffolds", "blueprints"};
    std::size_t start = 0;
    while (start < folder.size()) {
        const auto end = std::min(folder.find('/', start), folder.size());
        const std::string_view part(folder.data() + start, end - start);
        if (names.contains(part) || part.find("{{") != std::string_view::npos ||
            part.find("<%") != std::string_view::npos)
            return true;
        start = end + 1;
    }
    return false;
}

std::map<std::string, Unit> collect_units(const DiscoverInput& input,
                                          const std::vector<Package>& packages,
                                          const std::optional<TemplateFacts>& facts,
                                          const ReadFile& read, Discovery& d) {
    std::map<std::string, Unit> units;
    auto unit = [&](const std::string& folder) -> Unit& {
        Unit& u = units[folder];
        u.folder = folder;
        return u;
    };
    const auto compose = compose_contexts(input.files, read);
    for (const auto& f : input.files) {
        if (base_name(f) != "Dockerfile" || skipped_folder(parent_folder(f))) continue;
        Unit& u = unit(parent_folder(f));
        u.dockerfile = true;
        if (!u.folder.empty())
            u.root_context_why = root_context(u.folder, read(f).value_or(""), input.files, compose);
    }
    for (const auto& p : packages) unit(p.folder).packages.push_back(&p);
    if (facts) {
        for (const auto& b : facts->docker_builds) unit(b.context).sam = &b;
        for (const auto& ref : facts->code_refs) {
            const bool folder = has_folder(input.files, ref.path);
            if (!folder && !has_file(input.files, ref.path)) {
                d.notes.push_back(ref.resource + ": " + ref.property + " '" + ref.path +
                                  "' is not in the repository (a build output?); not made a "
                                  "component");
                continue;
            }
            Unit& u = unit(ref.path);
            u.is_file = !folder;
            u.code_refs.push_back(&ref);
        }
    }
    for (auto it = units.begin(); it != units.end();) {
        const Unit& u = it->second;
        if (non_deployable(u.folder) && !u.sam && u.code_refs.empty()) {
            d.notes.push_back(u.folder +
                              ": not a component (examples, tests, fixtures and "
                              "templates are not deployed)");
            it = units.erase(it);
        } else {
            ++it;
        }
    }
    return units;
}

// Code folders the template packages that would deploy without their dependencies.
void check_code_folders(const std::map<std::string, Unit>& units, const DiscoverInput& input,
                        const ReadFile& read, Discovery& d) {
    for (const auto& [folder, u] : units) {
        if (u.is_file || u.code_refs.empty()) continue;
        bool code = false;
        for (const auto* ref : u.code_refs) code = code || deploy::is_code_property(ref->property);
        if (!code) continue;
        std::vector<std::string> inside;
        const std::string prefix = folder + "/";
        for (auto it = std::lower_bound(input.files.begin(), input.files.end(), prefix);
             it != input.files.end() && it->starts_with(prefix); ++it)
            inside.push_back(it->substr(prefix.size()));
        auto why =
            deploy::unbuilt_code(inside, [&](const std::string& f) { return read(prefix + f); });
        if (why) d.warnings.push_back(deploy::unbuilt_code_message(folder, *why));
    }
}

// Folder -> component name: the last segment, or the whole path where that is ambiguous.
std::map<std::string, std::string> name_units(const std::map<std::string, Unit>& units,
                                              const std::string& project,
                                              std::set<std::string>& taken) {
    std::map<std::string, int> short_uses;
    auto short_name = [&](const std::string& folder) {
        return sanitize_name(folder.empty() ? project : base_name(folder));
    };
    for (const auto& [folder, u] : units) ++short_uses[short_name(folder)];
    std::map<std::string, std::string> names;
    for (const auto& [folder, u] : units) {
        std::string name = short_name(folder);
        if (short_uses[name] > 1 && !folder.empty()) {
            std::string dashed = folder;
            std::replace(dashed.begin(), dashed.end(), '/', '-');
            name = sanitize_name(dashed);
        }
        const std::string stem = name.substr(0, 120);
        for (int n = 2; taken.contains(name); ++n) name = stem + "-" + std::to_string(n);
        taken.insert(name);
        names[folder] = name;
    }
    return names;
}

std::string glob_escape(const std::string& path) {
    std::string out;
    for (char c : path) {
        if (c == '\\' || c == '*' || c == '?' || c == '[') out += '\\';
        out += c;
    }
    if (out.ends_with(" ")) out.insert(out.size() - 1, "\\");
    return out;
}

std::string shell_quote(const std::string& word) {
    const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](unsigned char c) {
        return std::isalnum(c) ||
               std::string_view("_./-@%+=:,").find(static_cast<char>(c)) != std::string_view::npos;
    });
    if (plain) return word;
    std::string out = "'";
    for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string docker_build(const std::string& context, const std::string& dockerfile) {
    const std::string dir = context.empty() ? "." : context;
    std::string command = "docker build -t \"$SLIPWAY_IMAGE_URI\"";
    if (dockerfile != "Dockerfile")
        command += " -f " + shell_quote(context.empty() ? dockerfile : context + "/" + dockerfile);
    return command + " " + shell_quote(dir) + " && docker push \"$SLIPWAY_IMAGE_URI\"";
}

// `docker build -f FOLDER/Dockerfile .`: the repository root as the context.
std::string docker_build_from_root(const std::string& folder) {
    return "docker build -t \"$SLIPWAY_IMAGE_URI\" -f " + shell_quote(folder + "/Dockerfile") +
           " . && docker push \"$SLIPWAY_IMAGE_URI\"";
}

// Files and folders at the root that belong to every package of a kind: its lock files and
// the workspace's settings (a change to a catalog in pnpm-workspace.yaml, to turbo.json or
// to a patch in patches/ can change every package's build).
std::vector<std::string> shared_files(PackageKind kind, const std::vector<std::string>& files) {
    static const std::map<PackageKind, std::vector<std::string>> k_shared = {
        {PackageKind::npm,
         {"package.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "pnpm-workspace.yaml",
          "turbo.json", "nx.json", "lerna.json", ".npmrc", ".yarnrc.yml", ".pnpmfile.cjs", ".nvmrc",
          ".node-version", "tsconfig.json", "tsconfig.base.json", "patches/", ".yarn/patches/"}},
        {PackageKind::python, {"pyproject.toml", "uv.lock", "poetry.lock", ".python-version"}},
        {PackageKind::go, {"go.work", "go.work.sum"}},
    };
    std::vector<std::string> out;
    for (const auto& f : k_shared.at(kind)) {
        const bool folder = f.ends_with("/");
        if (folder ? has_folder(files, f.substr(0, f.size() - 1)) : has_file(files, f))
            out.push_back("/" + f);
    }
    return out;
}

FoundComponent make_component(const Unit& u, const std::string& name,
                              const std::vector<std::string>& files) {
    FoundComponent c;
    c.name = name;
    c.folder = u.folder;
    c.is_file = u.is_file;
    c.kind = (u.dockerfile || u.sam) ? ComponentKind::image
             : !u.code_refs.empty()  ? ComponentKind::config
                                     : ComponentKind::library;
    c.paths.push_back(u.is_file          ? "/" + glob_escape(u.folder)
                      : u.folder.empty() ? "/*"
                                         : "/" + glob_escape(u.folder) + "/");
    if (u.sam) {
        c.build = docker_build(u.folder, u.sam->dockerfile);
        c.reasons.push_back("SAM function " + u.sam->resource + " builds its image here");
    } else if (u.dockerfile && !u.root_context_why.empty()) {
        c.build = docker_build_from_root(u.folder);
    } else if (u.dockerfile) {
        c.build = docker_build(u.folder, "Dockerfile");
    }
    if (u.dockerfile) c.reasons.push_back((u.folder.empty() ? "" : u.folder + "/") + "Dockerfile");
    if (u.dockerfile && !u.sam && !u.root_context_why.empty()) {
        c.reasons.push_back("built from the repository root: " + u.root_context_why);
        if (has_file(files, ".dockerignore")) c.paths.push_back("/.dockerignore");
    }
    for (const auto* ref : u.code_refs)
        c.reasons.push_back("the template packages it (" + ref->resource + "." + ref->property +
                            ")");
    for (const auto* p : u.packages) {
        c.reasons.push_back(describe(p->kind) + (p->name.empty() ? "" : " " + p->name) + " (" +
                            p->manifest + ")");
        for (auto& shared : shared_files(p->kind, files)) c.paths.push_back(shared);
    }
    std::sort(c.paths.begin() + 1, c.paths.end());
    c.paths.erase(std::unique(c.paths.begin(), c.paths.end()), c.paths.end());
    return c;
}

// Adds each package dependency as depends_on, in name order, unless it would close a cycle.
void link_dependencies(std::vector<FoundComponent>& comps, const std::map<std::string, Unit>& units,
                       const std::map<std::string, std::string>& names,
                       std::vector<std::string>& notes) {
    std::set<std::pair<std::string, std::string>> wanted;
    for (const auto& [folder, u] : units) {
        std::set<std::string> dev;
        for (const auto* p : u.packages) {
            for (const auto& dep : p->depends_on) {
                if (names.contains(dep) && dep != folder)
                    wanted.insert({names.at(folder), names.at(dep)});
            }
            for (const auto& dep : p->dev_depends_on) {
                if (names.contains(dep) && dep != folder) dev.insert(names.at(dep));
            }
        }
        for (const auto& [from, to] : wanted) {
            if (from == names.at(folder)) dev.erase(to);
        }
        if (dev.empty()) continue;
        std::string list;
        for (const auto& n : dev) list += (list.empty() ? "" : ", ") + n;
        notes.push_back("component '" + names.at(folder) + "': its development dependencies (" +
                        list + ") are not depends_on");
    }
    std::map<std::string, std::set<std::string>> edges;
    auto reaches = [&](const std::string& from, const std::string& to) {
        std::vector<std::string> stack{from};
        std::set<std::string> seen;
        while (!stack.empty()) {
            auto at = stack.back();
            stack.pop_back();
            if (at == to) return true;
            if (!seen.insert(at).second) continue;
            for (const auto& next : edges[at]) stack.push_back(next);
        }
        return false;
    };
    for (const auto& [from, to] : wanted) {
        if (reaches(to, from)) {
            notes.push_back("dropped the dependency " + from + " -> " + to +
                            ": it would close a cycle (slipway needs an acyclic graph)");
            continue;
        }
        edges[from].insert(to);
    }
    for (auto& c : comps) c.depends_on.assign(edges[c.name].begin(), edges[c.name].end());
}

}  // namespace

common::Result<Discovery> discover(const DiscoverInput& input, const ReadFile& read) {
    Discovery d;
    d.project = sanitize_name(input.project.empty() ? "app" : input.project);
    d.region = input.region;
    auto facts = find_template(input, read, d.notes, d.other_templates);
    if (!facts) return std::unexpected(facts.error());
    d.template_facts = std::move(*facts);
    if (d.template_facts) {
        for (const auto& n : d.template_facts->notes)
            d.notes.push_back(d.template_facts->path + ": " + n);
    }
    const auto packages = find_packages(input.files, read, d.notes);
    const auto units = collect_units(input, packages, d.template_facts, read, d);
    check_code_folders(units, input, read, d);
    std::set<std::string> taken;
    if (d.template_facts) taken.insert("template");
    const auto names = name_units(units, d.project, taken);
    for (const auto& [folder, u] : units)
        d.components.push_back(make_component(u, names.at(folder), input.files));
    link_dependencies(d.components, units, names, d.notes);
    d.unmatched_parameters =
        assign_parameters(d.components, d.template_facts, packages, d.notes, d.warnings);
    if (d.template_facts) {
        FoundComponent t;
        t.name = "template";
        t.kind = ComponentKind::config;
        t.folder = d.template_facts->path;
        t.is_file = true;
        t.paths = {"/" + glob_escape(t.folder)};
        t.reasons = {"the CloudFormation template: a change deploys"};
        d.components.push_back(std::move(t));
    }
    if (d.components.empty()) {
        return common::fail(common::ErrorCode::input,
                            "found nothing to make a component of: no Dockerfile, workspace "
                            "package, pyproject.toml, go.mod or CloudFormation template");
    }
    std::sort(d.components.begin(), d.components.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    d.environments = environments_for(input.refs, d.project);
    d.commit_url = commit_url_for(input.origin_url);
    if (d.template_facts) {
        for (auto& e : d.environments) e.parameters = stage_values(*d.template_facts, e, d);
    }
    if (std::any_of(input.files.begin(), input.files.end(),
                    [](const std::string& f) { return f.ends_with(".md"); }))
        d.ignore.push_back("**/*.md");
    return d;
}

}  // namespace adopt
