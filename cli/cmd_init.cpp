// `slipway init`: inspect the repository and write a starter slipway.yml (the adopt
// library does the work; docs/init.md describes the rules).
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "adopt/discover.hpp"
#include "adopt/starter_manifest.hpp"
#include "cli/command.hpp"
#include "diff/repository.hpp"

namespace cli {
namespace {

namespace fs = std::filesystem;

struct InitOptions {
    std::string repo = ".";
    std::string template_file;
    bool force = false;
};

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

common::Result<int> run_init(const InitOptions& o) {
    auto repo = diff::Repository::open(o.repo);
    if (!repo) return std::unexpected(repo.error());
    fs::path root = fs::weakly_canonical(repo->root());
    if (!root.has_filename()) root = root.parent_path();  // "/x/repo/" -> "/x/repo"
    const fs::path target = root / "slipway.yml";
    if (auto ok = adopt::refuse_to_overwrite(target, o.force); !ok)
        return std::unexpected(ok.error());
    adopt::DiscoverInput input;
    auto files = repo->work_tree_files();
    if (!files) return std::unexpected(files.error());
    input.files = std::move(*files);
    input.refs = repo->ref_names();
    auto template_path = template_in_repo(root, o.template_file);
    if (!template_path) return std::unexpected(template_path.error());
    input.template_path = *template_path;
    input.project = root.filename().string();
    input.region = env_region();
    auto read = [&root](const std::string& path) -> std::optional<std::string> {
        std::ifstream in(root / path, std::ios::binary);
        if (!in) return std::nullopt;
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    };
    auto found = adopt::discover(input, read);
    if (!found) return std::unexpected(found.error().with_context("inspecting " + root.string()));
    if (auto ok = adopt::write_manifest(target, adopt::starter_manifest(*found), o.force); !ok)
        return std::unexpected(ok.error());
    write_out(adopt::summary(*found));
    write_out(
        fmt::format("wrote {} ({} components, {} environments); check it with "
                    "'slipway validate'\n",
                    target.string(), found->components.size(), found->environments.size()));
    return 0;
}

}  // namespace

Handler setup_init(CLI::App& sub) {
    auto o = std::make_shared<InitOptions>();
    add_project_options(sub, o->repo, nullptr);
    sub.add_option("--template", o->template_file,
                   "the CloudFormation/SAM template (default: the one found in the repository)")
        ->type_name("FILE");
    sub.add_flag("--force", o->force, "overwrite an existing slipway.yml");
    sub.footer(examples({"slipway init", "slipway init --template infra/template.yml --force"}));
    return [o] { return run_init(*o); };
}

}  // namespace cli
