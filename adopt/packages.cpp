#include "adopt/packages.hpp"

#include <fnmatch.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <map>
#include <regex>
#include <sstream>
#include <tuple>

#include "adopt/paths.hpp"
#include "common/yaml.hpp"

namespace adopt {
namespace {

std::vector<std::string> segments(std::string_view path) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= path.size()) {
        const auto end = std::min(path.find('/', start), path.size());
        if (end > start && path.substr(start, end - start) != ".")
            out.emplace_back(path.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

bool match_from(const std::vector<std::string>& pattern, std::size_t i,
                const std::vector<std::string>& path, std::size_t j) {
    if (i == pattern.size()) return j == path.size();
    if (pattern[i] == "**") {
        for (std::size_t k = j; k <= path.size(); ++k) {
            if (match_from(pattern, i + 1, path, k)) return true;
        }
        return false;
    }
    if (j == path.size() || fnmatch(pattern[i].c_str(), path[j].c_str(), FNM_PERIOD) != 0)
        return false;
    return match_from(pattern, i + 1, path, j + 1);
}

// A package.json: its name and the names it depends on.
struct NpmManifest {
    std::string name;
    std::vector<std::string> dependencies;
};

std::optional<NpmManifest> read_package_json(const std::string& text) {
    rapidjson::Document doc;
    doc.Parse(text.c_str());
    if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
    NpmManifest m;
    if (doc.HasMember("name") && doc["name"].IsString()) m.name = doc["name"].GetString();
    for (const char* key :
         {"dependencies", "devDependencies", "peerDependencies", "optionalDependencies"}) {
        if (!doc.HasMember(key) || !doc[key].IsObject()) continue;
        for (const auto& dep : doc[key].GetObject())
            m.dependencies.emplace_back(dep.name.GetString());
    }
    return m;
}

// A go.mod: its module path, what it requires and the local folders it replaces with.
struct GoMod {
    std::string module;
    std::vector<std::string> required;
    std::vector<std::string> local_replacements;
};

std::string unquote(std::string word) {
    if (word.size() >= 2 && (word.front() == '"' || word.front() == '`'))
        return word.substr(1, word.size() - 2);
    return word;
}

GoMod read_go_mod(const std::string& text) {
    GoMod mod;
    std::istringstream in(text);
    std::string line, block;
    while (std::getline(in, line)) {
        line = line.substr(0, line.find("//"));
        std::istringstream words(line);
        std::string first;
        if (!(words >> first)) continue;
        if (first == ")") {
            block.clear();
            continue;
        }
        std::string directive = block, rest = line;
        if (block.empty()) {
            directive = first;
            std::string second;
            if (!(words >> second)) continue;
            if (second == "(") {
                block = first;
                continue;
            }
            rest = line.substr(line.find(first) + first.size());
        }
        std::istringstream args(rest);
        std::string word;
        args >> word;
        if (directive == "module") mod.module = unquote(word);
        if (directive == "require") mod.required.push_back(unquote(word));
        if (directive == "replace" && rest.find("=>") != std::string::npos) {
            std::istringstream target(rest.substr(rest.find("=>") + 2));
            std::string to;
            target >> to;
            if (to.starts_with("./") || to.starts_with("../")) mod.local_replacements.push_back(to);
        }
    }
    return mod;
}

// A pyproject.toml: its project name and the folders it points at with `path = "..."`.
std::pair<std::string, std::vector<std::string>> read_pyproject(const std::string& text) {
    static const std::regex name(R"(^\s*name\s*=\s*["']([^"']+)["'])");
    static const std::regex path(R"(\bpath\s*=\s*["']([^"']+)["'])");
    std::string project;
    std::vector<std::string> paths;
    std::istringstream in(text);
    std::string line, section;
    std::smatch m;
    while (std::getline(in, line)) {
        if (line.starts_with("[")) section = line.substr(0, line.find(']') + 1);
        if (project.empty() && (section == "[project]" || section == "[tool.poetry]") &&
            std::regex_search(line, m, name))
            project = m[1];
        for (auto it = std::sregex_iterator(line.begin(), line.end(), path);
             it != std::sregex_iterator(); ++it)
            paths.push_back((*it)[1]);
    }
    return {project, paths};
}

struct Found {
    Package package;
    std::vector<std::string> wants_names;    // npm names, Go module paths
    std::vector<std::string> wants_folders;  // resolved folders
};

void add_local_folders(Found& f, const std::vector<std::string>& relative) {
    for (const auto& r : relative) {
        if (auto folder = join_relative(f.package.folder, r)) f.wants_folders.push_back(*folder);
    }
}

// Ties each package's wants to the folders of other packages of the same kind.
void resolve(std::vector<Found>& found) {
    std::map<std::pair<PackageKind, std::string>, std::string> by_name, by_folder;
    for (const auto& f : found) {
        if (!f.package.name.empty()) by_name[{f.package.kind, f.package.name}] = f.package.folder;
        by_folder[{f.package.kind, f.package.folder}] = f.package.folder;
    }
    for (auto& f : found) {
        std::vector<std::string> deps;
        for (const auto& n : f.wants_names) {
            if (auto it = by_name.find({f.package.kind, n}); it != by_name.end())
                deps.push_back(it->second);
        }
        for (const auto& d : f.wants_folders) {
            if (auto it = by_folder.find({f.package.kind, d}); it != by_folder.end())
                deps.push_back(it->second);
        }
        std::erase(deps, f.package.folder);
        std::sort(deps.begin(), deps.end());
        deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
        f.package.depends_on = std::move(deps);
    }
}

std::vector<std::string> npm_patterns(const ReadFile& read, const std::vector<std::string>& files) {
    auto has = [&](const std::string& f) {
        return std::binary_search(files.begin(), files.end(), f);
    };
    const std::string root = has("package.json") ? read("package.json").value_or("") : "";
    const std::string pnpm =
        has("pnpm-workspace.yaml") ? read("pnpm-workspace.yaml").value_or("") : "";
    return workspace_patterns(root, pnpm);
}

bool in_workspaces(const std::vector<std::string>& patterns, const std::string& folder) {
    bool in = false;
    for (const auto& p : patterns) {
        if (p.starts_with("!")) {
            if (workspace_match(p.substr(1), folder)) in = false;
        } else if (workspace_match(p, folder)) {
            in = true;
        }
    }
    return in;
}

std::optional<Found> read_package(const std::string& file, const std::string& text,
                                  std::vector<std::string>& notes) {
    Found f;
    f.package.folder = parent_folder(file);
    f.package.manifest = file;
    const std::string name = base_name(file);
    if (name == "package.json") {
        auto m = read_package_json(text);
        if (!m) {
            notes.push_back(file + ": not valid JSON; skipped");
            return std::nullopt;
        }
        f.package.kind = PackageKind::npm;
        f.package.name = m->name;
        f.wants_names = m->dependencies;
    } else if (name == "go.mod") {
        auto mod = read_go_mod(text);
        f.package.kind = PackageKind::go;
        f.package.name = mod.module;
        f.wants_names = mod.required;
        add_local_folders(f, mod.local_replacements);
    } else {
        auto [project, paths] = read_pyproject(text);
        f.package.kind = PackageKind::python;
        f.package.name = project;
        add_local_folders(f, paths);
    }
    return f;
}

}  // namespace

