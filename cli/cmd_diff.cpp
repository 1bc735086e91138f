// `slipway diff`: what changed between two refs, printed exactly as `git diff` would.
#include "cli/command.hpp"
#include "diff/format.hpp"
#include "diff/tree_diff.hpp"

namespace cli {
namespace {

struct DiffOptions {
    std::string repo = ".";
    diff::DiffRequest request;
    bool name_only = false;
    bool name_status = false;
    bool json = false;
    bool nul = false;
};

common::Result<int> run_diff(const DiffOptions& o) {
    auto repo = diff::Repository::open(o.repo);
    if (!repo) return std::unexpected(repo.error());
    auto changes = diff::compute_changes(*repo, o.request);
    if (!changes) return std::unexpected(changes.error());
    auto format = o.json        ? diff::DiffFormat::json
                  : o.name_only ? diff::DiffFormat::name_only
                                : diff::DiffFormat::name_status;
    write_out(
        diff::format_changes(*changes, format, o.nul, repo->config_bool("core.quotePath", true)));
    return 0;
}

}  // namespace

Handler setup_diff(CLI::App& sub) {
    auto o = std::make_shared<DiffOptions>();
    add_project_options(sub, o->repo, nullptr);
    sub.add_option("--base", o->request.base, "base ref")->required()->type_name("REF");
    sub.add_option("--head", o->request.head, "head ref (default HEAD)")->type_name("REF");
    sub.add_flag("--two-dot", o->request.two_dot,
                 "compare BASE and HEAD directly (git diff BASE HEAD)");
    sub.add_flag("--include-uncommitted", o->request.include_uncommitted,
                 "add staged, unstaged and untracked work-tree changes to the head side");
    auto* only = sub.add_flag("--name-only", o->name_only, "print changed paths only");
    auto* status =
        sub.add_flag("--name-status", o->name_status, "print status and paths (default)");
    auto* json = sub.add_flag("--json", o->json, "print JSON");
    only->excludes(status, json);
    status->excludes(json);
    sub.add_flag("-z", o->nul, "NUL-terminated output, paths unquoted (as git's -z)");
    sub.footer(examples({"slipway diff --base origin/main",
                         "slipway diff --base v1.2 --head v1.3 --two-dot --name-only"}));
    return [o] { return run_diff(*o); };
}

}  // namespace cli
