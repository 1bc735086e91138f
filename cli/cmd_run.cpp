// `slipway run`: the whole pipeline for one environment, as a merge to `dev` or a CodeBuild
// step runs it. Steps:
//   1. read the trigger (CodeBuild / GitHub Actions variables) and the head commit;
//   2. choose the base: --base, else the commit of the environment's last succeeded
//      deployment (so a failed deploy never loses changes), else its base branch;
//   3. select the affected components (everything on a first deployment or with --all);
//   4. preflight: the deploy's parameters, with the images the builds would make, are
//      checked against the template before anything is built or recorded;
//   5. build the affected components in parallel (numbers and reuse as `slipway build`);
//   6. deploy the stack with a parameter for every component (as `slipway deploy`);
//   7. record the run with its phases and print the summary (table, JSON, JUnit).
// Nothing affected: exit 0 without touching the stack. A config-only change deploys
// without building. --plan builds nothing, records nothing and previews the change set.
#include <fmt/format.h>

#include <fstream>
#include <iostream>

#include "cli/build_session.hpp"
#include "cli/command.hpp"
#include "cli/console.hpp"
#include "cli/deploy_session.hpp"
#include "cli/project.hpp"
#include "cli/run_report.hpp"
#include "cli/runtime.hpp"
#include "components/affected.hpp"
#include "components/build_plan.hpp"
#include "components/graph.hpp"

