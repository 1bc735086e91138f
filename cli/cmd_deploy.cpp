// `slipway deploy`, `promote`, `rollback` and `reconcile`: one CloudFormation deploy of an
// environment's stack with a parameter for every component (pipeline/deploys.hpp), or the
// outcome of pending deployments read from their stacks. Options in, the pipeline called,
// the outcome printed (and told to the CI system); with --json (or --json-report -) stdout
// holds only the report and the text goes to stderr.
#include <iostream>

#include "cli/command.hpp"
#include "cli/github_cli.hpp"
#include "cli/observer.hpp"
#include "cli/run_report.hpp"
#include "common/json.hpp"
#include "pipeline/environment.hpp"
#include "pipeline/promotion.hpp"
#include "pipeline/summary.hpp"

namespace cli {
namespace {

struct DeployOptions {
    pipeline::ProjectRequest project;
    pipeline::DeployRequest request;
    bool yes = false;
    bool json = false;
    std::string json_report;
    GithubOptions github;
};

common::Result<int> run_deploy(DeployOptions o, const std::string& kind) {
    std::optional<github::Settings> github;
    if (o.github.enabled) {
        auto settings = github_settings_of(o.github);
        if (!settings) return std::unexpected(settings.error());
        github = std::move(*settings);
    }
    o.request.kind = kind;
    o.request.trigger = pipeline::current_trigger();
    auto opened = pipeline::open_project_with_store(o.project);
    if (!opened) return std::unexpected(opened.error());
    auto services =
        pipeline::system_services(*opened->store, opened->project.store_url, opened->project.root);
    if (github) services.teams = pipeline::github_teams(*github);  // approvers' GitHub teams
    const bool to_stderr = o.json || o.json_report == "-";
    std::ostream& out = text_stream(to_stderr);
    ConsoleObserver console(true, interactive(o.yes), to_stderr);
    std::unique_ptr<pipeline::GithubReporter> reporter;
    std::optional<pipeline::GithubObserver> reported;
    if (github) {
        reporter = make_reporter(*github, opened->project);
        reported.emplace(console, *reporter);
    }
    pipeline::Observer& observer = reported ? static_cast<pipeline::Observer&>(*reported) : console;
    auto done = pipeline::run_deploy_command(opened->project, o.request, services, observer);
    if (reporter) {
        if (done)
            reporter->run_ended(done->summary.run_id, done->summary.result, done->summary.message);
        else
            reporter->open_runs_ended("error", done.error().message);
        finish_reporting(*reporter, std::cerr);
    }
    if (!done) return std::unexpected(done.error());
    if (done->request) {
        const auto* verdict = done->verdict ? &*done->verdict : nullptr;
        for (const auto& line : pipeline::describe_request(*done->request, verdict))
            out << line << "\n";
    }
    if (done->held) {
        out << "held by a gate: request #" << done->request->id
            << " waits; see 'slipway requests --env " << done->request->env << "'\n";
        if (o.json) write_out(pipeline::request_json(*done->request, &*done->verdict) + "\n");
        return 5;
    }
    const int exit = print_deploy(done->run, o.request.settings.write_overrides, out);
    report_to_ci(done->summary, opened->project, out);
    if (o.json && o.json_report != "-") write_out(pipeline::report_json(done->summary));
    if (auto ok = write_reports(done->summary, o.json_report, ""); !ok)
        return std::unexpected(ok.error());
    return exit;
}

struct ReconcileOptions {
    pipeline::ProjectRequest project;
    std::string env;
    bool wait = false;
    bool json = false;
};

common::Result<int> run_reconcile(const ReconcileOptions& o) {
    auto opened = pipeline::open_project_with_store(o.project);
    if (!opened) return std::unexpected(opened.error());
    auto& p = opened->project;
    auto services = pipeline::system_services(*opened->store, p.store_url, p.root);
    auto note = [](const std::string& line) { std::cerr << "slipway: note: " << line << "\n"; };
    if (!o.json) {
        auto done = pipeline::reconcile_environments(
            p, o.env, o.wait, services, note,
            [](const std::string& line) { std::cout << line << "\n"; });
        if (!done) return std::unexpected(done.error());
        return 0;
    }
    // {"environments": [{"env": "test", "results": ["..."]}, ...]}: each environment
    // reconciled in the manifest's order, with the lines the text output has for it.
    if (!o.env.empty()) {
        if (auto known = p.environment(o.env); !known) return std::unexpected(known.error());
    }
    common::JsonOut j;
    j.begin_object().key("environments").begin_array();
    for (const auto& e : p.manifest.environments) {
        if (!o.env.empty() && e.name != o.env) continue;
        std::vector<std::string> lines;
        auto done = pipeline::reconcile_environments(
            p, e.name, o.wait, services, note,
            [&](const std::string& line) { lines.push_back(line); });
        if (!done) return std::unexpected(done.error());
        j.begin_object().field("env", e.name).key("results").begin_array();
        for (const auto& line : lines) j.value(line);
        j.end_array().end_object();
    }
    write_out(j.end_array().end_object().str());
    return 0;
}

std::shared_ptr<DeployOptions> deploy_options(CLI::App& sub, bool env_required) {
    auto o = std::make_shared<DeployOptions>();
    auto& s = o->request.settings;
    add_project_options(sub, o->project.repo, &o->project.manifest);
    add_store_option(sub, o->project.store);
    sub.add_option(env_required ? "--env" : "--to", o->request.env, "the environment to deploy")
        ->required()
        ->type_name("ENV");
    sub.add_flag("--plan", s.plan, "create the change set, print it, delete it; deploy nothing");
    sub.add_flag("-y,--yes", o->yes, "do not ask before executing the change set");
    sub.add_flag("--wait", s.wait, "wait for a busy environment or stack instead of exit 3");
    sub.add_flag("--replace-failed-stack", s.replace_failed,
                 "delete and recreate a stack whose first creation failed");
    add_target_options(sub, s.targets);
    sub.add_option("--write-overrides", s.write_overrides,
                   "write CodePipeline's template configuration to FILE and deploy nothing")
        ->type_name("FILE");
    sub.add_flag("--json", o->json, "print the run's report as JSON; text goes to stderr");
    sub.add_option("--json-report", o->json_report,
                   "write the run's report as JSON to FILE (- for stdout)")
        ->type_name("FILE");
    add_github_flag(sub, o->github);
    return o;
}

}  // namespace

Handler setup_deploy(CLI::App& sub) {
    auto o = deploy_options(sub, true);
    sub.add_option("--head", o->project.head, "the commit being deployed (default HEAD)")
        ->type_name("REF");
    sub.add_option("--images", o->request.images,
                   "new images: COMPONENT=URI,... (default: as built)")
        ->delimiter(',')
        ->type_name("COMPONENT=URI");
    sub.add_flag("--latest", o->request.latest, "deploy each component's latest succeeded build");
    sub.add_flag("--allow-older", o->request.allow_older,
                 "deploy from a head older in history than the deployed commit");
    sub.footer(examples({"slipway deploy --env test --latest --plan",
                         "slipway deploy --env test --images api=REPO:api-7 --yes",
                         "slipway deploy --env test --latest --yes --json > deploy.json"}));
    return [o] { return run_deploy(*o, "deploy"); };
}

Handler setup_promote(CLI::App& sub) {
    auto o = deploy_options(sub, false);
    sub.add_option("--from", o->request.from,
                   "the environment whose images move on (default: promote_from)")
        ->type_name("ENV");
    sub.add_option("--request", o->request.request_id,
                   "deploy exactly this promotion request's images once its gates pass")
        ->type_name("ID");
    sub.add_flag("--override-freeze", o->request.override_freeze,
                 "promote during a freeze window (an approver only; needs --reason; recorded)");
    sub.add_option("--reason", o->request.reason, "why (recorded with the request or override)")
        ->type_name("WHY");
    sub.footer(
        examples({"slipway promote --to prod --plan", "slipway promote --from test --to prod --yes",
                  "slipway promote --to prod --request 7 --yes",
                  "slipway promote --to prod --override-freeze --reason 'fix for #812'"}));
    return [o] { return run_deploy(*o, "promote"); };
}

Handler setup_rollback(CLI::App& sub) {
    auto o = deploy_options(sub, true);
    sub.add_option("--to", o->request.to_deployment,
                   "redeploy this earlier deployment of the environment")
        ->type_name("DEPLOYMENT_ID");
    sub.add_option("--component", o->request.component, "roll back this component only ...")
        ->type_name("COMPONENT");
    sub.add_option("--build", o->request.build, "... to this build of it")->type_name("N");
    sub.add_option("--reason", o->request.reason, "why (recorded with the deployment, shown)")
        ->required()
        ->type_name("WHY");
    sub.footer(examples({"slipway rollback --env prod --to 12 --plan --reason 'check'",
                         "slipway rollback --env prod --component api --build 7 --yes "
                         "--reason '5xx after #13'"}));
    return [o] { return run_deploy(*o, "rollback"); };
}

Handler setup_reconcile(CLI::App& sub) {
    auto o = std::make_shared<ReconcileOptions>();
    add_project_options(sub, o->project.repo, &o->project.manifest);
    add_store_option(sub, o->project.store);
    sub.add_option("--env", o->env, "this environment only (default: every environment)")
        ->type_name("ENV");
    sub.add_flag("--wait", o->wait, "wait for a stack operation still running instead of exit 3");
    sub.add_flag("--json", o->json, "print each environment's results as JSON (docs/json.md)");
    sub.footer(examples(
        {"slipway reconcile", "slipway reconcile --env prod --wait", "slipway reconcile --json"}));
    return [o] { return run_reconcile(*o); };
}

}  // namespace cli
