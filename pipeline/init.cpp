// See init.hpp. The region comes from AWS_REGION or AWS_DEFAULT_REGION when set; the project
// name is the repository folder's.
#include "pipeline/init.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "adopt/starter_manifest.hpp"
#include "diff/repository.hpp"

namespace pipeline {
namespace {

namespace fs = std::filesystem;

// --template as given (relative to the current folder) made relative to the repository root.
common::Result<std::string> template_in_repo(const fs::path& root, const std::string& given) {
    if (given.empty()) return std::string();
    const auto relative = fs::weakly_canonical(fs::absolute(given)).lexically_relative(root);
    if (relative.empty() || *relative.begin() == "..")
        return common::fail(common::ErrorCode::input,
                            "--template " + given + ": not inside the repository " + root.string());
    return relative.generic_string();
}

std::string env_region() {
    for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
        if (const char* v = std::getenv(name); v && *v) return v;
    }
    return "";
}

}  // namespace

common::Result<InitOutcome> init_project(const InitRequest& r) {
    auto repo = diff::Repository::open(r.repo);
    if (!repo) return std::unexpected(repo.error());
    fs::path root = fs::weakly_canonical(repo->root());
    if (!root.has_filename()) root = root.parent_path();  // "/x/repo/" -> "/x/repo"
    const fs::path target = root / "slipway.yml";
    if (auto ok = adopt::refuse_to_overwrite(target, r.force); !ok)
        return std::unexpected(ok.error());
    adopt::DiscoverInput input;
    auto files = repo->work_tree_files();
    if (!files) return std::unexpected(files.error());
    input.files = std::move(*files);
    input.refs = repo->ref_names();
    auto template_path = template_in_repo(root, r.template_file);
    if (!template_path) return std::unexpected(template_path.error());
    input.template_path = *template_path;
    input.project = root.filename().string();
    input.region = env_region();
    input.origin_url = repo->config_string("remote.origin.url");
    auto read = [&root](const std::string& path) -> std::optional<std::string> {
        std::ifstream in(root / path, std::ios::binary);
        if (!in) return std::nullopt;
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    };
    auto found = adopt::discover(input, read);
    if (!found) return std::unexpected(found.error().with_context("inspecting " + root.string()));
    if (auto ok = adopt::write_manifest(target, adopt::starter_manifest(*found), r.force); !ok)
        return std::unexpected(ok.error());
    return InitOutcome{target, std::move(*found)};
}

}  // namespace pipeline