namespace cli {
namespace {

using common::ErrorCode;
using components::ComponentKind;
using versioning::BuildStatus;

struct RunOptions {
    std::string repo = ".";
    std::string manifest;
    std::string store;
    std::string env;
    std::string base = "auto";
    std::string head;
    std::size_t jobs = 0;
    bool plan = false;
    bool all = false;
    bool force_deploy = false;
    bool yes = false;
    bool wait = false;
    bool fail_fast = false;
    bool no_reuse = false;
    bool quiet = false;
    std::string json_report;
    std::string junit;
    std::string write_overrides;
};

// What the run knows and decided; grows as the steps go.
struct RunState {
    DeployContext ctx;
    DeployOptions deploy;
    components::ComponentGraph graph;
    Trigger trigger;
    BaseChoice base;
    std::string base_id;
    components::Selection selection;    // from the diff; empty without a base
    std::vector<std::string> selected;  // the components to build (when they have a build)
    bool everything = false;            // a first deployment, or --all
    bool deploy_needed = false;
    std::vector<std::string> hashes;  // by manifest component index
    RunSummary summary;
    versioning::Millis phase_start = 0;
    bool recorded = false;  // the run is in the store
};

std::map<std::string, std::string> ci_environment() {
    std::map<std::string, std::string> out;
    for (const auto& name : trigger_variables()) {
        if (const char* v = std::getenv(name.c_str()); v && *v) out[name] = v;
    }
    return out;
}

void end_phase(RunState& s, const char* name) {
    const auto now = now_millis();
    s.summary.phases.push_back({name, now - s.phase_start});
    s.phase_start = now;
}

// 1. The trigger, the head, the manifest at the head, the environment and the store.
common::Result<RunState> open_run(const RunOptions& o) {
    RunState s;
    s.trigger = detect_trigger(ci_environment());
    s.deploy.repo = o.repo;
    s.deploy.manifest = o.manifest;
    s.deploy.store = o.store;
    s.deploy.env = o.env;
    s.deploy.head = !o.head.empty() ? o.head : !s.trigger.head.empty() ? s.trigger.head : "HEAD";
    s.deploy.yes = o.yes;
    s.deploy.wait = o.wait;
    s.deploy.plan = o.plan;
    s.deploy.write_overrides = o.write_overrides;
    auto ctx = open_deploy_context(s.deploy);
    if (!ctx) return std::unexpected(ctx.error());
    s.ctx = std::move(*ctx);
    if (!s.ctx.repo)
        return common::fail(ErrorCode::usage, "run: '" + o.repo + "' is not in a git repository");
    auto graph = components::build_graph(s.ctx.manifest);
    if (!graph) return std::unexpected(graph.error());
    s.graph = std::move(*graph);
    const auto started = now_millis();
    s.summary.run_id = new_run_id(started);
    s.summary.started_at = s.phase_start = started;
    s.summary.env = o.env;
    s.summary.stack = s.ctx.env->stack;
    s.summary.trigger = s.trigger.name;
    s.summary.head = s.ctx.commit;
    s.deploy.run_id = s.summary.run_id;
    return s;
}

// The deployed commit is not in this clone: a shallow clone, or rewritten history.
common::Result<void> missing_deployed_commit(RunState& s, const std::string& why) {
    const auto& env = *s.ctx.env;
    const std::string head =
        fmt::format("the commit {} of {}'s last deployment", s.base.ref, env.name);
    if (s.ctx.repo->is_shallow())
        return common::fail(ErrorCode::input,
                            head +
                                " is not in this shallow clone: fetch full history (CodeBuild: "
                                "'git-clone-depth: 0' in the project's source settings, or "
                                "'git fetch --unshallow' first in the buildspec; GitHub "
                                "Actions: 'fetch-depth: 0')");
    if (env.base.empty())
        return common::fail(ErrorCode::input, head + " is not in this repository (" + why +
                                                  "); give --base REF, or --all");
    std::cerr << "slipway: warning: " << head << " is not in this repository; comparing with '"
              << env.base << "' instead\n";
    s.base = {env.base, head + " is missing: the base branch '" + env.base + "'", false};
    auto id = s.ctx.repo->resolve_commit(env.base);
    if (!id) return std::unexpected(id.error());
    s.base_id = *id;
    return {};
}

// 2. Which base, and why.
common::Result<void> resolve_base(RunState& s, const RunOptions& o) {
    auto current = s.ctx.store->current_deployments(o.env);
    if (!current) return std::unexpected(current.error());
    std::optional<versioning::DeploymentRecord> last;
    if (!current->empty()) last = current->front();
    s.base = choose_base(o.base, o.env, last, s.ctx.env->base);
    if (s.base.ref.empty()) return {};
    auto id = s.ctx.repo->resolve_commit(s.base.ref);
    if (id) {
        s.base_id = *id;
        return {};
    }
    const bool from_deployment = last && (o.base.empty() || o.base == "auto");
    if (!from_deployment) return std::unexpected(id.error().with_context("--base"));
    return missing_deployed_commit(s, id.error().message);
}

// 3. The affected components, and whether the stack needs a deploy at all.
common::Result<void> select_components(RunState& s, const RunOptions& o) {
    if (!s.base_id.empty()) {
        diff::DiffRequest request{s.base_id, s.ctx.commit, true};
        std::optional<diff::ChangeSet> changes;
        auto paths = changed_paths(&*s.ctx.repo, request, "", changes);
        if (!paths) return std::unexpected(paths.error());
        s.selection = components::Selector(s.ctx.manifest, s.graph).select(*paths);
    }
    s.everything = o.all || s.base.first_deployment;
    if (s.everything) s.selected = s.ctx.manifest.component_names();
    for (const auto& c : s.selection.affected) {
        if (!s.everything) s.selected.push_back(c.name);
        if (c.kind != ComponentKind::library) s.deploy_needed = true;
    }
    s.deploy_needed = s.deploy_needed || s.everything || o.force_deploy;
    auto hashes = component_hashes(*s.ctx.repo, s.ctx.manifest, s.graph, s.ctx.commit);
    if (!hashes) return std::unexpected(hashes.error());
    s.hashes = std::move(*hashes);
    end_phase(s, "select");
    return {};
}

// The image each planned build would give: an earlier build with the same inputs, else the
// next number's URI. Nothing is reserved.
common::Result<std::map<std::string, deploy::KnownImage>> prospective_images(
    RunState& s, const components::BuildPlan& plan, bool reuse) {
    std::map<std::string, deploy::KnownImage> out;
    const auto hashes = plan_hashes(plan, s.graph, s.hashes);
    for (std::size_t i = 0; i < plan.size(); ++i) {
        const std::string& name = plan.at(i).component;
        if (reuse) {
            auto earlier = s.ctx.store->find_reusable(name, hashes[i]);
            if (!earlier) return std::unexpected(earlier.error());
            if (*earlier) {
                out[name] = {(*earlier)->build_number, (*earlier)->image_uri};
                continue;
            }
        }
        auto next = s.ctx.store->peek_next_number(name);
        if (!next) return std::unexpected(next.error());
        auto uri = components::render_image_uri(
            s.ctx.manifest.image,
            {name, *next, s.ctx.commit, s.ctx.env->name, compact_time(s.summary.started_at)});
        if (!uri) return std::unexpected(uri.error());
        out[name] = {*next, *uri};
    }
    return out;
}

// The deploy plan with `images` as the new images of this run.
common::Result<deploy::DeployPlan> deploy_plan_with(
    RunState& s, const std::map<std::string, deploy::KnownImage>& images) {
    auto inputs = known_images(s.ctx);
    if (!inputs) return std::unexpected(inputs.error());
    for (const auto& [name, image] : images) {
        const auto* c = s.ctx.manifest.find(name);
        if (c && c->kind == ComponentKind::image) inputs->new_images[name] = image;
    }
    auto params = deploy::compute_parameters(s.ctx.manifest, *s.ctx.env, *inputs);
    if (!params) return std::unexpected(params.error());
    return make_plan(s.ctx, s.deploy, std::move(*params));
}

// 4. Bad parameters or template stop the run here, before a number is taken.
common::Result<deploy::DeployPlan> preflight(RunState& s, const components::BuildPlan& plan,
                                             bool reuse) {
    auto images = prospective_images(s, plan, reuse);
    if (!images) return std::unexpected(images.error());
    auto dp = deploy_plan_with(s, *images);
    if (!dp) return std::unexpected(dp.error());
    std::map<std::string, std::string> owners;
    for (const auto& i : dp->parameters.images) owners[i.parameter] = i.component;
    auto ok = deploy::validate_parameters(dp->tmpl, dp->parameters.values, owners);
    if (!ok) return std::unexpected(ok.error());
    return dp;
}

std::string reason_text(const components::AffectedComponent& c) {
    if (c.reasons.empty()) return "";
    const auto& r = c.reasons.front();
    switch (r.kind) {
        case components::ReasonKind::path:
            return r.path;
        case components::ReasonKind::dependency:
            return "depends on " + r.dependency;
        case components::ReasonKind::global:
            return "global input " + r.path;
    }
    return "";
}

// One row per component: what the run did with it and which image the stack has.
void fill_rows(RunState& s, const components::BuildReport* builds,
               const deploy::ParameterSet* params, const std::set<std::string>& changed) {
    std::map<std::string, SummaryRow> rows;
    for (const auto& c : s.ctx.manifest.components) {
        SummaryRow r;
        r.component = c.name;
        r.kind = components::to_string(c.kind);
        r.status = "unchanged";
        r.parameter = c.parameter;
        rows[c.name] = r;
    }
    for (const auto& a : s.selection.affected) {
        rows[a.name].status = "affected";
        rows[a.name].reason = reason_text(a);
    }
    if (s.everything) {
        for (const auto& name : s.selected) {
            if (rows[name].reason.empty())
                rows[name].reason = s.base.first_deployment ? "first deployment" : "--all";
        }
    }
    if (builds) {
        for (const auto& b : builds->builds) {
            auto& r = rows[b.component];
            r.status = std::string(versioning::to_string(b.status));
            r.built = true;
            r.build_number = b.build_number;
            r.image_uri = b.image_uri;
            r.exit_code = b.exit_code;
            r.duration = b.finished_at - b.started_at;
            r.log_path = b.log_path;
            if (b.status == BuildStatus::failed || b.status == BuildStatus::timed_out)
                r.log_tail = tail_lines(b.log_path, 40);
        }
    }
    if (params) {
        for (const auto& i : params->images) {
            auto& r = rows[i.component];
            if (!r.built) r.build_number = i.build_number, r.image_uri = i.image_uri;
            r.parameter_changed = changed.contains(i.parameter);
        }
    }
    s.summary.rows.clear();
    for (auto& [name, r] : rows) s.summary.rows.push_back(std::move(r));
}

// 7. The report: stored with the run, printed, written to the requested files.
common::Result<int> finish(RunState& s, const RunOptions& o, std::string result, int exit) {
    s.summary.result = std::move(result);
    s.summary.exit_code = exit;
    s.summary.finished_at = now_millis();
    const std::string json = summary_json(s.summary);
    if (s.recorded) {
        const auto status = exit == 0     ? versioning::RunStatus::succeeded
                            : exit == 130 ? versioning::RunStatus::cancelled
                                          : versioning::RunStatus::failed;
        if (auto ok = s.ctx.store->finish_run(s.summary.run_id, status, now_millis(), json); !ok)
            return std::unexpected(ok.error());
    }
    std::cout << summary_table(s.summary) << std::flush;
    for (const auto& [file, text] :
         {std::pair{o.json_report, json}, std::pair{o.junit, junit_xml(s.summary)}}) {
        if (file.empty()) continue;
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out) return common::fail(ErrorCode::input, "cannot write " + file);
    }
    return exit;
}

// An error after the run was recorded still ends the record (and writes the reports).
common::Result<int> fail_run(RunState& s, const RunOptions& o, const common::Error& e) {
    if (!s.recorded) return std::unexpected(e);
    s.summary.message = e.message;
    const bool interrupted = e.code == ErrorCode::interrupted;
    auto done = finish(s, o, interrupted ? "interrupted" : "error", interrupted ? 130 : 1);
    if (!done) return std::unexpected(done.error());
    return std::unexpected(e);
}

common::Result<void> begin_record(RunState& s) {
    auto run = new_run_record(s.summary.run_id, s.trigger.name, s.base_id, s.ctx.commit,
                              s.ctx.env->name, s.summary.started_at);
    run.base_reason = s.base.reason;
    s.summary.base = s.base_id;
    s.summary.base_reason = s.base.reason;
    if (auto ok = s.ctx.store->begin_run(run); !ok) return ok;
    s.recorded = true;
    return {};
}

// 5. The builds; their outcome is in `report`.
common::Result<void> build_phase(RunState& s, const RunOptions& o, components::BuildPlan& plan,
                                 components::BuildReport& report) {
    if (!s.base_id.empty()) {
        if (auto ok = s.ctx.store->record_diffs(diffs_of(s.selection, s.ctx.commit)); !ok)
            return ok;
    }
    if (plan.size() > 0) {
        BuildJob job{
            s.summary.run_id,     s.ctx.commit, s.ctx.env->name, s.ctx.root,  s.ctx.manifest.image,
            s.summary.started_at, o.jobs,       o.fail_fast,     !o.no_reuse, o.quiet};
        auto built = run_build_plan(plan, plan_hashes(plan, s.graph, s.hashes), *s.ctx.store, job);
        if (!built) return std::unexpected(built.error());
        report = std::move(*built);
    }
    end_phase(s, "build");
    return {};
}

// 6. The deploy with this run's images.
common::Result<int> deploy_phase(RunState& s, const RunOptions& o,
                                 const components::BuildReport& report) {
    std::map<std::string, deploy::KnownImage> images;
    for (const auto& b : report.builds) {
        if (b.status == BuildStatus::succeeded || b.status == BuildStatus::reused)
            images[b.component] = {b.build_number, b.image_uri};
    }
    auto dp = deploy_plan_with(s, images);
    if (!dp) return fail_run(s, o, dp.error());
    const deploy::ParameterSet params = dp->parameters;
    std::cout << "\n";
    auto done = run_plan(s.ctx, s.deploy, std::move(*dp));
    end_phase(s, "deploy");
    if (!done) return fail_run(s, o, done.error());
    fill_rows(s, &report, &params, done->changed_parameters);
    if (!done->outcome) return finish(s, o, "overrides-written", done->exit);
    const auto& out = *done->outcome;
    s.summary.deployment_id = out.deployment_id;
    s.summary.stack_status = out.final_status;
    switch (out.result) {
        case deploy::DeployResult::deployed:
            return finish(s, o, "deployed", done->exit);
        case deploy::DeployResult::up_to_date:
            return finish(s, o, "up-to-date", done->exit);
        case deploy::DeployResult::planned:
            return finish(s, o, "planned", done->exit);
        case deploy::DeployResult::declined:
            return finish(s, o, "declined", done->exit);
        case deploy::DeployResult::failed:
            break;
    }
    return finish(s, o, "deploy-failed", done->exit);
}

// The run's first lines: where it starts from and what it will build.
void announce(const RunState& s, const components::BuildPlan& plan) {
    std::string out = fmt::format("run {} of {} ({}): head {}, base {} ({})\n", s.summary.run_id,
                                  s.ctx.env->name, s.trigger.name, s.ctx.commit.substr(0, 12),
                                  s.base_id.empty() ? "-" : s.base_id.substr(0, 12), s.base.reason);
    if (!s.trigger.detail.empty()) out += "  trigger: " + s.trigger.detail + "\n";
    std::string names;
    for (std::size_t i = 0; i < plan.size(); ++i)
        names += (names.empty() ? "" : ", ") + plan.at(i).component;
    out += fmt::format("  {} changed paths, {} affected components; to build: {}\n",
                       s.selection.changed.size(), s.selection.affected.size(),
                       names.empty() ? "nothing" : names);
    std::cout << out << std::flush;
}

// --plan: the selection, the builds that would run, the change set they would make.
common::Result<int> plan_run(RunState& s, const components::BuildPlan& plan,
                             deploy::DeployPlan dp) {
    std::cout << fmt::format("base {} ({})\n", s.base_id.empty() ? "-" : s.base_id.substr(0, 12),
                             s.base.reason);
    for (std::size_t i = 0; i < plan.size(); ++i) {
        for (const auto& img : dp.parameters.images) {
            if (img.component == plan.at(i).component)
                std::cout << fmt::format("would build {:<24} -> {}\n", img.component,
                                         img.image_uri);
        }
    }
    if (!s.deploy_needed) {
        std::cout << "nothing affected: the stack would not be touched\n";
        return 0;
    }
    auto done = run_plan(s.ctx, s.deploy, std::move(dp));
    if (!done) return std::unexpected(done.error());
    return done->exit;
}

common::Result<int> run_pipeline(const RunOptions& o) {
    auto opened = open_run(o);
    if (!opened) return std::unexpected(opened.error());
    RunState& s = *opened;
    if (auto r = s.ctx.store->recover_interrupted(host_name(), now_millis(), process_alive); !r)
        return std::unexpected(r.error());
    if (auto ok = resolve_base(s, o); !ok) return std::unexpected(ok.error());
    if (auto ok = select_components(s, o); !ok) return std::unexpected(ok.error());
    auto plan = components::BuildPlan::make(s.ctx.manifest, s.graph, s.selected);
    auto dp = preflight(s, plan, !o.no_reuse);
    if (!dp) return std::unexpected(dp.error());
    if (o.plan) return plan_run(s, plan, std::move(*dp));
    if (auto ok = begin_record(s); !ok) return std::unexpected(ok.error());
    announce(s, plan);
    if (!s.deploy_needed) {
        std::cout << fmt::format("nothing affected ({} changed paths): stack {} untouched\n",
                                 s.selection.changed.size(), s.ctx.env->stack);
        fill_rows(s, nullptr, &dp->parameters, {});
        return finish(s, o, "nothing-affected", 0);
    }
    components::BuildReport report;
    if (auto ok = build_phase(s, o, plan, report); !ok) return fail_run(s, o, ok.error());
    if (report.interrupted || !report.all_succeeded()) {
        fill_rows(s, &report, &dp->parameters, {});
        return finish(s, o, report.interrupted ? "interrupted" : "build-failed",
                      report.interrupted ? 130 : 1);
    }
    return deploy_phase(s, o, report);
}

}  // namespace

