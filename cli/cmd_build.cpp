// `slipway build`: build exactly the selected components, in parallel and in dependency
// order, each with the next build number of its component, and record everything
// (pipeline/builds.hpp). Options in, the pipeline called, the report printed.
#include <fmt/format.h>

#include "cli/command.hpp"
#include "cli/observer.hpp"
#include "common/text.hpp"
#include "pipeline/builds.hpp"
#include "pipeline/documents.hpp"
#include "pipeline/host.hpp"
#include "pipeline/reuse.hpp"
#include "pipeline/services.hpp"

namespace cli {
namespace {

using versioning::BuildStatus;

struct BuildOptions {
    pipeline::ProjectRequest project;
    pipeline::BuildRequest request;
    bool dry_run = false;
    bool no_reuse = false;
    bool json = false;
    bool quiet = false;
};

// What a dry run says of a build it would reuse: whose, and whether its image was seen.
std::string reuse_note(const pipeline::ProspectiveBuild& b) {
    if (!b.reused_number) return "";
    return fmt::format("  (would reuse #{}{}: same inputs, {})", b.reused_number,
                       b.reused_from.empty() ? "" : " from " + b.reused_from,
                       b.reused_image_checked ? "image found in ECR just now"
                                              : "not an ECR image: taken on trust");
}

// --dry-run: what would be built, with the numbers and images it would take; no writes. A
// build to reuse is chosen as a run chooses it: its ECR image is looked up (reuse.hpp).
common::Result<int> print_plan(const BuildOptions& o, const pipeline::Project& p,
                               const pipeline::SelectedBuilds& selected,
                               versioning::VersionStore* store) {
    const auto& plan = selected.builds.plan;
    std::vector<std::optional<components::Reusable>> reusable;
    if (store && !o.no_reuse && plan.size()) {
        auto services = pipeline::system_services(*store, p.store_url, p.root);
        ConsoleObserver observer(true, false, true);
        auto found = pipeline::reusable_builds(selected.builds, services, observer);
        if (!found) return std::unexpected(found.error());
        reusable = std::move(*found);
    }
    auto prospective = pipeline::prospective_builds(p, selected.builds, store, reusable,
                                                    o.request.env, pipeline::now_millis());
    if (!prospective) return std::unexpected(prospective.error());
    if (o.json) {
        write_out(pipeline::build_plan_json(plan, *prospective, p.head));
        return 0;
    }
    std::string out = plan.size() ? "" : "nothing to build\n";
    for (std::size_t i = 0; i < plan.size(); ++i) {
        const auto& b = (*prospective)[i];
        std::string waits;
        for (auto w : plan.at(i).waits_for)
            waits += (waits.empty() ? " after " : ", ") + plan.at(w).component;
        out += fmt::format("{:<24} #{:<5} {}{}{}\n", b.component, b.next_number, b.next_image,
                           waits, reuse_note(b));
    }
    write_out(out);
    return 0;
}

std::string report_table(const components::BuildReport& r) {
    std::string out = fmt::format("{:<24} {:<11} {:<7} {:<8} {}\n", "component", "status", "build",
                                  "time", "image");
    for (const auto& b : r.builds) {
        out += fmt::format("{:<24} {:<11} {:<7} {:<8} {}\n", b.component,
                           versioning::to_string(b.status),
                           b.build_number ? "#" + std::to_string(b.build_number) : "-",
                           b.status == BuildStatus::skipped
                               ? "-"
                               : common::format_duration(b.finished_at - b.started_at),
                           b.image_uri.empty() ? "-" : b.image_uri);
    }
    return out;
}

common::Result<int> run_build(BuildOptions o) {
    o.project.head = o.request.diff.head;
    o.request.options.reuse = !o.no_reuse;
    o.request.trigger = pipeline::current_trigger();
    auto project = pipeline::open_project(o.project);
    if (!project) return std::unexpected(project.error());
    auto selected = pipeline::select_builds(*project, o.request);
    if (!selected) return std::unexpected(selected.error());
    if (o.dry_run) {
        auto store = pipeline::open_store_at(project->store_url, project->root, true);
        if (!store) return std::unexpected(store.error());
        return print_plan(o, *project, *selected, store->get());
    }
    if (selected->builds.plan.size() == 0) {
        write_out(o.json ? pipeline::build_report_json({}, "", project->head)
                         : "nothing to build\n");
        return 0;
    }
    auto store = pipeline::open_store_at(project->store_url, project->root, false);
    if (!store) return std::unexpected(store.error());
    auto services = pipeline::system_services(**store, project->store_url, project->root);
    ConsoleObserver observer(o.quiet, false);
    auto done = pipeline::run_build_command(*project, o.request, *selected, services, observer);
    if (!done) return std::unexpected(done.error());
    write_out(o.json ? pipeline::build_report_json(done->report, done->run_id, project->head)
                     : report_table(done->report));
    return pipeline::exit_status(done->report);
}

}  // namespace

Handler setup_build(CLI::App& sub) {
    auto o = std::make_shared<BuildOptions>();
    add_project_options(sub, o->project.repo, &o->project.manifest);
    add_store_option(sub, o->project.store);
    sub.add_option("--base", o->request.diff.base, "build the components affected since this ref")
        ->type_name("REF");
    sub.add_option("--head", o->request.diff.head, "head ref (default HEAD)")->type_name("REF");
    sub.add_flag("--two-dot", o->request.diff.two_dot, "compare BASE and HEAD directly");
    sub.add_flag("--all", o->request.all, "build every component");
    sub.add_option("--only", o->request.only, "build these components (comma-separated)")
        ->delimiter(',')
        ->type_name("COMPONENT,...");
    sub.add_option("--env", o->request.env, "environment, for {env} in image tags")
        ->type_name("ENV");
    sub.add_option("-j,--jobs", o->request.options.jobs,
                   "builds at once (default: the number of cores)")
        ->check(CLI::Range(1, 4096).description(""))
        ->type_name("N");
    sub.add_flag("--fail-fast", o->request.options.fail_fast,
                 "start nothing new after the first failure (and stop remote builds)");
    sub.add_option("--remote", o->request.options.remote,
                   "run every build on this remote builder: codebuild")
        ->type_name("BUILDER");
    sub.add_flag("--dry-run", o->dry_run,
                 "print the plan, with build numbers and images; change nothing");
    sub.add_flag("--no-reuse", o->no_reuse, "build even when an earlier build had the same inputs");
    sub.add_flag("--json", o->json, "print the result as JSON (docs/json.md)");
    sub.add_flag("-q,--quiet", o->quiet, "do not echo build output (it is still logged)");
    sub.footer(examples({"slipway build --base origin/main --dry-run",
                         "slipway build --only api,web -j 2", "slipway build --all --json"}));
    return [o] { return run_build(*o); };
}

}  // namespace cli
