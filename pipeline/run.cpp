// See run.hpp for the steps.
#include "pipeline/run.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

#include "common/json.hpp"
#include "components/parallel.hpp"
#include "pipeline/environment.hpp"
#include "pipeline/host.hpp"
#include "pipeline/remote.hpp"

namespace pipeline {
namespace {

using common::ErrorCode;
using components::ComponentKind;
using versioning::BuildStatus;

// The deployed commit is not in this clone: a shallow clone, or rewritten history.
common::Result<void> missing_deployed_commit(const Project& p, RunPlan& run, Observer& o,
                                             const std::string& why) {
    const auto& env = *run.env;
    const std::string head =
        fmt::format("the commit {} of {}'s last deployment", run.base.ref, env.name);
    if (p.repo->is_shallow())
        return common::fail(ErrorCode::input,
                            head +
                                " is not in this shallow clone: fetch full history (CodeBuild: "
                                "'git-clone-depth: 0' in the project's source settings, or "
                                "'git fetch --unshallow' first in the buildspec; GitHub "
                                "Actions: 'fetch-depth: 0')");
    if (env.base.empty())
        return common::fail(ErrorCode::input, head + " is not in this repository (" + why +
                                                  "); give --base REF, or --all");
    o.warning(head + " is not in this repository; comparing with '" + env.base + "' instead");
    run.base = {env.base, head + " is missing: the base branch '" + env.base + "'", false};
    auto id = p.repo->resolve_commit(env.base);
    if (!id) return std::unexpected(id.error());
    run.base_id = *id;
    return {};
}

// Which base, and why (read once the environment is held).
common::Result<void> resolve_base(const Project& p, RunPlan& run, Services& s, Observer& o) {
    auto current = s.store.current_deployments(run.env->name);
    if (!current) return std::unexpected(current.error());
    std::optional<versioning::DeploymentRecord> last;
    if (!current->empty()) last = current->front();
    const std::string& flag = run.request.base;
    run.base = choose_base(flag, run.env->name, last, run.env->base);
    if (run.base.ref.empty()) return {};
    auto id = p.repo->resolve_commit(run.base.ref);
    if (id) {
        run.base_id = *id;
        return {};
    }
    const bool from_deployment = last && (flag.empty() || flag == "auto");
    if (!from_deployment) return std::unexpected(id.error().with_context("--base"));
    return missing_deployed_commit(p, run, o, id.error().message);
}

// The affected components, and whether the stack needs a deploy at all.
common::Result<void> select(const Project& p, RunPlan& run) {
    if (!run.base_id.empty()) {
        diff::DiffRequest request{run.base_id, p.head, true};
        std::optional<diff::ChangeSet> changes;
        auto paths = changed_paths(&*p.repo, request, "", changes);
        if (!paths) return std::unexpected(paths.error());
        run.selection = components::Selector(p.manifest, p.graph).select(*paths);
    }
    run.everything = run.request.all || run.base.first_deployment;
    if (run.everything) run.selected = p.manifest.component_names();
    for (const auto& c : run.selection.affected) {
        if (!run.everything) run.selected.push_back(c.name);
        if (c.kind != ComponentKind::library) run.deploy_needed = true;
    }
    run.deploy_needed = run.deploy_needed || run.everything || run.request.force_deploy;
    return {};
}

DeploySettings deploy_settings(const RunPlan& run) {
    DeploySettings d;
    d.run_id = run.summary.run_id;
    d.actor = run.summary.actor;
    d.plan = run.request.plan;
    d.wait = run.request.wait;
    d.write_overrides = run.request.write_overrides;
    return d;
}

// The deploy plan with `images` as the new images of this run.
common::Result<deploy::DeployPlan> deploy_plan_with(
    const Project& p, const RunPlan& run, Services& s,
    const std::map<std::string, deploy::KnownImage>& images) {
    auto inputs = known_images(p, *run.env, s.store);
    if (!inputs) return std::unexpected(inputs.error());
    for (const auto& [name, image] : images) {
        const auto* c = p.manifest.find(name);
        if (c && c->kind == ComponentKind::image) inputs->new_images[name] = image;
    }
    auto params = deploy::compute_parameters(p.manifest, *run.env, *inputs);
    if (!params) return std::unexpected(params.error());
    return make_deploy_plan(p, *run.env, std::move(*params), deploy_settings(run));
}

// Bad parameters or template stop the run here, before a number is taken.
common::Result<void> preflight(const Project& p, RunPlan& run, Services& s) {
    auto planned = plan_builds(p, run.selected, run.request.builds.remote);
    if (!planned) return std::unexpected(planned.error());
    run.builds = std::move(*planned);
    auto prospective = prospective_builds(p, run.builds, &s.store, run.env->name,
                                          run.summary.started_at, run.request.builds.reuse);
    if (!prospective) return std::unexpected(prospective.error());
    run.prospective = std::move(*prospective);
    std::map<std::string, deploy::KnownImage> images;
    for (const auto& b : run.prospective) images[b.component] = {b.build_number(), b.image_uri()};
    auto dp = deploy_plan_with(p, run, s, images);
    if (!dp) return std::unexpected(dp.error());
    if (auto ok = deploy::validate_plan(*dp); !ok) return std::unexpected(ok.error());
    run.preflight = std::move(*dp);
    return {};
}

// The environment is held by another run (and `wait` is off): recorded as busy, having done
// nothing.
common::Error busy(RunSummary& summary, const RunRequest& r, Services& s, const common::Error& e) {
    if (e.code != ErrorCode::busy || r.plan) return e;
    summary.message = e.message;
    summary.result = "busy";
    summary.exit_code = common::exit_code(e.code);
    summary.finished_at = s.clock.now();
    if (auto ok = s.store.begin_run(new_run_record(summary)); !ok) return ok.error();
    if (auto ok = s.store.finish_run(summary.run_id, versioning::RunStatus::busy,
                                     summary.finished_at, report_json(summary));
        !ok)
        return ok.error();
    return e;
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
void fill_rows(const Project& p, RunPlan& run, const components::BuildReport* builds,
               const deploy::ParameterSet* params, const std::set<std::string>& changed) {
    std::map<std::string, SummaryRow> rows;
    for (const auto& c : p.manifest.components) {
        SummaryRow& r = rows[c.name];
        r.component = c.name;
        r.kind = components::to_string(c.kind);
        r.status = "unchanged";
        r.parameter = c.parameter;
    }
    for (const auto& a : run.selection.affected) {
        rows[a.name].status = "affected";
        rows[a.name].reason = reason_text(a);
    }
    if (run.everything) {
        for (const auto& name : run.selected) {
            if (rows[name].reason.empty())
                rows[name].reason = run.base.first_deployment ? "first deployment" : "--all";
        }
    }
    for (const auto& b : builds ? builds->builds : std::vector<components::BuildOutcome>{}) {
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
    if (params) {
        for (const auto& i : params->images) {
            auto& r = rows[i.component];
            if (!r.built) r.build_number = i.build_number, r.image_uri = i.image_uri;
            r.parameter_changed = changed.contains(i.parameter);
        }
    }
    run.summary.rows.clear();
    for (auto& [name, r] : rows) run.summary.rows.push_back(std::move(r));
}

void end_phase(RunSummary& sum, const char* name, Services& s, Observer& o) {
    versioning::Millis spent = s.clock.now() - sum.started_at;
    for (const auto& ph : sum.phases) spent -= ph.millis;
    sum.phases.push_back({name, spent});
    o.phase_ended(sum.phases.back());
}

// How the run ended: recorded with its report.
RunOutcome finish(RunPlan& run, Services& s, std::string result, int exit) {
    RunOutcome out;
    run.summary.result = std::move(result);
    run.summary.exit_code = exit;
    run.summary.finished_at = s.clock.now();
    out.exit = exit;
    auto ok = s.store.finish_run(run.summary.run_id, run_status_for_exit(exit),
                                 run.summary.finished_at, report_json(run.summary));
    if (!ok) out.error = ok.error(), out.exit = common::exit_code(ok.error().code);
    out.summary = run.summary;
    return out;
}

// An error after the run was recorded still ends the record.
RunOutcome fail_run(RunPlan& run, Services& s, const common::Error& e) {
    run.summary.message = e.message;
    const bool interrupted = e.code == ErrorCode::interrupted;
    auto out = finish(run, s, interrupted ? "interrupted" : "error", interrupted ? 130 : 1);
    if (!out.error) out.error = e;
    out.exit = common::exit_code(out.error->code);
    return out;
}

// The builds; their outcome is in `report`.
common::Result<components::BuildReport> build_phase(const Project& p, RunPlan& run, Services& s,
                                                    Observer& o) {
    if (!run.base_id.empty()) {
        if (auto ok = s.store.record_diffs(diffs_of(run.selection, p.head)); !ok)
            return std::unexpected(ok.error());
    }
    auto settings = build_settings(p, run.summary.run_id, run.env->name, run.summary.started_at,
                                   run.request.builds, run.request.trigger, s);
    auto report = run_builds(p, run.builds, settings, s, o);
    end_phase(run.summary, "build", s, o);
    return report;
}

// The deploy with this run's images.
RunOutcome deploy_phase(const Project& p, RunPlan& run, const components::BuildReport& report,
                        Services& s, Observer& o) {
    std::map<std::string, deploy::KnownImage> images;
    for (const auto& b : report.builds) {
        if (b.status == BuildStatus::succeeded || b.status == BuildStatus::reused)
            images[b.component] = {b.build_number, b.image_uri};
    }
    auto dp = deploy_plan_with(p, run, s, images);
    if (!dp) return fail_run(run, s, dp.error());
    auto done = execute_deploy(*run.env, std::move(*dp), deploy_settings(run), s, o);
    end_phase(run.summary, "deploy", s, o);
    if (!done) return fail_run(run, s, done.error());
    fill_rows(p, run, &report, &done->plan.parameters, done->changed_parameters);
    RunOutcome out;
    if (!done->outcome) {
        run.summary.deployment_id = done->pending_id;
        out = finish(run, s, "overrides-written", done->exit);
    } else {
        summarize_outcome(*done->outcome, run.summary);
        out = finish(run, s, result_name(*done->outcome), done->exit);
    }
    out.deploy = std::move(*done);
    return out;
}

RunStarted started(const RunPlan& run) {
    RunStarted r{run.summary.run_id,
                 run.env->name,
                 run.request.trigger.name,
                 run.request.trigger.detail,
                 run.summary.head,
                 run.base_id,
                 run.base.reason,
                 run.selection.changed.size(),
                 run.selection.affected.size(),
                 {}};
    for (std::size_t i = 0; i < run.builds.plan.size(); ++i)
        r.to_build.push_back(run.builds.plan.at(i).component);
    return r;
}

// A plan: the change set the run would make, previewed; nothing recorded.
RunOutcome preview(const Project& p, RunPlan& run, Services& s, Observer& o) {
    RunOutcome out;
    out.prospective = run.prospective;
    if (!run.deploy_needed) {
        fill_rows(p, run, nullptr, &run.preflight.parameters, {});
        out.summary = run.summary;
        out.summary.result = "nothing-affected";
        return out;
    }
    auto done = execute_deploy(*run.env, run.preflight, deploy_settings(run), s, o);
    fill_rows(p, run, nullptr, &run.preflight.parameters,
              done ? done->changed_parameters : std::set<std::string>{});
    out.summary = run.summary;
    out.summary.result = "planned";
    if (!done) {
        out.error = done.error();
        out.exit = common::exit_code(done.error().code);
        return out;
    }
    out.exit = done->exit;
    out.deploy = std::move(*done);
    return out;
}

}  // namespace

RunOutcome execute_run(const Project& p, RunPlan run, Services& s, Observer& o) {
    if (run.request.plan) return preview(p, run, s, o);
    // Builds need oneTBB's module: a broken installation says so before anything is recorded.
    if (run.builds.plan.size() > 0) components::require_parallel_module();
    if (auto ok = s.store.begin_run(new_run_record(run.summary)); !ok) {
        RunOutcome out;
        out.summary = run.summary;
        out.error = ok.error();
        out.exit = common::exit_code(ok.error().code);
        return out;
    }
    o.run_started(started(run));
    if (!run.deploy_needed) {
        fill_rows(p, run, nullptr, &run.preflight.parameters, {});
        return finish(run, s, "nothing-affected", 0);
    }
    auto report = build_phase(p, run, s, o);
    if (!report) return fail_run(run, s, report.error());
    if (report->interrupted || !report->all_succeeded()) {
        fill_rows(p, run, &*report, &run.preflight.parameters, {});
        return finish(run, s, report->interrupted ? "interrupted" : "build-failed",
                      exit_status(*report));
    }
    if (run.lease->lost())
        return fail_run(run, s,
                        {ErrorCode::busy, "lost the deploy lease of '" + run.env->name + "'"});
    // Cancelled while building (Ctrl-C, SIGTERM past the grace, a service's lost job claim):
    // nothing is deployed.
    if (s.clock.interrupted && s.clock.interrupted()) {
        fill_rows(p, run, &*report, &run.preflight.parameters, {});
        return finish(run, s, "interrupted", 130);
    }
    return deploy_phase(p, run, *report, s, o);
}

common::Result<RunPlan> plan_run(const Project& p, const RunRequest& r, Services& s, Observer& o) {
    if (!p.repo)
        return common::fail(ErrorCode::usage, "run: '" + p.root + "' is not in a git repository");
    if (auto ok = check_remote(p.manifest, r.builds.remote); !ok)
        return std::unexpected(ok.error());
    auto env = p.environment(r.env);
    if (!env) return std::unexpected(env.error());
    RunPlan run;
    run.request = r;
    run.env = *env;
    RunSummary& sum = run.summary;
    sum.started_at = s.clock.now();
    sum.run_id = new_run_id(sum.started_at);
    sum.env = r.env;
    sum.stack = run.env->stack;
    sum.trigger = r.trigger.name;
    sum.actor = r.trigger.actor;
    sum.head = p.head;
    if (auto done = recover_runs(s.store, sum.started_at); !done)
        return std::unexpected(done.error());
    // The environment first: base, selection and parameters come from what it has once held.
    auto lease = hold_environment(*run.env, sum.run_id, r.wait, s,
                                  [&o](const std::string& line) { o.note(line); });
    if (!lease) return std::unexpected(busy(sum, r, s, lease.error()));
    run.lease = std::move(*lease);
    if (auto ok = resolve_base(p, run, s, o); !ok) return std::unexpected(ok.error());
    sum.base = run.base_id;
    sum.base_reason = run.base.reason;
    if (auto ok = select(p, run); !ok) return std::unexpected(ok.error());
    if (auto ok = preflight(p, run, s); !ok) return std::unexpected(ok.error());
    sum.phases.push_back({"select", s.clock.now() - sum.started_at});
    o.phase_ended(sum.phases.back());
    return run;
}

std::string plan_json(const RunOutcome& planned) {
    const RunSummary& s = planned.summary;
    common::JsonOut j;
    j.begin_object().key("affected").begin_array();
    for (const auto& r : s.rows) {
        if (!r.reason.empty()) j.value(r.component);
    }
    j.end_array();
    j.field_or_null("base", !s.base.empty(), s.base).field("base_reason", s.base_reason);
    j.key("builds").begin_array();
    for (const auto& b : planned.prospective) {
        j.begin_object().field("build_number", b.build_number()).field("component", b.component);
        j.field("image_uri", b.image_uri()).field("reused", b.reused_number != 0).end_object();
    }
    j.end_array().key("changed_parameters").begin_array();
    if (planned.deploy) {
        for (const auto& name : planned.deploy->changed_parameters) j.value(name);
    }
    j.end_array().field("env", s.env).field("head", s.head).field("result", s.result);
    // A change set without changes leaves the stack as it is.
    const bool touches = planned.deploy && planned.deploy->outcome &&
                         planned.deploy->outcome->result == deploy::DeployResult::planned;
    j.field("stack", s.stack).field("touches_stack", touches);
    return j.end_object().str();
}

}  // namespace pipeline