Handler setup_run(CLI::App& sub) {
    auto o = std::make_shared<RunOptions>();
    add_project_options(sub, o->repo, &o->manifest);
    sub.add_option("--store", o->store, "version store URL (default: sqlite:.slipway/state.db)");
    sub.add_option("--env", o->env, "the environment to build for and deploy")->required();
    sub.add_option("--base", o->base,
                   "compare with this ref (default auto: the last deployed commit, else the "
                   "environment's base branch)");
    sub.add_option("--head", o->head,
                   "the commit to ship (default: the CI system's commit, else HEAD)");
    sub.add_option("-j,--jobs", o->jobs, "builds at once (default: the number of cores)")
        ->check(CLI::PositiveNumber);
    sub.add_flag("--all", o->all, "build every component");
    sub.add_flag("--force-deploy", o->force_deploy, "deploy even when nothing is affected");
    sub.add_flag("--plan", o->plan, "build nothing, record nothing; preview the change set");
    sub.add_flag("-y,--yes", o->yes, "do not ask before executing the change set");
    sub.add_flag("--wait", o->wait, "wait for a busy environment or stack instead of exit 3");
    sub.add_flag("--fail-fast", o->fail_fast, "start no build after the first failure");
    sub.add_flag("--no-reuse", o->no_reuse, "build even when an earlier build had the same inputs");
    sub.add_flag("-q,--quiet", o->quiet, "do not echo build output (it is still logged)");
    sub.add_option("--json-report", o->json_report, "write the run's report as JSON to FILE");
    sub.add_option("--junit", o->junit, "write a JUnit XML report of the builds to FILE");
    sub.add_option("--write-overrides", o->write_overrides,
                   "write CodePipeline's template configuration to FILE instead of deploying");
    return [o] { return run_pipeline(*o); };
}

}  // namespace cli
