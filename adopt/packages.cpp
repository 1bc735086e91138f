#include "adopt/packages.hpp"

#include <fnmatch.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>
#include <set>
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

// A package.json: its name, the names it depends on at run time (dependencies,
// peerDependencies, optionalDependencies) and in development only (devDependencies).
struct NpmManifest {
    std::string name;
    std::vector<std::string> dependencies;
    std::vector<std::string> dev_dependencies;
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
        auto& into =
            std::string_view(key) == "devDependencies" ? m.dev_dependencies : m.dependencies;
        for (const auto& dep : doc[key].GetObject()) into.emplace_back(dep.name.GetString());
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

// A Python distribution name as PEP 503 compares them: lower case, runs of -_. as one '-'.
std::string normalize_python(std::string_view name) {
    std::string out;
    for (char c : name) {
        const bool sep = c == '-' || c == '_' || c == '.';
        if (sep) {
            if (!out.empty() && out.back() != '-') out += '-';
        } else {
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    return out;
}

// The distribution name a PEP 508 requirement starts with ("shared[x]>=1" -> "shared").
std::string requirement_name(std::string_view requirement) {
    std::size_t end = 0;
    while (end < requirement.size() &&
           (std::isalnum(static_cast<unsigned char>(requirement[end])) ||
            std::string_view("-_.").find(requirement[end]) != std::string_view::npos))
        ++end;
    return normalize_python(requirement.substr(0, end));
}

// A pyproject.toml, read line by line (enough of TOML for what packaging tools write): the
// project's name; the names it needs at run time ([project] dependencies, Poetry's
// [tool.poetry.dependencies]) and only in development (dependency groups, optional
// dependencies, Poetry's groups, uv's dev-dependencies); and the local folders its sources
// point at (`path = "..."`), by the name they provide.
struct PyProject {
    std::string name;
    std::set<std::string> runtime, dev;
    std::map<std::string, std::string> paths;  // normalised name -> relative folder
};

bool dev_section(const std::string& section) {
    return section == "[dependency-groups]" || section == "[project.optional-dependencies]" ||
           section.starts_with("[tool.poetry.group.") ||
           section == "[tool.poetry.dev-dependencies]";
}

PyProject read_pyproject(const std::string& text) {
    static const std::regex name(R"(^\s*name\s*=\s*["']([^"']+)["'])");
    static const std::regex key(R"(^\s*["']?([A-Za-z0-9._-]+)["']?\s*=)");
    static const std::regex path(R"(\bpath\s*=\s*["']([^"']+)["'])");
    static const std::regex quoted(R"(["']([^"']+)["'])");
    PyProject out;
    std::istringstream in(text);
    std::string line, section, array;  // array: the key of a [...] list being read
    std::smatch m;
    auto take_requirements = [&](const std::string& chunk, std::set<std::string>& into) {
        for (auto it = std::sregex_iterator(chunk.begin(), chunk.end(), quoted);
             it != std::sregex_iterator(); ++it)
            if (auto n = requirement_name((*it)[1].str()); !n.empty()) into.insert(n);
    };
    while (std::getline(in, line)) {
        line = line.substr(0, line.find(" #"));
        if (!array.empty()) {
            take_requirements(line.substr(0, line.find(']')),
                              array == "dev" ? out.dev : out.runtime);
            if (line.find(']') != std::string::npos) array.clear();
            continue;
        }
        if (line.starts_with("[")) {
            section = line.substr(0, line.find(']') + 1);
            continue;
        }
        if (out.name.empty() && (section == "[project]" || section == "[tool.poetry]") &&
            std::regex_search(line, m, name))
            out.name = m[1];
        if (!std::regex_search(line, m, key)) continue;
        const std::string k = m[1];
        const bool list = line.find('[', line.find('=')) != std::string::npos;
        const bool deps = (section == "[project]" && k == "dependencies") ||
                          (section == "[tool.uv]" && k == "dev-dependencies") ||
                          (dev_section(section) && list);
        if (deps && list) {
            const std::string kind = section == "[project]" ? "runtime" : "dev";
            const auto open = line.find('[', line.find('='));
            take_requirements(line.substr(open, line.find(']', open) - open),
                              kind == "dev" ? out.dev : out.runtime);
            if (line.find(']', open) == std::string::npos) array = kind;
            continue;
        }
        if (section == "[tool.poetry.dependencies]" && k != "python")
            out.runtime.insert(normalize_python(k));
        if (dev_section(section)) out.dev.insert(normalize_python(k));
        if (std::regex_search(line, m, path)) out.paths[normalize_python(k)] = m[1];
    }
    return out;
}

struct Found {
    Package package;
    std::vector<std::string> wants_names;    // npm names, Go module paths, Python names
    std::vector<std::string> wants_folders;  // resolved folders
    std::vector<std::string> dev_names;      // wanted only in development
    std::vector<std::string> dev_folders;
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
        if (!f.package.name.empty()) {
            const std::string n = f.package.kind == PackageKind::python
                                      ? normalize_python(f.package.name)
                                      : f.package.name;
            by_name[{f.package.kind, n}] = f.package.folder;
        }
        by_folder[{f.package.kind, f.package.folder}] = f.package.folder;
    }
    auto folders = [&](const Found& f, const std::vector<std::string>& names,
                       const std::vector<std::string>& paths) {
        std::vector<std::string> deps;
        for (const auto& n : names) {
            if (auto it = by_name.find({f.package.kind, n}); it != by_name.end())
                deps.push_back(it->second);
        }
        for (const auto& d : paths) {
            if (auto it = by_folder.find({f.package.kind, d}); it != by_folder.end())
                deps.push_back(it->second);
        }
        std::erase(deps, f.package.folder);
        std::sort(deps.begin(), deps.end());
        deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
        return deps;
    };
    for (auto& f : found) {
        f.package.depends_on = folders(f, f.wants_names, f.wants_folders);
        auto dev = folders(f, f.dev_names, f.dev_folders);
        std::erase_if(dev, [&](const std::string& d) {
            return std::binary_search(f.package.depends_on.begin(), f.package.depends_on.end(), d);
        });
        f.package.dev_depends_on = std::move(dev);
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
        f.dev_names = m->dev_dependencies;
    } else if (name == "go.mod") {
        auto mod = read_go_mod(text);
        f.package.kind = PackageKind::go;
        f.package.name = mod.module;
        f.wants_names = mod.required;
        add_local_folders(f, mod.local_replacements);
    } else {
        const PyProject py = read_pyproject(text);
        f.package.kind = PackageKind::python;
        f.package.name = py.name;
        // A name needed at run time counts, whether a source points at its folder or the
        // workspace provides it (uv's `workspace = true`, resolved by name).
        std::vector<std::string> runtime_paths, dev_paths;
        for (const auto& [dep, folder] : py.paths)
            (py.runtime.contains(dep) || !py.dev.contains(dep) ? runtime_paths : dev_paths)
                .push_back(folder);
        f.wants_names.assign(py.runtime.begin(), py.runtime.end());
        for (const auto& d : py.dev)
            if (!py.runtime.contains(d)) f.dev_names.push_back(d);
        add_local_folders(f, runtime_paths);
        for (const auto& r : dev_paths)
            if (auto folder = join_relative(f.package.folder, r)) f.dev_folders.push_back(*folder);
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
