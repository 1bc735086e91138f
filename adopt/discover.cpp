// The discovery pass of `slipway init` (the rules are in discover.hpp): find the template,
// gather what each folder holds (a Dockerfile, a SAM build context, packaged code, package
// manifests) into units, name them, derive kinds, paths and build commands, link their
// dependencies without cycles, then hand the template's parameters to image components.
#include "adopt/discover.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <tuple>

#include "adopt/parameters.hpp"
#include "adopt/paths.hpp"

namespace adopt {
namespace {

using components::ComponentKind;

// What one folder (or packaged file) holds.
struct Unit {
    std::string folder;
    bool is_file = false;
    bool dockerfile = false;           // <folder>/Dockerfile exists
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

// Candidates: .yml/.yaml/.json/.template files at the root or one folder down that read
// like templates; the root's template.{yaml,yml,json} first, then by depth and path.
std::vector<std::string> template_candidates(const std::vector<std::string>& files,
                                             const ReadFile& read) {
    std::vector<std::string> out;
    for (const auto& f : files) {
        const auto depth = std::count(f.begin(), f.end(), '/');
        if (depth > 1 || skipped_folder(parent_folder(f)) || f == "slipway.yml") continue;
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
                                                           std::vector<std::string>& notes) {
    if (!input.template_path.empty()) {
        auto text = read(input.template_path);
        if (!text)
            return common::fail(common::ErrorCode::input,
                                "reading the template " + input.template_path + ": cannot read it");
        auto facts = scan_template(*text, input.template_path);
        if (!facts) return std::unexpected(facts.error());
        return std::optional<TemplateFacts>(std::move(*facts));
    }
    std::optional<TemplateFacts> chosen;
    for (const auto& path : template_candidates(input.files, read)) {
        if (chosen) {
            notes.push_back(path + " also looks like a template (use --template to choose it)");
            continue;
        }
        auto facts = scan_template(read(path).value_or(""), path);
        if (facts) {
            chosen = std::move(*facts);
        } else {
            notes.push_back(path +
                            " looks like a template but does not parse: " + facts.error().message);
        }
    }
    return chosen;
}

std::map<std::string, Unit> collect_units(const DiscoverInput& input,
                                          const std::vector<Package>& packages,
                                          const std::optional<TemplateFacts>& facts,
                                          std::vector<std::string>& notes) {
    std::map<std::string, Unit> units;
    auto unit = [&](const std::string& folder) -> Unit& {
        Unit& u = units[folder];
        u.folder = folder;
        return u;
    };
    for (const auto& f : input.files) {
        if (base_name(f) == "Dockerfile" && !skipped_folder(parent_folder(f)))
            unit(parent_folder(f)).dockerfile = true;
    }
    for (const auto& p : packages) unit(p.folder).packages.push_back(&p);
    if (!facts) return units;
    for (const auto& b : facts->docker_builds) unit(b.context).sam = &b;
    for (const auto& ref : facts->code_refs) {
        const bool folder = has_folder(input.files, ref.path);
        if (!folder && !has_file(input.files, ref.path)) {
            notes.push_back(ref.resource + ": " + ref.property + " '" + ref.path +
                            "' is not in the repository (a build output?); not made a component");
            continue;
        }
        Unit& u = unit(ref.path);
        u.is_file = !folder;
        u.code_refs.push_back(&ref);
    }
    return units;
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

// Lock files at the root that belong to every package of a kind.
std::vector<std::string> shared_files(PackageKind kind, const std::vector<std::string>& files) {
    static const std::map<PackageKind, std::vector<std::string>> k_shared = {
        {PackageKind::npm, {"package.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml"}},
        {PackageKind::python, {"uv.lock", "poetry.lock"}},
        {PackageKind::go, {"go.work", "go.work.sum"}},
    };
    std::vector<std::string> out;
    for (const auto& f : k_shared.at(kind)) {
        if (has_file(files, f)) out.push_back("/" + f);
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
    } else if (u.dockerfile) {
        c.build = docker_build(u.folder, "Dockerfile");
    }
    if (u.dockerfile) c.reasons.push_back((u.folder.empty() ? "" : u.folder + "/") + "Dockerfile");
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
        for (const auto* p : u.packages) {
            for (const auto& dep : p->depends_on) {
                if (names.contains(dep) && dep != folder)
                    wanted.insert({names.at(folder), names.at(dep)});
            }
        }
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
    auto facts = find_template(input, read, d.notes);
    if (!facts) return std::unexpected(facts.error());
    d.template_facts = std::move(*facts);
    if (d.template_facts) {
        for (const auto& n : d.template_facts->notes)
            d.notes.push_back(d.template_facts->path + ": " + n);
    }
    const auto packages = find_packages(input.files, read, d.notes);
    const auto units = collect_units(input, packages, d.template_facts, d.notes);
    std::set<std::string> taken;
    if (d.template_facts) taken.insert("template");
    const auto names = name_units(units, d.project, taken);
    for (const auto& [folder, u] : units)
        d.components.push_back(make_component(u, names.at(folder), input.files));
    link_dependencies(d.components, units, names, d.notes);
    d.unmatched_parameters = assign_parameters(d.components, d.template_facts, packages, d.notes);
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
    if (std::any_of(input.files.begin(), input.files.end(),
                    [](const std::string& f) { return f.ends_with(".md"); }))
        d.ignore.push_back("**/*.md");
    return d;
}

}  // namespace adopt
