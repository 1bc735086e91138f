// `slipway run`: the whole pipeline for an environment (pipeline/run.hpp), on this terminal:
// options in, the pipeline called, its events and outcome rendered (the summary table, the
// CI system's outputs, and --json-report / --junit files; with "-" for either, stdout holds
// only that document and the text goes to stderr).
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <ostream>

#include "cli/command.hpp"
#include "cli/github_cli.hpp"
#include "cli/observer.hpp"
#include "cli/run_report.hpp"
#include "pipeline/pull_planner.hpp"
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
    GithubOptions github;
};

// --plan: the selection, the builds that would run, then the change set they would make.
void print_plan(const pipeline::RunPlan& plan, std::ostream& out) {
    std::string text =
        fmt::format("base {} ({})\n", plan.base_id.empty() ? "-" : plan.base_id.substr(0, 12),
                    plan.base.reason);
    for (const auto& b : plan.prospective)
        text += fmt::format("would build {:<24} -> {}\n", b.component, b.image_uri());
    if (!plan.deploy_needed) text += "nothing affected: the stack would not be touched\n";
    out << text << std::flush;
}

// A plan's outcome: the CI system told, the plan written as JSON.
common::Result<int> finish_plan(const RunOptions& o, const pipeline::Project& project,
                                const pipeline::RunOutcome& outcome, int exit, std::ostream& out) {
    report_to_ci(outcome.summary, project, out);
    if (outcome.error) return std::unexpected(*outcome.error);
    if (!o.json_report.empty()) {
        if (auto ok = write_document(o.json_report, pipeline::plan_json(outcome)); !ok)
            return std::unexpected(ok.error());
    }
    return exit;
}

// With --github: the reporter of the run's deploy, or (a plan) the plan posted to the PR.
struct GithubRun {
    std::optional<github::Settings> settings;
    std::unique_ptr<pipeline::GithubReporter> reporter;
};

common::Result<int> run_with(RunOptions& o, GithubRun& gh);

common::Result<int> run(RunOptions o) {
    if (o.json_report == "-" && o.junit == "-")
        return common::fail(common::ErrorCode::usage,
                            "run: --json-report and --junit cannot both write to stdout");
    GithubRun gh;
    if (o.github.enabled) {
        auto settings = github_settings_of(o.github);
        if (!settings) return std::unexpected(settings.error());
        gh.settings = std::move(*settings);
    }
    auto done = run_with(o, gh);
    if (gh.reporter) {
        if (!done) gh.reporter->open_runs_ended("error", done.error().message);
        finish_reporting(*gh.reporter, std::cerr);
    }
    // A plan that could not be made is posted too: the check run fails, with the file:line
    // of a bad manifest or template.
    if (!done && o.request.plan && gh.settings) {
        std::error_code ec;
        const auto root = std::filesystem::absolute(o.project.repo, ec).lexically_normal().string();
        post_plan(
            *gh.settings,
            pipeline::env_plan_failed(o.request.env, "", done.error(),
                                      root.ends_with('/') ? root.substr(0, root.size() - 1) : root),
            o.project.head, std::cerr);
    }
    return done;
}

