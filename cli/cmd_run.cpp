// `slipway run`: the whole pipeline for an environment (pipeline/run.hpp), on this terminal:
// options in, the pipeline called, its events and outcome rendered (the summary table, and
// --json-report / --junit files).
#include <fmt/format.h>

#include <iostream>

#include "cli/command.hpp"
#include "cli/observer.hpp"
#include "cli/run_report.hpp"
#include "pipeline/run.hpp"

namespace cli {
namespace {

struct RunOptions {
    pipeline::ProjectRequest project;
    pipeline::RunRequest request;
    std::string head;
    bool no_reuse = false;
    bool yes = false;
    bool quiet = false;
    std::string json_report;
    std::string junit;
};

// --plan: the selection, the builds that would run, then the change set they would make.
void print_plan(const pipeline::RunPlan& plan) {
    std::string out = fmt::format("base {} ({})\n",
                                  plan.base_id.empty() ? "-" : plan.base_id.substr(0, 12),
                                  plan.base.reason);
    for (const auto& b : plan.prospective)
        out += fmt::format("would build {:<24} -> {}\n", b.component, b.image_uri());
    if (!plan.deploy_needed) out += "nothing affected: the stack would not be touched\n";
    std::cout << out << std::flush;
}

common::Result<int> run(RunOptions o) {
    o.request.trigger = pipeline::current_trigger();
    o.request.builds.reuse = !o.no_reuse;
    o.project.head = !o.head.empty()                 ? o.head
                     : !o.request.trigger.head.empty() ? o.request.trigger.head
                                                     : "HEAD";
    auto project = pipeline::open_project(o.project);
    if (!project) return std::unexpected(project.error());
    auto store = pipeline::open_store_at(project->store_url, project->root, false);
    if (!store) return std::unexpected(store.error());
    auto services = pipeline::system_services(**store, project->store_url, project->root);
    ConsoleObserver observer(o.quiet, interactive(o.yes));
    auto plan = pipeline::plan_run(*project, o.request, services, observer);
    if (!plan) return std::unexpected(plan.error());
    if (o.request.plan) print_plan(*plan);
    const std::size_t changed = plan->selection.changed.size();
    const std::string stack = plan->env->stack;
    auto outcome = pipeline::execute_run(*project, std::move(*plan), services, observer);
    int exit = outcome.exit;
    if (outcome.deploy) exit = print_deploy(*outcome.deploy, o.request.write_overrides);
    if (outcome.summary.result == "nothing-affected" && !o.request.plan)
        std::cout << fmt::format("nothing affected ({} changed paths): stack {} untouched\n",
                                 changed, stack);
    if (o.request.plan) {
        if (outcome.error) return std::unexpected(*outcome.error);
        return exit;
    }
    std::cout << summary_table(outcome.summary) << std::flush;
    if (auto ok = write_reports(outcome.summary, o.json_report, o.junit); !ok)
        return std::unexpected(ok.error());
    if (outcome.error) return std::unexpected(*outcome.error);
    return outcome.exit;
}

}  // namespace

Handler setup_run(CLI::App& sub) {
    auto o = std::make_shared<RunOptions>();
    add_project_options(sub, o->project.repo, &o->project.manifest);
    sub.add_option("--store", o->project.store,
                   "version store URL (default: sqlite:.slipway/state.db)");
    sub.add_option("--env", o->request.env, "the environment to build for and deploy")->required();
    sub.add_option("--base", o->request.base,
                   "compare with this ref (default auto: the last deployed commit, else the "
                   "environment's base branch)");
    sub.add_option("--head", o->head,
                   "the commit to ship (default: the CI system's commit, else HEAD)");
    sub.add_option("-j,--jobs", o->request.builds.jobs,
                   "builds at once (default: the number of cores)")
        ->check(CLI::PositiveNumber);
    sub.add_flag("--all", o->request.all, "build every component");
    sub.add_flag("--force-deploy", o->request.force_deploy,
                 "deploy even when nothing is affected");
    sub.add_flag("--plan", o->request.plan, "build nothing, record nothing; preview the change set");
    sub.add_flag("-y,--yes", o->yes, "do not ask before executing the change set");
    sub.add_flag("--wait", o->request.wait,
                 "wait for a busy environment or stack instead of exit 3");
    sub.add_flag("--fail-fast", o->request.builds.fail_fast,
                 "start no build after the first failure");
    sub.add_flag("--no-reuse", o->no_reuse, "build even when an earlier build had the same inputs");
    sub.add_flag("-q,--quiet", o->quiet, "do not echo build output (it is still logged)");
    sub.add_option("--json-report", o->json_report, "write the run's report as JSON to FILE");
    sub.add_option("--junit", o->junit, "write a JUnit XML report of the builds to FILE");
    sub.add_option("--write-overrides", o->request.write_overrides,
                   "write CodePipeline's template configuration to FILE instead of deploying");
    return [o] { return run(*o); };
}

}  // namespace cli
