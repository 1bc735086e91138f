#include "cli/project.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/command.hpp"
#include "cli/runtime.hpp"
#include "components/manifest_cache.hpp"

namespace cli {

common::Result<components::Manifest> load_project_manifest(const diff::Repository* repo,
                                                           const std::string& manifest_flag,
                                                           const std::string& head) {
    if (!manifest_flag.empty()) return components::load_manifest(manifest_flag);
    if (!repo) return components::load_manifest("slipway.yml");
    if (!manifest_comes_from_git(repo, manifest_flag, head)) {
        const auto path = repo->root() / "slipway.yml";
        std::ifstream in(path, std::ios::binary);
        if (!in)
            return common::fail(common::ErrorCode::input, "cannot read manifest " + path.string());
        std::stringstream text;
        text << in.rdbuf();
        return components::parse_manifest_cached(text.str(), path.string(),
                                                 repo->root() / ".slipway" / "cache");
    }
    auto head_id = repo->resolve_commit(head);
    if (!head_id) return std::unexpected(head_id.error());
    auto text = repo->read_file(*head_id, "slipway.yml");
    if (!text) return std::unexpected(text.error().with_context("reading the manifest"));
    return components::parse_manifest(*text, head + ":slipway.yml");
}

bool manifest_comes_from_git(const diff::Repository* repo, const std::string& manifest_flag,
                             const std::string& head) {
    return repo && manifest_flag.empty() && (repo->is_bare() || head != "HEAD");
}

std::string unquote_path(std::string_view text) {
    if (text.size() < 2 || text.front() != '"' || text.back() != '"') return std::string(text);
    std::string out;
    for (std::size_t i = 1; i + 1 < text.size(); ++i) {
        char c = text[i];
        if (c != '\\' || i + 2 >= text.size()) {
            out += c;
            continue;
        }
        char e = text[++i];
        switch (e) {
            case 'a':
                out += '\a';
                break;
            case 'b':
                out += '\b';
                break;
            case 't':
                out += '\t';
                break;
            case 'n':
                out += '\n';
                break;
            case 'v':
                out += '\v';
                break;
            case 'f':
                out += '\f';
                break;
            case 'r':
                out += '\r';
                break;
            case '0':
            case '1':
            case '2':
            case '3':
            case '4':
            case '5':
            case '6':
            case '7': {
                int value = e - '0';
                for (int k = 0;
                     k < 2 && i + 2 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '7';
                     ++k) {
                    value = value * 8 + (text[++i] - '0');
                }
                out += static_cast<char>(value);
                break;
            }
            default:
                out += e;
        }
    }
    return out;
}

common::Result<std::vector<std::string>> read_path_list(const std::string& file) {
    std::ifstream in;
    std::istream* stream = &std::cin;
    if (file != "-") {
        in.open(file, std::ios::binary);
        if (!in)
            return common::fail(common::ErrorCode::input, "cannot read changed-files list " + file);
        stream = &in;
    }
    std::vector<std::string> paths;
    std::string line;
    while (std::getline(*stream, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        std::string path = unquote_path(line);
        while (path.starts_with("./")) path.erase(0, 2);
        paths.push_back(std::move(path));
    }
    return paths;
}

common::Result<std::vector<std::string>> changed_paths(const diff::Repository* repo,
                                                       const diff::DiffRequest& request,
                                                       const std::string& changed_files,
                                                       std::optional<diff::ChangeSet>& changes) {
    if (!changed_files.empty()) return read_path_list(changed_files);
    diff::DiffRequest without_renames = request;
    without_renames.detect_renames = false;  // a rename's two paths arrive as D + A either way
    auto computed = diff::compute_changes(*repo, without_renames);
    if (!computed) return std::unexpected(computed.error());
    changes = std::move(*computed);
    return diff::touched_paths(*changes);
}

void add_project_options(CLI::App& sub, std::string& repo, std::string* manifest) {
    sub.add_option("--repo", repo, "repository (or a folder inside it)");
    if (manifest)
        sub.add_option("--manifest", *manifest, "manifest file (default: slipway.yml at the root)");
}

void write_out(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
}

}  // namespace cli