std::string describe(PackageKind kind) {
    switch (kind) {
        case PackageKind::npm:
            return "npm workspace";
        case PackageKind::python:
            return "Python package";
        case PackageKind::go:
            return "Go module";
    }
    return "package";
}

bool workspace_match(const std::string& pattern, const std::string& folder) {
    std::string p = pattern;
    if (p.ends_with("/package.json")) p.resize(p.size() - 13);
    return match_from(segments(p), 0, segments(folder), 0);
}

std::vector<std::string> workspace_patterns(const std::string& package_json,
                                            const std::string& pnpm_workspace) {
    std::vector<std::string> out;
    rapidjson::Document doc;
    doc.Parse(package_json.c_str());
    if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("workspaces")) {
        const rapidjson::Value* list = &doc["workspaces"];
        if (list->IsObject() && list->HasMember("packages")) list = &(*list)["packages"];
        if (list->IsArray()) {
            for (const auto& v : list->GetArray())
                if (v.IsString()) out.emplace_back(v.GetString());
        }
    }
    // Text that is not YAML names no pnpm workspaces.
    if (auto pnpm = common::yaml::parse(pnpm_workspace, "pnpm-workspace.yaml")) {
        const common::yaml::Node packages = pnpm->root()["packages"];
        if (packages.is_sequence()) {
            for (const auto v : packages.children())
                if (v.is_scalar()) out.emplace_back(v.scalar());
        }
    }
    return out;
}

std::vector<Package> find_packages(const std::vector<std::string>& files, const ReadFile& read,
                                   std::vector<std::string>& notes) {
    const auto patterns = npm_patterns(read, files);
    std::vector<Found> found;
    for (const auto& file : files) {
        const std::string name = base_name(file), folder = parent_folder(file);
        if (folder.empty() || skipped_folder(folder)) continue;
        if (name != "package.json" && name != "go.mod" && name != "pyproject.toml") continue;
        if (name == "package.json" && !in_workspaces(patterns, folder)) continue;
        auto text = read(file);
        if (!text) {
            notes.push_back(file + ": cannot be read; skipped");
            continue;
        }
        if (auto f = read_package(file, *text, notes)) found.push_back(std::move(*f));
    }
    resolve(found);
    std::vector<Package> out;
    for (auto& f : found) out.push_back(std::move(f.package));
    std::sort(out.begin(), out.end(), [](const Package& a, const Package& b) {
        return std::tie(a.folder, a.kind) < std::tie(b.folder, b.kind);
    });
    return out;
}

}  // namespace adopt
