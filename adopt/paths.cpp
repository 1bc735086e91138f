#include "adopt/paths.hpp"

#include <algorithm>
#include <set>
#include <string_view>
#include <vector>

namespace adopt {
namespace {

// Appends the segments of `text` to `parts`, resolving "." and ".."; false when ".."
// climbs above the root.
bool push_segments(const std::string& text, std::vector<std::string>& parts) {
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto end = std::min(text.find('/', start), text.size());
        const std::string part = text.substr(start, end - start);
        if (part == "..") {
            if (parts.empty()) return false;
            parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        start = end + 1;
    }
    return true;
}

}  // namespace

std::optional<std::string> join_relative(const std::string& base, const std::string& path) {
    if (path.starts_with("/")) return std::nullopt;
    std::vector<std::string> parts;
    if (!push_segments(base, parts) || !push_segments(path, parts)) return std::nullopt;
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
    return out;
}

std::string parent_folder(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? "" : path.substr(0, slash);
}

std::string base_name(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool skipped_folder(const std::string& folder) {
    std::size_t start = 0;
    while (start < folder.size()) {
        const auto end = std::min(folder.find('/', start), folder.size());
        const std::string_view part(folder.data() + start, end - start);
        if (part.starts_with(".") || part == "node_modules" || part == "vendor") return true;
        start = end + 1;
    }
    return false;
}

bool has_file(const std::vector<std::string>& files, const std::string& path) {
    return std::binary_search(files.begin(), files.end(), path);
}

bool has_folder(const std::vector<std::string>& files, const std::string& folder) {
    const std::string prefix = folder + "/";
    auto it = std::lower_bound(files.begin(), files.end(), prefix);
    return it != files.end() && it->starts_with(prefix);
}

bool non_deployable(const std::string& folder, bool templates_too) {
    static const std::set<std::string, std::less<>> names = {
        "example", "examples", "test",         "tests", "__tests__", "testdata",  "test-data",
        "fixture", "fixtures", "__fixtures__", "e2e",   "scaffold",  "scaffolds", "blueprints"};
    std::size_t start = 0;
    while (start < folder.size()) {
        const auto end = std::min(folder.find('/', start), folder.size());
        const std::string_view part(folder.data() + start, end - start);
        if (names.contains(part) || part.find("{{") != std::string_view::npos ||
            part.find("<%") != std::string_view::npos ||
            (templates_too && (part == "template" || part == "templates")))
            return true;
        start = end + 1;
    }
    return false;
}

}  // namespace adopt
