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
#include "adopt/stacks.hpp"
#include "adopt/templates.hpp"
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
    std::set<std::size_t> templates;  // the templates that build or package it
};

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

std::map<std::string, Unit> collect_units(const DiscoverInput& input,
                                          const std::vector<Package>& packages,
                                          const std::vector<const TemplateFacts*>& templates,
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
    for (std::size_t i = 0; i < templates.size(); ++i) {
        const TemplateFacts& facts = *templates[i];
        const std::string where = templates.size() > 1 ? facts.path + ": " : "";
        for (const auto& b : facts.docker_builds) {
            Unit& u = unit(b.context);
            if (!u.sam) u.sam = &b;
            u.templates.insert(i);
        }
        for (const auto& ref : facts.code_refs) {
            const bool folder = has_folder(input.files, ref.path);
            if (!folder && !has_file(input.files, ref.path)) {
                d.notes.push_back(where + ref.resource + ": " + ref.property + " '" + ref.path +
                                  "' is not in the repository (a build output?); not made a "
                                  "component");
                continue;
            }
            Unit& u = unit(ref.path);
            u.is_file = !folder;
            u.code_refs.push_back(&ref);
            u.templates.insert(i);
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

// The config component of a template file.
FoundComponent template_component(const std::string& name, const std::string& path,
                                  std::string reason) {
    FoundComponent t;
    t.name = name;
    t.kind = ComponentKind::config;
    t.folder = path;
    t.is_file = true;
    t.paths = {"/" + glob_escape(path)};
    t.reasons = {std::move(reason)};
    return t;
}

// The templates adopted: the one-stack form's, or one stack each (keyed, with the names of
// their template components taken).
common::Result<std::size_t> adopt_templates(const DiscoverInput& input, const ReadFile& read,
                                            Discovery& d, std::set<std::string>& taken) {
    auto choice = choose_templates(input, read, d.notes);
    if (!choice) return std::unexpected(choice.error());
    d.other_templates = std::move(choice->others);
    if (choice->templates.size() == 1) {
        d.template_facts = std::move(choice->templates.front());
        taken.insert("template");
    }
    if (choice->templates.size() > 1) {
        for (auto& t : choice->templates) d.stacks.push_back({"", std::move(t), "", {}, {}, {}});
        key_stacks(d.stacks);
        for (auto& s : d.stacks) {
            s.template_component = s.key.empty() ? "template" : sanitize_name(s.key + "-template");
            taken.insert(s.template_component);
        }
    }
    return choice->primary;
}

}  // namespace

common::Result<Discovery> discover(const DiscoverInput& input, const ReadFile& read) {
    Discovery d;
    d.project = sanitize_name(input.project.empty() ? "app" : input.project);
    d.region = input.region;
    std::set<std::string> taken;
    auto primary = adopt_templates(input, read, d, taken);
    if (!primary) return std::unexpected(primary.error());
    std::vector<const TemplateFacts*> templates;
    if (d.template_facts) templates.push_back(&*d.template_facts);
    for (const auto& s : d.stacks) templates.push_back(&s.facts);
    for (const auto* t : templates) {
        for (const auto& n : t->notes) d.notes.push_back(t->path + ": " + n);
    }
    const auto packages = find_packages(input.files, read, d.notes);
    const auto units = collect_units(input, packages, templates, read, d);
    check_code_folders(units, input, read, d);
    const auto names = name_units(units, d.project, taken);
    std::map<std::string, std::set<std::size_t>> owners;  // component -> templates using it
    for (const auto& [folder, u] : units) {
        d.components.push_back(make_component(u, names.at(folder), input.files));
        owners[names.at(folder)] = u.templates;
    }
    link_dependencies(d.components, units, names, d.notes);
    if (d.stacks.empty())
        d.unmatched_parameters =
            assign_parameters(d.components, d.template_facts, packages, d.notes, d.warnings);
    if (d.template_facts) {
        d.components.push_back(template_component("template", d.template_facts->path,
                                                  "the CloudFormation template: a change deploys"));
    }
    for (std::size_t i = 0; i < d.stacks.size(); ++i) {
        const auto& s = d.stacks[i];
        d.components.push_back(template_component(
            s.template_component, s.facts.path,
            "the CloudFormation template of a stack: a change deploys that stack"));
        owners[s.template_component] = {i};
    }
    if (d.components.empty()) {
        return common::fail(common::ErrorCode::input,
                            "found nothing to make a component of: no Dockerfile, workspace "
                            "package, pyproject.toml, go.mod or CloudFormation template");
    }
    std::sort(d.components.begin(), d.components.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    if (!d.stacks.empty()) assign_stacks(d, owners, *primary, packages);
    d.environments = environments_for(input.refs, d.project);
    d.commit_url = commit_url_for(input.origin_url);
    if (d.template_facts) {
        for (auto& e : d.environments) e.parameters = stage_values(d.unmatched_parameters, e);
    }
    if (!d.stacks.empty()) stack_environments(d);
    if (std::any_of(input.files.begin(), input.files.end(),
                    [](const std::string& f) { return f.ends_with(".md"); }))
        d.ignore.push_back("**/*.md");
    return d;
}

}  // namespace adopt
