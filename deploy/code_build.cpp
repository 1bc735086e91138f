// See code_build.hpp. A folder counts as built when it holds what the language's install
// leaves there: Python packages' *.dist-info folders, node_modules/, a Go `bootstrap`
// executable, Bundler's vendor/bundle/, a Java build's lib/*.jar. Java, .NET and Rust
// sources are never deployable as they are.
#include "deploy/code_build.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <array>
#include <string_view>

namespace deploy {
namespace {

bool has(const std::vector<std::string>& files, std::string_view name) {
    return std::find(files.begin(), files.end(), name) != files.end();
}

bool any_with(const std::vector<std::string>& files, auto&& test) {
    return std::any_of(files.begin(), files.end(), test);
}

// An installed package's metadata folder, at the top (a function) or under python/ (a
// layer's layout).
bool top_level_dist_info(const std::string& path) {
    std::string_view f = path;
    if (f.starts_with("python/")) f.remove_prefix(7);
    const auto slash = f.find('/');
    return slash != std::string::npos && f.substr(0, slash).ends_with(".dist-info");
}

// A package.json that declares runtime dependencies.
bool npm_dependencies(const std::optional<std::string>& text) {
    if (!text) return false;
    rapidjson::Document doc;
    doc.Parse(text->c_str());
    return !doc.HasParseError() && doc.IsObject() && doc.HasMember("dependencies") &&
           doc["dependencies"].IsObject() && doc["dependencies"].MemberCount() > 0;
}

// A requirements.txt naming at least one requirement (comments and blank lines aside).
bool python_requirements(const std::optional<std::string>& text) {
    if (!text) return false;
    std::size_t start = 0;
    while (start < text->size()) {
        const auto end = std::min(text->find('\n', start), text->size());
        const std::string_view line = std::string_view(*text).substr(start, end - start);
        const auto first = line.find_first_not_of(" \t\r");
        if (first != std::string_view::npos && line[first] != '#') return true;
        start = end + 1;
    }
    return false;
}

}  // namespace

std::optional<UnbuiltCode> unbuilt_code(
    const std::vector<std::string>& files,
    const std::function<std::optional<std::string>(const std::string&)>& read) {
    const bool python_built = any_with(files, top_level_dist_info);
    if (has(files, "requirements.txt") && !python_built &&
        python_requirements(read("requirements.txt")))
        return UnbuiltCode{"requirements.txt", "installed packages (*.dist-info)"};
    for (const char* f : {"pyproject.toml", "Pipfile"}) {
        if (has(files, f) && !python_built)
            return UnbuiltCode{f, "installed packages (*.dist-info)"};
    }
    if (has(files, "package.json") &&
        !any_with(files, [](const std::string& f) { return f.starts_with("node_modules/"); }) &&
        npm_dependencies(read("package.json")))
        return UnbuiltCode{"package.json", "node_modules/"};
    if (has(files, "go.mod") && !has(files, "bootstrap"))
        return UnbuiltCode{"go.mod", "a compiled bootstrap"};
    if (has(files, "Gemfile") &&
        !any_with(files, [](const std::string& f) { return f.starts_with("vendor/bundle/"); }))
        return UnbuiltCode{"Gemfile", "vendor/bundle/"};
    const bool jars = any_with(
        files, [](const std::string& f) { return f.starts_with("lib/") && f.ends_with(".jar"); });
    for (const char* f : {"pom.xml", "build.gradle", "build.gradle.kts"}) {
        if (has(files, f) && !jars) return UnbuiltCode{f, "compiled classes (lib/*.jar)"};
    }
    if (has(files, "Cargo.toml") && !has(files, "bootstrap"))
        return UnbuiltCode{"Cargo.toml", "a compiled bootstrap"};
    for (const auto& f : files) {
        if (f.find('/') == std::string::npos && f.ends_with(".csproj"))
            return UnbuiltCode{f, "a published build (dotnet publish)"};
    }
    return std::nullopt;
}

bool is_code_property(std::string_view property) {
    return property == "Code" || property == "CodeUri" || property == "Content" ||
           property == "ContentUri";
}

std::string unbuilt_code_message(const std::string& folder, const UnbuiltCode& why) {
    return folder + " has " + why.manifest + " but no " + why.missing +
           ": zipped as it is, the function would deploy without its dependencies; build it "
           "first (`sam build`, then deploy .aws-sam/build/template.yaml: the environment's "
           "template) and package the built folder";
}

}  // namespace deploy