common::Result<int> run_with(RunOptions& o, GithubRun& gh) {
    const bool to_stderr = o.json_report == "-" || o.junit == "-";
    std::ostream& out = text_stream(to_stderr);
    o.request.trigger = pipeline::current_trigger();
    o.request.builds.reuse = !o.no_reuse;
    o.project.head = !o.head.empty()                   ? o.head
                     : !o.request.trigger.head.empty() ? o.request.trigger.head
                                                       : "HEAD";
    auto opened = pipeline::open_project_with_store(o.project);
    if (!opened) return std::unexpected(opened.error());
    const auto& project = opened->project;
    auto services = pipeline::system_services(*opened->store, project.store_url, project.root);
    ConsoleObserver console(o.quiet, interactive(o.yes), to_stderr);
    pipeline::PreviewCatcher catcher(console);
    std::optional<pipeline::GithubObserver> reported;
    if (gh.settings && !o.request.plan) {
        gh.reporter = make_reporter(*gh.settings, project);
        reported.emplace(console, *gh.reporter);
    }
    pipeline::Observer& observer = reported ? static_cast<pipeline::Observer&>(*reported)
                                            : static_cast<pipeline::Observer&>(catcher);
    auto plan = pipeline::plan_run(project, o.request, services, observer);
    if (!plan) return std::unexpected(plan.error());
    if (o.request.plan) print_plan(*plan, out);
    const std::size_t changed = plan->selection.changed.size();
    std::string stack;
    for (const auto& st : plan->env->stacks) stack += (stack.empty() ? "" : ", ") + st.name;
    auto outcome = pipeline::execute_run(project, std::move(*plan), services, observer);
    if (gh.reporter)
        gh.reporter->run_ended(outcome.summary.run_id, outcome.summary.result,
                               outcome.error ? outcome.error->message : outcome.summary.message);
    int exit = outcome.exit;
    if (outcome.deploy) exit = print_deploy(*outcome.deploy, o.request.write_overrides, out);
    if (o.request.plan && gh.settings) {
        auto env_plan = pipeline::env_plan_of(o.request.env, stack, outcome, catcher.preview_seen);
        if (outcome.error)
            env_plan.problems = pipeline::problem_locations(outcome.error->message, project.root);
        post_plan(*gh.settings, env_plan, project.head, std::cerr);
    }
    if (o.request.plan) return finish_plan(o, project, outcome, exit, out);
    if (outcome.summary.result == "nothing-affected")
        out << fmt::format("nothing affected ({} changed paths): stack{} {} untouched\n", changed,
                           stack.find(',') == std::string::npos ? "" : "s", stack);
    out << summary_table(outcome.summary) << std::flush;
    report_to_ci(outcome.summary, project, out);
    if (auto ok = write_reports(outcome.summary, o.json_report, o.junit); !ok)
        return std::unexpected(ok.error());
    if (outcome.error) return std::unexpected(*outcome.error);
    return outcome.exit;
}

}  // namespace

Handler setup_run(CLI::App& sub) {
    auto o = std::make_shared<RunOptions>();
    add_project_options(sub, o->project.repo, &o->project.manifest);
    add_store_option(sub, o->project.store);
    sub.add_option("--env", o->request.env, "the environment to build for and deploy")
        ->required()
        ->type_name("ENV");
    sub.add_option("--base", o->request.base,
                   "compare with this ref (default auto: the last deployed commit, else the "
                   "environment's base branch)")
        ->type_name("REF");
    sub.add_option("--head", o->head,
                   "the commit to ship (default: the CI system's commit, else HEAD)")
        ->type_name("REF");
    sub.add_option("-j,--jobs", o->request.builds.jobs,
                   "builds at once (default: the number of cores)")
        ->check(CLI::Range(1, 4096).description(""))
        ->type_name("N");
    sub.add_flag("--all", o->request.all, "build every component");
    sub.add_flag("--force-deploy", o->request.force_deploy, "deploy even when nothing is affected");
    sub.add_flag("--allow-older", o->request.allow_older,
                 "ship a head older in history than the deployed commit (else exit 2)");
    sub.add_flag("--replace-failed-stack", o->request.replace_failed,
                 "delete and recreate a stack whose first creation failed or never ran");
    add_target_options(sub, o->request.targets);
    sub.add_flag("--plan", o->request.plan,
                 "build nothing, record nothing; preview the change set");
    sub.add_flag("-y,--yes", o->yes, "do not ask before executing the change set");
    sub.add_flag("--wait", o->request.wait,
                 "wait for a busy environment or stack instead of exit 3");
    sub.add_flag("--fail-fast", o->request.builds.fail_fast,
                 "start no build after the first failure (and stop remote builds)");
    sub.add_option("--remote", o->request.builds.remote,
                   "run every build on this remote builder: codebuild")
        ->type_name("BUILDER");
    sub.add_flag("--no-reuse", o->no_reuse, "build even when an earlier build had the same inputs");
    sub.add_flag("-q,--quiet", o->quiet, "do not echo build output (it is still logged)");
    sub.add_option("--json-report", o->json_report,
                   "write the run's report (with --plan: the plan) as JSON to FILE (- for stdout)")
        ->type_name("FILE");
    sub.add_option("--junit", o->junit, "write a JUnit XML report of the builds to FILE")
        ->type_name("FILE");
    sub.add_option("--write-overrides", o->request.write_overrides,
                   "write CodePipeline's template configuration to FILE instead of deploying")
        ->type_name("FILE");
    add_github_flag(sub, o->github);
    sub.footer(examples({"slipway run --env test --plan",
                         "slipway run --env test --plan --github   # in GitHub Actions",
                         "slipway run --env test --yes --json-report run.json --junit junit.xml",
                         "slipway run --env dev --base main --all -j 4"}));
    return [o] { return run(*o); };
}

}  // namespace cli
