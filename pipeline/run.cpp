// See run.hpp for the steps.
#include "pipeline/run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "common/json.hpp"
#include "components/parallel.hpp"
#include "pipeline/environment.hpp"
#include "pipeline/host.hpp"
#include "pipeline/ledger.hpp"
#include "pipeline/remote.hpp"
#include "pipeline/reuse.hpp"

namespace pipeline {
namespace {

using common::ErrorCode;
using components::ComponentKind;
using versioning::BuildStatus;

// The base given with --base, or, before a first deployment, the environment's base branch.
common::Result<void> resolve_given_base(const Project& p, RunPlan& run) {
    if (run.base.ref.empty()) return {};
    auto id = p.repo->resolve_commit(run.base.ref);
    if (!id) return std::unexpected(id.error().with_context("--base"));
    run.base_id = *id;
    return {};
}

// Which base, and why (read once the environment is held). With a complete deployment and
// no --base, each component is compared with its own deployed commit (select(); over every
// stack and place); `base_id` is then the environment's place in history, when this clone
// has it.
common::Result<void> resolve_base(const Project& p, RunPlan& run, Services& s) {
    auto complete = last_complete_deployment(s.store, run.env->name);
    if (!complete) return std::unexpected(complete.error());
    run.deployed = std::move(*complete);
    if (run.deployed) {
        auto current = s.store.current_deployments(run.env->name);
        if (!current) return std::unexpected(current.error());
        run.commits = deployed_commits(p.manifest, *run.env, *current);
        run.template_commits = template_commits(*run.env, *current);
    }
    const std::string& flag = run.request.base;
    run.base = choose_base(flag, run.env->name, run.deployed, run.env->base);
    if (!run.deployed || (!flag.empty() && flag != "auto")) return resolve_given_base(p, run);
    if (!run.deployed->commit.empty()) {
        if (auto id = p.repo->resolve_commit(run.deployed->commit)) run.base_id = *id;
    }
    for (const auto& [name, commit] : run.commits) {
        if (commit == run.deployed->commit) continue;
        run.base.reason = fmt::format(
            "per component, the commit its image deployed in {} (deployment #{}) is current for",
            run.env->name, run.deployed->id);
        break;
    }
    return {};
}

// The affected components, and which stacks need a deploy. The components a deployment owes
// (ledger.hpp) are the selection, unless --base chose another; they are worked out either
// way, so that what stays owed keeps its deployed commit.
common::Result<void> select(const Project& p, RunPlan& run, Observer& o) {
    auto targets = deploy::filter_targets(*run.env, run.request.targets);
    if (!targets) return std::unexpected(targets.error());
    run.targets = std::move(*targets);
    const bool given = !run.request.base.empty() && run.request.base != "auto";
    if (run.deployed) {
        std::string fell_back;
        auto owed = owed_selection(p, run.commits, run.env->name, run.env->base, o, &fell_back,
                                   run.template_commits);
        if (!owed) return std::unexpected(owed.error());
        if (!fell_back.empty() && !given) run.base.reason = fell_back;
        for (const auto& c : owed->affected) run.owed.insert(c.name);
        if (!given) run.selection = std::move(*owed);
    }
    if ((given || !run.deployed) && !run.base_id.empty()) {
        diff::DiffRequest request{run.base_id, p.head, true};
        std::optional<diff::ChangeSet> changes;
        auto paths = changed_paths(&*p.repo, request, "", changes);
        if (!paths) return std::unexpected(paths.error());
        auto selector = project_selector(p);
        if (!selector) return std::unexpected(selector.error());
        run.selection = selector->select(*paths);
    }
    run.everything = run.request.all || run.base.first_deployment;
    if (run.everything) run.selected = p.manifest.component_names();
    std::vector<std::string> affected;
    for (const auto& c : run.selection.affected) {
        if (!run.everything) run.selected.push_back(c.name);
        affected.push_back(c.name);
    }
    run.stacks = deploy::select_stacks(p.manifest, *run.env, affected, run.selection.changed,
                                       run.everything);
    if (run.request.force_deploy) {
        for (std::size_t i = 0; i < run.stacks.deploy.size(); ++i) {
            if (run.stacks.deploy[i]) continue;
            run.stacks.deploy[i] = true;
            run.stacks.reasons[i] = "--force-deploy";
        }
    }
    run.deploy_needed = std::find(run.stacks.deploy.begin(), run.stacks.deploy.end(), true) !=
                        run.stacks.deploy.end();
    return {};
}

// check_newest against what the store says before the environment is held (the
// environment's last complete deployment, as resolve_base reads it).
common::Result<void> head_is_newest(const Project& p, const RunPlan& run, Services& s) {
    if (run.request.allow_older) return {};
    auto complete = last_complete_deployment(s.store, run.env->name);
    if (!complete) return std::unexpected(complete.error());
    return check_newest(p, run.env->name, *complete, false, nullptr);  // said later
}

DeploySettings deploy_settings(const RunPlan& run) {
    DeploySettings d;
    d.run_id = run.summary.run_id;
    d.actor = run.summary.actor;
    d.plan = run.request.plan;
    d.wait = run.request.wait;
    d.replace_failed = run.request.replace_failed;
    d.write_overrides = run.request.write_overrides;
    d.targets = run.request.targets;
    return d;
}

// The environment's plan with `images` as the new images of this run.
common::Result<EnvironmentPlan> deploy_plan_with(
    const Project& p, const RunPlan& run, Services& s,
    const std::map<std::string, deploy::KnownImage>& images) {
    auto known = known_images(p, *run.env, s.store);
    if (!known) return std::unexpected(known.error());
    NewImages fresh;
    for (const auto& [name, image] : images) {
        const auto* c = p.manifest.find(name);
        if (c && c->kind == ComponentKind::image) fresh.all[name] = image;
    }
    auto plan =
        plan_environment(p, *run.env, run.stacks, run.targets, *known, fresh, deploy_settings(run),
                         deploy::scope_of(run.request.targets, run.targets));
    if (!plan) return plan;
    if (!run.request.write_overrides.empty() && plan->deploys.size() > 1)
        return common::fail(ErrorCode::usage,
                            "--write-overrides: the run deploys " +
                                std::to_string(plan->deploys.size()) +
                                " stacks and CodePipeline's overrides are one stack's: limit it "
                                "with --region or --wave to one");
    // The images the run built are current for its head; so is every other one whose
    // component nothing since its own commit touched. What stays owed keeps its commit. Each
    // stack's deployment is then at the common ancestor of its images' and template's commits.
    for (auto& d : plan->deploys) {
        for (auto& i : d.parameters.images) {
            const bool built = images.contains(i.component);
            const bool unaffected = run.deployed && !run.owed.contains(i.component) &&
                                    i.source == deploy::ImageSource::deployed;
            if (built || unaffected) i.commit = p.head;
        }
        d.commit = history_position(p.repo ? &*p.repo : nullptr, d);
    }
    return plan;
}

// Bad parameters or template stop the run here, before a number is taken.
common::Result<void> preflight(const Project& p, RunPlan& run, Services& s, Observer& o) {
    auto planned = plan_builds(p, run.selected, run.request.builds.remote);
    if (!planned) return std::unexpected(planned.error());
    run.builds = std::move(*planned);
    if (run.request.builds.reuse && run.builds.plan.size()) {
        auto reusable = reusable_builds(run.builds, s, o);
        if (!reusable) return std::unexpected(reusable.error());
        run.reusable = std::move(*reusable);
    }
    auto prospective = prospective_builds(p, run.builds, &s.store, run.reusable, run.env->name,
                                          run.summary.started_at);
    if (!prospective) return std::unexpected(prospective.error());
    run.prospective = std::move(*prospective);
    std::map<std::string, deploy::KnownImage> images;
    for (const auto& b : run.prospective) images[b.component] = {b.build_number(), b.image_uri()};
    auto dp = deploy_plan_with(p, run, s, images);
    if (!dp) return std::unexpected(dp.error());
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
        case components::ReasonKind::docker:
            return r.path;
        case components::ReasonKind::dependency:
            return "depends on " + r.dependency;
        case components::ReasonKind::global:
            return "global input " + r.path;
        case components::ReasonKind::deployed_commit:
            return r.pattern;
    }
    return "";
}

// One row per component: what the run did with it and which image the stack has.
void fill_rows(const Project& p, RunPlan& run, const components::BuildReport* builds,
               const EnvironmentPlan* params, const EnvironmentRun* deployed) {
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
        r.reused_from = b.reused_from;
        if (b.status == BuildStatus::failed || b.status == BuildStatus::timed_out)
            r.log_tail = tail_lines(b.log_path, 40);
    }
    for (const auto& d : params ? params->deploys : std::vector<deploy::DeployPlan>{}) {
        for (const auto& i : d.parameters.images) {
            auto& r = rows[i.component];
            if (!r.built) r.build_number = i.build_number, r.image_uri = i.image_uri;
        }
    }
    for (const auto& st : deployed ? deployed->stacks : std::vector<StackRun>{}) {
        if (!st.run) continue;
        for (const auto& i : st.run->plan.parameters.images) {
            auto& r = rows[i.component];
            if (!r.built) r.build_number = i.build_number, r.image_uri = i.image_uri;
            r.parameter_changed =
                r.parameter_changed || st.run->changed_parameters.contains(i.parameter);
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
    if (!run.selection.affected.empty()) {
        if (auto ok = s.store.record_diffs(diffs_of(run.selection, p.head)); !ok)
            return std::unexpected(ok.error());
    }
    auto settings = build_settings(p, run.summary.run_id, run.env->name, run.summary.started_at,
                                   run.request.builds, run.request.trigger, s);
    settings.reusable = run.reusable;  // as the preflight found them (and told)
    auto report = run_builds(p, run.builds, settings, s, o);
    end_phase(run.summary, "build", s, o);
    return report;
}

// The deploy of the affected stacks with this run's images.
RunOutcome deploy_phase(const Project& p, RunPlan& run, const components::BuildReport& report,
                        Services& s, Observer& o) {
    std::map<std::string, deploy::KnownImage> images;
    for (const auto& b : report.builds) {
        if (b.status == BuildStatus::succeeded || b.status == BuildStatus::reused)
            images[b.component] = {b.build_number, b.image_uri};
    }
    auto dp = deploy_plan_with(p, run, s, images);
    if (!dp) return fail_run(run, s, dp.error());
    auto done = deploy_stacks(*run.env, std::move(*dp), deploy_settings(run), s, o);
    end_phase(run.summary, "deploy", s, o);
    fill_rows(p, run, &report, nullptr, &done);
    summarize_environment(done, run.summary);
    RunOutcome out;
    if (done.error && (done.stacks.size() == 1 || done.error->code != ErrorCode::failed)) {
        out = fail_run(run, s, *done.error);
    } else {
        out = finish(run, s, run.summary.result, done.exit);
    }
    out.deploy = std::move(done);
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

// A plan: the change sets the run would make, previewed; nothing recorded.
RunOutcome preview(const Project& p, RunPlan& run, Services& s, Observer& o) {
    RunOutcome out;
    out.prospective = run.prospective;
    if (!run.deploy_needed) {
        fill_rows(p, run, nullptr, &run.preflight, nullptr);
        out.summary = run.summary;
        out.summary.result = "nothing-affected";
        return out;
    }
    auto done = deploy_stacks(*run.env, run.preflight, deploy_settings(run), s, o);
    fill_rows(p, run, nullptr, &run.preflight, &done);
    summarize_environment(done, run.summary);
    out.summary = run.summary;
    out.summary.result = "planned";
    out.exit = done.exit;
    if (done.error) out.error = done.error;
    out.deploy = std::move(done);
    return out;
}

}  // namespace

RunOutcome execute_run(const Project& p, RunPlan run, Services& s, Observer& o) {
    if (run.request.plan) return preview(p, run, s, o);
    // Builds and deploys run on the parallel module's graph: a broken installation says so
    // before anything is recorded.
    if (run.builds.plan.size() > 0 || run.deploy_needed) components::require_parallel_module();
    if (auto ok = s.store.begin_run(new_run_record(run.summary)); !ok) {
        RunOutcome out;
        out.summary = run.summary;
        out.error = ok.error();
        out.exit = common::exit_code(ok.error().code);
        return out;
    }
    o.run_started(started(run));
    if (!run.deploy_needed) {
        fill_rows(p, run, nullptr, &run.preflight, nullptr);
        return finish(run, s, "nothing-affected", 0);
    }
    auto report = build_phase(p, run, s, o);
    if (!report) return fail_run(run, s, report.error());
    if (report->interrupted || !report->all_succeeded()) {
        fill_rows(p, run, &*report, &run.preflight, nullptr);
        return finish(run, s, report->interrupted ? "interrupted" : "build-failed",
                      exit_status(*report));
    }
    if (run.lease->lost())
        return fail_run(run, s,
                        {ErrorCode::busy, "lost the deploy lease of '" + run.env->name + "'"});
    // Cancelled while building (Ctrl-C, SIGTERM past the grace, a service's lost job claim):
    // nothing is deployed.
    if (s.clock.interrupted && s.clock.interrupted()) {
        fill_rows(p, run, &*report, &run.preflight, nullptr);
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
    if ((*env)->gates.any() && !r.plan)
        return common::fail(ErrorCode::held, "environment '" + r.env +
                                                 "' has gates: its images come by promotion "
                                                 "(slipway promote --to " +
                                                 r.env + ")");
    RunPlan run;
    run.request = r;
    run.env = *env;
    RunSummary& sum = run.summary;
    sum.started_at = s.clock.now();
    sum.run_id = new_run_id(sum.started_at);
    sum.env = r.env;
    for (const auto& st : run.env->stacks) sum.stack += (sum.stack.empty() ? "" : ", ") + st.name;
    sum.trigger = r.trigger.name;
    sum.actor = r.trigger.actor;
    sum.head = p.head;
    if (auto done = recover_runs(s.store, sum.started_at); !done)
        return std::unexpected(done.error());
    // Newest in history: an older head fails before waiting for the environment (and again
    // once it is held: another deploy may have moved it meanwhile).
    if (auto ok = head_is_newest(p, run, s); !ok) return std::unexpected(ok.error());
    // The environment first: base, selection and parameters come from what it has once held.
    auto lease = hold_environment(*run.env, sum.run_id, r.wait, s,
                                  [&o](const std::string& line) { o.note(line); });
    if (!lease) return std::unexpected(busy(sum, r, s, lease.error()));
    run.lease = std::move(*lease);
    if (auto ok = resolve_base(p, run, s); !ok) return std::unexpected(ok.error());
    if (auto ok = check_newest(p, run.env->name, run.deployed, r.allow_older, &o); !ok)
        return std::unexpected(ok.error());
    if (auto ok = select(p, run, o); !ok) return std::unexpected(ok.error());
    sum.base = run.base_id;
    sum.base_reason = run.base.reason;
    if (auto ok = preflight(p, run, s, o); !ok) return std::unexpected(ok.error());
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
        j.field("image_uri", b.image_uri()).field("reused", b.reused_number != 0);
        j.field_or_null("reused_from", b.reused_number != 0, b.reused_from).end_object();
    }
    j.end_array().key("changed_parameters").begin_array();
    std::set<std::string> changed;
    bool touches = false;  // a change set without changes leaves its stack as it is
    // A stack not previewed is counted as touched: no change set says otherwise.
    auto touched = [](const StackRun& st) {
        return st.run &&
               ((st.run->outcome && st.run->outcome->result == deploy::DeployResult::planned) ||
                !st.run->not_previewed.empty());
    };
    for (const auto& st : planned.deploy ? planned.deploy->stacks : std::vector<StackRun>{}) {
        if (!st.run) continue;
        changed.insert(st.run->changed_parameters.begin(), st.run->changed_parameters.end());
        touches = touches || touched(st);
    }
    for (const auto& name : changed) j.value(name);
    j.end_array().field("env", s.env).field("head", s.head).field("result", s.result);
    j.field("stack", s.stack);
    j.key("stacks").begin_array();
    for (const auto& st : planned.deploy ? planned.deploy->stacks : std::vector<StackRun>{}) {
        j.begin_object().field("label", st.label);
        j.field("message", st.error                                   ? st.error->message
                           : st.run && !st.run->not_previewed.empty() ? st.run->not_previewed
                                                                      : std::string());
        j.field("previewed", st.run && st.run->outcome).field("reason", st.reason);
        j.field("result", st.result).field("touches_stack", touched(st));
        j.key("unknown_parameters").begin_object();
        if (st.run) {
            for (const auto& [name, shown] : st.run->plan.parameters.unknown) j.field(name, shown);
        }
        j.end_object().end_object();
    }
    j.end_array().field("touches_stack", touches);
    return j.end_object().str();
}

}  // namespace pipeline
