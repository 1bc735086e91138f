// See project.hpp.
#include "pipeline/project.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "common/path_text.hpp"
#include "common/text.hpp"
#include "pipeline/host.hpp"

namespace pipeline {

common::Result<components::Manifest> load_project_manifest(const diff::Repository* repo,
                                                           const std::string& manifest_flag,
                                                           const std::string& head,
                                                           components::ComponentGraph* graph) {
    if (!manifest_flag.empty()) return components::load_manifest(manifest_flag, graph);
    if (!repo) return components::load_manifest("slipway.yml", graph);
    if (!manifest_comes_from_git(repo, manifest_flag, head)) {
        return components::load_manifest((repo->root() / "slipway.yml").string(), graph);
    }
    auto head_id = repo->resolve_commit(head);
    if (!head_id) return std::unexpected(head_id.error());
    auto text = repo->read_file(*head_id, "slipway.yml");
    if (!text) return std::unexpected(text.error().with_context("reading the manifest"));
    return components::parse_manifest(std::move(*text), head + ":slipway.yml", graph);
}

bool manifest_comes_from_git(const diff::Repository* repo, const std::string& manifest_flag,
                             const std::string& head) {
    return repo && manifest_flag.empty() && (repo->is_bare() || head != "HEAD");
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
        std::string path = common::unquote_path(line);
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

std::string store_url(const std::string& flag, const components::Manifest* manifest) {
    if (!flag.empty()) return flag;
    if (const char* env = std::getenv("SLIPWAY_STORE"); env && *env) return env;
    if (manifest && !manifest->store.empty()) return manifest->store;
    return "sqlite:.slipway/state.db";
}

namespace {

// Whether `path` lies in <root>/.slipway, however it is spelt ("./.slipway/x.db", a
// subfolder, an absolute path): slipway's folder must then ignore itself.
bool in_slipway_dir(const std::filesystem::path& path, const std::string& root) {
    const auto top = (std::filesystem::path(root) / ".slipway").lexically_normal();
    const auto normal = path.lexically_normal();
    auto t = top.begin();
    for (auto p = normal.begin(); t != top.end() && p != normal.end() && !t->empty(); ++t, ++p) {
        if (*t != *p) return false;
    }
    return t == top.end() || t->empty();
}

}  // namespace

common::Result<std::unique_ptr<versioning::VersionStore>> open_store_at(const std::string& url,
                                                                        const std::string& root,
                                                                        bool must_exist) {
    if (must_exist && url.starts_with("sqlite:")) {
        std::filesystem::path path = url.substr(7);
        if (path.is_relative()) path = std::filesystem::path(root) / path;
        if (!std::filesystem::exists(path)) return std::unique_ptr<versioning::VersionStore>();
    }
    if (url.starts_with("sqlite:")) {
        std::filesystem::path path = url.substr(7);
        if (path.is_relative()) path = std::filesystem::path(root) / path;
        if (in_slipway_dir(path, root)) slipway_dir(root, "");
    }
    return versioning::open_store(url, root);
}

common::Result<const components::Environment*> Project::environment(const std::string& name) const {
    std::vector<std::string> names;
    for (const auto& e : manifest.environments) {
        if (e.name == name) return &e;
        names.push_back(e.name);
    }
    std::string message = manifest.file + ": unknown environment '" + name + "'";
    message += common::did_you_mean(name, names);
    std::string all;
    for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
    message += all.empty() ? "; the manifest has no environments" : "; environments: " + all;
    return common::fail(common::ErrorCode::input, message);
}

common::Result<Project> open_project(const ProjectRequest& r) {
    Project p;
    if (auto repo = diff::Repository::open(r.repo)) p.repo = std::move(*repo);
    p.root = p.repo ? p.repo->root().string() : std::filesystem::absolute(r.repo).string();
    // Another work tree: the manifest of the head commit (not of the repository's files).
    const std::string head = !r.work_tree.empty() && r.head == "HEAD" ? "HEAD^{commit}" : r.head;
    // Outside a repository, the folder's own slipway.yml (not the current directory's).
    const std::string manifest_flag = !p.repo && r.manifest.empty()
                                          ? (std::filesystem::path(p.root) / "slipway.yml").string()
                                          : r.manifest;
    auto manifest =
        load_project_manifest(p.repo ? &*p.repo : nullptr, manifest_flag, head, &p.graph);
    if (!manifest) return std::unexpected(manifest.error());
    p.manifest = std::move(*manifest);
    if (p.repo) {
        auto commit = p.repo->resolve_commit(r.head);
        if (!commit) return std::unexpected(commit.error());
        p.head = *commit;
    }
    p.store_url = store_url(r.store, &p.manifest);
    if (!r.work_tree.empty()) p.root = std::filesystem::absolute(r.work_tree).string();
    p.state_dir = r.state_dir;
    return p;
}

std::string log_dir(const Project& p, const std::string& run_id) {
    if (p.state_dir.empty()) return slipway_dir(p.root, "logs/" + run_id);
    const auto dir = std::filesystem::path(p.state_dir) / "logs" / run_id;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    return dir.string();
}

common::Result<OpenedProject> open_project_with_store(const ProjectRequest& r) {
    auto project = open_project(r);
    if (!project) return std::unexpected(project.error());
    auto store = open_store_at(project->store_url, project->root, false);
    if (!store) return std::unexpected(store.error());
    return OpenedProject{std::move(*project), std::move(*store)};
}

components::ReadTreeFile commit_reader(const diff::Repository& repo, const std::string& commit) {
    return [&repo, commit](const std::string& path) -> common::Result<std::optional<std::string>> {
        auto text = repo.read_file(commit, path);
        if (text) return std::optional<std::string>(std::move(*text));
        if (text.error().code == common::ErrorCode::input) return std::nullopt;
        return std::unexpected(text.error());
    };
}

components::ReadTreeFile work_tree_reader(const std::string& root) {
    return [root](const std::string& path) -> common::Result<std::optional<std::string>> {
        const auto full = std::filesystem::path(root) / path;
        std::error_code ec;
        if (!std::filesystem::is_regular_file(full, ec)) return std::nullopt;
        std::ifstream in(full, std::ios::binary);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!in && !in.eof())
            return common::fail(common::ErrorCode::input, "cannot read " + full.string());
        return std::optional<std::string>(std::move(text));
    };
}

common::Result<components::Selector> project_selector(const Project& p) {
    components::Selector selector(p.manifest, p.graph);
    if (!selector.docker().empty() && p.repo) {
        if (auto ok = selector.load_docker_ignores(commit_reader(*p.repo, p.head)); !ok)
            return std::unexpected(ok.error());
    }
    return selector;
}

}  // namespace pipeline
