// See deploys.hpp.
#include "pipeline/deploys.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "pipeline/environment.hpp"
#include "pipeline/host.hpp"
#include "pipeline/promotion.hpp"

namespace pipeline {
namespace {

using common::ErrorCode;
namespace fs = std::filesystem;

// The observer's deploy reporter, noting which parameters the previewed change set changes.
class RecordingReporter final : public deploy::DeployReporter {
  public:
    explicit RecordingReporter(deploy::DeployReporter& inner) : m_inner(inner) {}
    void begin(const deploy::DeployPlan& plan) override { m_inner.begin(plan); }
    void note(const std::string& line) override { m_inner.note(line); }
    void preview(const deploy::Preview& p) override {
        m_changed.clear();
        for (const auto& c : p.parameters) m_changed.insert(c.name);
        m_inner.preview(p);
    }
    bool confirm(const deploy::Preview& p) override { return m_inner.confirm(p); }
    void event(const deploy::StackEvent& e) override { m_inner.event(e); }
    void waiting(const std::string& status, std::chrono::milliseconds elapsed) override {
        m_inner.waiting(status, elapsed);
    }
    [[nodiscard]] const std::set<std::string>& changed() const { return m_changed; }

  private:
    deploy::DeployReporter& m_inner;
    std::set<std::string> m_changed;
};

// CodePipeline executes instead: the file written, the overrides recorded as pending until
// the stack holds them (reconciliation).
common::Result<DeployRun> write_overrides(deploy::DeployPlan plan, const DeploySettings& settings,
                                          Services& s) {
    if (auto ok = deploy::validate_plan(plan); !ok) return std::unexpected(ok.error());
    std::ofstream out(settings.write_overrides, std::ios::binary | std::ios::trunc);
    out << deploy::template_configuration(plan.parameters.values, plan.tags);
    out.close();
    if (!out) return common::fail(ErrorCode::input, "cannot write " + settings.write_overrides);
    auto intent =
        deploy::deployment_record(plan, versioning::deployment_status::pending, s.clock.now());
    intent.executed_by = "codepipeline";
    auto id = s.store.record_deployment(intent);
    if (!id) {
        std::error_code ec;
        fs::remove(settings.write_overrides, ec);
        return std::unexpected(id.error());
    }
    DeployRun run;
    run.plan = std::move(plan);
    run.pending_id = *id;
    return run;
}

// --images comp=uri,...: the build number is the store's when it knows that image.
common::Result<std::map<std::string, deploy::KnownImage>> given_images(
    const std::vector<std::string>& given, versioning::VersionStore& store) {
    std::map<std::string, deploy::KnownImage> out;
    for (const auto& item : given) {
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
            return common::fail(ErrorCode::usage,
                                "--images: expected COMPONENT=IMAGE_URI, got '" + item + "'");
        deploy::KnownImage image{0, item.substr(eq + 1)};
        auto builds = store.builds_of(item.substr(0, eq), 200);
        if (!builds) return std::unexpected(builds.error());
        for (const auto& b : *builds) {
            if (b.image_uri == image.image_uri && b.build_number > 0) {
                image.build_number = b.build_number;
                break;
            }
        }
        out[item.substr(0, eq)] = image;
    }
    return out;
}

// deploy: the given or latest images as new, the deployed ones for the rest.
common::Result<deploy::ParameterInputs> deploy_images(const DeployRequest& r,
                                                      deploy::ParameterInputs in, Services& s,
                                                      Observer& o) {
    auto given = given_images(r.images, s.store);
    if (!given) return std::unexpected(given.error());
    if (r.latest) in.new_images = in.latest_built;
    for (auto& [name, image] : *given) in.new_images[name] = image;
    for (const auto& [name, built] : in.latest_built) {
        auto deployed = in.deployed.find(name);
        if (r.latest || in.new_images.contains(name) || deployed == in.deployed.end() ||
            deployed->second.build_number >= built.build_number)
            continue;
        o.note(
            fmt::format("{}: build #{} is newer than the deployed #{} (deploy it with --latest "
                        "or --images)",
                        name, built.build_number, deployed->second.build_number));
    }
    return in;
}

// promote: exactly the source environment's deployed images, and its commit -- or, for a
// promotion request, exactly the request's.
common::Result<deploy::ParameterInputs> promote_images(const Project& p, const DeployRequest& r,
                                                       const components::Environment& env,
                                                       deploy::ParameterInputs in, Services& s,
                                                       std::string& commit, std::string& source,
                                                       const versioning::PromotionRequest* req) {
    if (req) {
        for (const auto& i : req->images)
            in.new_images[i.component] = {i.build_number, i.image_uri};
        commit = req->commit;
        source = req->from + "#" + std::to_string(req->source_deployment);
        return in;
    }
    const std::string from = r.from.empty() ? env.promote_from : r.from;
    if (from.empty())
        return common::fail(ErrorCode::usage, "promote: give --from (environment '" + env.name +
                                                  "' has no promote_from)");
    if (auto known = p.environment(from); !known) return std::unexpected(known.error());
    if (!env.promote_from.empty() && env.promote_from != from)
        return common::fail(ErrorCode::input, "environment '" + env.name + "' promotes from '" +
                                                  env.promote_from + "', not '" + from + "'");
    auto current = s.store.current_deployments(from);
    if (!current) return std::unexpected(current.error());
    if (current->empty())
        return common::fail(ErrorCode::input,
                            "environment '" + from + "' has no succeeded deployment to promote");
    const auto& d = current->front();
    for (const auto& i : d.images) {
        const auto* comp = p.manifest.find(i.component);
        if (comp && comp->kind == components::ComponentKind::image)
            in.new_images[i.component] = {i.build_number, i.image_uri};
    }
    commit = d.commit;
    source = from + "#" + std::to_string(d.id);
    return in;
}

// rollback: an earlier deployment's images (and commit), or one component's earlier build.
common::Result<deploy::ParameterInputs> rollback_images(const DeployRequest& r,
                                                        deploy::ParameterInputs in, Services& s,
                                                        std::string& commit, std::string& source) {
    if (r.to_deployment > 0) {
        auto d = s.store.deployment(r.to_deployment);
        if (!d) return std::unexpected(d.error());
        if (!*d || (*d)->env != r.env || (*d)->status != versioning::deployment_status::succeeded)
            return common::fail(ErrorCode::input, "no succeeded deployment #" +
                                                      std::to_string(r.to_deployment) +
                                                      " of environment '" + r.env + "'");
        for (const auto& i : (*d)->images)
            in.new_images[i.component] = {i.build_number, i.image_uri};
        commit = (*d)->commit;
        source = "#" + std::to_string(r.to_deployment);
        return in;
    }
    auto builds = s.store.builds_of(r.component, 100000);
    if (!builds) return std::unexpected(builds.error());
    for (const auto& b : *builds) {
        if (b.build_number == r.build && b.status == versioning::BuildStatus::succeeded) {
            in.new_images[r.component] = {b.build_number, b.image_uri};
            source = r.component + "#" + std::to_string(r.build);
            return in;
        }
    }
    return common::fail(
        ErrorCode::input,
        "component '" + r.component + "' has no succeeded build #" + std::to_string(r.build));
}

// The plan a deploy command makes once the environment is held.
common::Result<deploy::DeployPlan> command_plan(const Project& p, const DeployRequest& r,
                                                const components::Environment& env, Services& s,
                                                Observer& o,
                                                const versioning::PromotionRequest* req) {
    auto known = known_images(p, env, s.store);
    if (!known) return std::unexpected(known.error());
    std::string commit = p.head, source;
    common::Result<deploy::ParameterInputs> inputs =
        r.kind == "promote"    ? promote_images(p, r, env, *known, s, commit, source, req)
        : r.kind == "rollback" ? rollback_images(r, *known, s, commit, source)
                               : deploy_images(r, *known, s, o);
    if (!inputs) return std::unexpected(inputs.error());
    auto params = deploy::compute_parameters(p.manifest, env, *inputs);
    if (!params) return std::unexpected(params.error());
    auto plan = make_deploy_plan(p, env, std::move(*params), r.settings);
    if (!plan) return plan;
    plan->kind = r.kind;
    plan->source = source;
    plan->commit = commit;
    if (r.kind == "rollback") plan->note = r.reason;
    if (auto ok = deploy::validate_plan(*plan); !ok) return std::unexpected(ok.error());
    return plan;
}

// The summary rows of a deploy command: every image component and what the stack gets.
void fill_summary(RunSummary& summary, const DeployRun& run) {
    summary.stack = run.plan.stack;
    summary.head = run.plan.commit;
    for (const auto& i : run.plan.parameters.images) {
        SummaryRow row;
        row.component = i.component;
        row.kind = "image";
        row.status = i.changed ? "changed" : "unchanged";
        row.build_number = i.build_number;
        row.image_uri = i.image_uri;
        row.parameter = i.parameter;
        row.parameter_changed = run.changed_parameters.contains(i.parameter);
        summary.rows.push_back(std::move(row));
    }
    if (!run.outcome) {
        summary.result = "overrides-written";
        summary.deployment_id = run.pending_id;
        return;
    }
    summary.result = result_name(*run.outcome);
    summarize_outcome(*run.outcome, summary);
}

// A promotion into a gated environment: the request it goes through (the one named, else
// the open one, else a new one -- recorded unless this is a plan), with a freeze override
// recorded first, and its gates decided now.
common::Result<std::pair<versioning::PromotionRequest, GateVerdict>> gated_request(
    const Project& p, const DeployRequest& r, const components::Environment& env, Services& s,
    Observer& o) {
    std::optional<versioning::PromotionRequest> req;
    const versioning::Millis now = s.clock.now();
    if (r.request_id) {
        auto found = s.store.request(r.request_id);
        if (!found) return std::unexpected(found.error());
        if (!*found || (*found)->env != env.name)
            return common::fail(ErrorCode::input, "no promotion request #" +
                                                      std::to_string(r.request_id) +
                                                      " into environment '" + env.name + "'");
        if ((*found)->status != versioning::request_status::open)
            return common::fail(
                ErrorCode::input,
                "request #" + std::to_string(r.request_id) + " is " + (*found)->status +
                    " already" +
                    ((*found)->deployment_id
                         ? " (deployment #" + std::to_string((*found)->deployment_id) + ")"
                         : ""));
        req = std::move(*found);
    } else {
        auto open = open_request(s.store, env.name);
        if (!open) return std::unexpected(open.error());
        req = std::move(*open);
        if (req)
            o.note(
                fmt::format("request #{} into {} is open: it ships its images (deployment "
                            "#{} of {}), not newer ones",
                            req->id, env.name, req->source_deployment, req->from));
    }
    if (!req) {
        if (!r.from.empty() && r.from != env.promote_from)
            return common::fail(ErrorCode::input, "environment '" + env.name + "' promotes from '" +
                                                      env.promote_from + "', not '" + r.from + "'");
        auto made = new_request(p.manifest, env, s.store, r.trigger.actor, now);
        if (!made) return std::unexpected(made.error());
        made->reason = r.reason;
        made->auto_deploy = r.auto_deploy;
        if (!r.settings.plan) {
            auto id = s.store.record_request(*made);
            if (!id) return std::unexpected(id.error());
            made->id = *id;
            o.note(fmt::format("recorded promotion request #{} into {}", made->id, env.name));
        }
        req = std::move(*made);
    }
    if (r.override_freeze && !r.settings.plan) {
        auto after =
            decide(p.manifest, {req->id, env.name, "override-freeze", r.reason, r.trigger.actor},
                   s.store, now);
        if (!after) return std::unexpected(after.error());
        o.warning(fmt::format("the freeze of {} is overridden by {} for request #{}: {}", env.name,
                              r.trigger.actor, req->id, r.reason));
        req = std::move(*after);
    }
    auto verdict = check_gates(p.manifest, env, *req, s.store, now);
    if (!verdict) return std::unexpected(verdict.error());
    return std::pair{std::move(*req), std::move(*verdict)};
}

// The request ends with its deploy's outcome (a plan, a declined change set or an error
// leave it open).
void finish_request(Services& s, const versioning::PromotionRequest& req, const DeployRun& run,
                    const std::string& run_id, Observer& o) {
    if (!run.outcome || req.id == 0) return;
    const auto& out = *run.outcome;
    const bool shipped = out.result == deploy::DeployResult::deployed ||
                         out.result == deploy::DeployResult::up_to_date;
    if (!shipped && out.result != deploy::DeployResult::failed) return;
    std::string reason;
    if (out.result == deploy::DeployResult::up_to_date)
        reason = "the stack ran these images already";
    if (!shipped) reason = "the deploy failed: " + out.final_status;
    auto ok = s.store.finish_request(
        req.id, shipped ? versioning::request_status::deployed : versioning::request_status::failed,
        s.clock.now(), out.deployment_id, run_id, reason);
    if (!ok)
        o.warning("recording the end of request #" + std::to_string(req.id) + ": " +
                  ok.error().message);
}

}  // namespace

common::Result<deploy::ParameterInputs> known_images(const Project& p,
                                                     const components::Environment& env,
                                                     versioning::VersionStore& store) {
    deploy::ParameterInputs in;
    auto current = store.current_deployments(env.name);
    if (!current) return std::unexpected(current.error());
    for (const auto& d : *current) {
        for (const auto& i : d.images) in.deployed[i.component] = {i.build_number, i.image_uri};
    }
    for (const auto& comp : p.manifest.components) {
        if (comp.kind != components::ComponentKind::image) continue;
        auto builds = store.builds_of(comp.name, 50);
        if (!builds) return std::unexpected(builds.error());
        for (const auto& b : *builds) {
            if (b.status == versioning::BuildStatus::succeeded && b.build_number > 0) {
                in.latest_built[comp.name] = {b.build_number, b.image_uri};
                break;
            }
        }
    }
    return in;
}

common::Result<deploy::DeployPlan> make_deploy_plan(const Project& p,
                                                    const components::Environment& env,
                                                    deploy::ParameterSet params,
                                                    const DeploySettings& settings) {
    if (env.template_path.empty())
        return common::fail(ErrorCode::input,
                            env.pos.str() + ": environment '" + env.name + "' has no template");
    const fs::path template_file = fs::path(p.root) / env.template_path;
    auto tmpl = deploy::load_template(template_file.string());
    if (!tmpl) return std::unexpected(tmpl.error());
    tmpl->file = env.template_path;
    deploy::DeployPlan plan;
    plan.env = env.name;
    plan.stack = env.stack;
    plan.commit = p.head;
    plan.run_id = settings.run_id;
    plan.tmpl = std::move(*tmpl);
    plan.template_dir = template_file.parent_path().string();
    plan.parameters = std::move(params);
    plan.capabilities = env.capabilities;
    plan.tags = env.tags;
    plan.role_arn = env.service_role_arn;  // role_arn is assumed for the calls instead
    plan.artifact_bucket = env.artifact_bucket;
    plan.artifact_prefix =
        "slipway/" + (p.manifest.project.empty() ? "project" : p.manifest.project) + "/";
    plan.plan_only = settings.plan;
    plan.wait_busy = settings.wait;
    plan.replace_failed = settings.replace_failed;
    plan.promote_tags = env.promote_tags;
    plan.immutable = env.immutable;
    plan.lock_owner = lease_owner(plan.run_id);
    plan.lease_held = true;  // the caller holds the environment
    plan.actor = settings.actor;
    plan.rollback_alarms = env.alarms.arns;  // every change set of the environment
    plan.monitoring_minutes = static_cast<int>((env.alarms.monitor.count() + 59) / 60);
    return plan;
}

common::Result<DeployRun> execute_deploy(const components::Environment& env,
                                         deploy::DeployPlan plan, const DeploySettings& settings,
                                         Services& s, Observer& o) {
    if (!settings.write_overrides.empty()) return write_overrides(std::move(plan), settings, s);
    auto cloud = s.cloud(env);
    deploy::DeployServices services{
        *cloud.cloudformation, cloud.artifacts.get(), cloud.registry.get(), s.store,
        s.clock.now,           s.clock.sleep,         s.clock.random,       s.clock.interrupted};
    RecordingReporter reporter(o.deploy());
    auto out = deploy::deploy_stack(plan, services, reporter);
    if (!out) return std::unexpected(out.error().with_context("deploying " + plan.env));
    DeployRun run;
    run.exit = exit_status(*out);
    if (out->result == deploy::DeployResult::deployed ||
        out->result == deploy::DeployResult::planned)
        run.changed_parameters = reporter.changed();
    run.plan = std::move(plan);
    run.outcome = std::move(*out);
    return run;
}

common::Result<DeployCommandOutcome> run_deploy_command(const Project& p, const DeployRequest& r,
                                                        Services& s, Observer& o) {
    if (r.kind == "rollback" && (r.to_deployment > 0) == !r.component.empty())
        return common::fail(ErrorCode::usage,
                            "rollback: give either --to DEPLOYMENT_ID or --component C --build N");
    auto env = p.environment(r.env);
    if (!env) return std::unexpected(env.error());
    DeployRequest req = r;
    DeployCommandOutcome out;
    RunSummary& summary = out.summary;
    summary.kind = r.kind;
    summary.started_at = s.clock.now();
    summary.run_id = new_run_id(summary.started_at);
    summary.env = r.env;
    summary.trigger = r.trigger.name;
    summary.actor = r.trigger.actor;
    summary.head = p.head;
    req.settings.run_id = summary.run_id;
    req.settings.actor = r.trigger.actor;
    const bool record = !r.settings.plan;  // a plan changes nothing and is not a run
    bool begun = false;
    auto begin = [&]() -> common::Result<void> {
        if (!record) return {};
        versioning::RunRecord run = new_run_record(summary);
        begun = true;
        return s.store.begin_run(run);
    };
    auto end = [&](int exit) -> common::Result<void> {
        summary.exit_code = exit;
        summary.finished_at = s.clock.now();
        if (!begun) return {};
        return s.store.finish_run(summary.run_id, run_status_for_exit(exit), summary.finished_at,
                                  report_json(summary));
    };
    auto fail = [&](const common::Error& e) -> common::Result<DeployCommandOutcome> {
        summary.message = e.message;
        summary.result = e.code == ErrorCode::busy ? "busy" : "error";
        if (e.code == ErrorCode::busy && !begun) (void)begin();
        (void)end(common::exit_code(e.code));
        return std::unexpected(e);
    };
    auto note = [&o](const std::string& line) { o.note(line); };
    if (r.kind == "deploy" && (*env)->gates.any())
        return common::fail(ErrorCode::held,
                            "environment '" + r.env +
                                "' has gates: promote into it (slipway promote --to " + r.env +
                                "), or roll it back");
    if (r.kind != "promote" && (r.request_id || r.override_freeze))
        return common::fail(ErrorCode::usage, "--request and --override-freeze go with promote");
    auto lease = hold_environment(**env, summary.run_id, r.settings.wait, s, note);
    if (!lease) return fail(lease.error());
    const bool gated = r.kind == "promote" && ((*env)->gates.any() || r.request_id);
    if (gated) {
        auto g = gated_request(p, req, **env, s, o);
        if (!g) return std::unexpected(g.error());
        out.request = std::move(g->first);
        out.verdict = std::move(g->second);
        if (!out.verdict->passed() && !r.settings.plan) {
            out.held = true;
            out.run.exit = 5;
            summary.result = "held";
            summary.exit_code = 5;
            return out;  // the request is recorded; nothing is deployed, no run
        }
    }
    auto plan = command_plan(p, req, **env, s, o, gated ? &*out.request : nullptr);
    if (!plan) return std::unexpected(plan.error());  // bad input: nothing recorded
    if (gated && out.request->id) plan->note = request_note(*out.request, *out.verdict);
    if (auto ok = begin(); !ok) return std::unexpected(ok.error());
    if ((*lease)->lost())
        return fail({ErrorCode::busy, "lost the deploy lease of environment '" + r.env + "'"});
    auto run = execute_deploy(**env, std::move(*plan), req.settings, s, o);
    if (!run) return fail(run.error());
    out.run = std::move(*run);
    if (gated) {
        finish_request(s, *out.request, out.run, summary.run_id, o);
        if (auto now = s.store.request(out.request->id); now && *now) out.request = **now;
    }
    fill_summary(summary, out.run);
    if (auto ok = end(out.run.exit); !ok) return std::unexpected(ok.error());
    return out;
}

int exit_status(const deploy::DeployOutcome& outcome) {
    switch (outcome.result) {
        case deploy::DeployResult::deployed:
        case deploy::DeployResult::up_to_date:
        case deploy::DeployResult::planned:
            return 0;
        case deploy::DeployResult::declined:
        case deploy::DeployResult::failed:
            return 1;
    }
    return 1;
}

std::string result_name(const deploy::DeployOutcome& outcome) {
    switch (outcome.result) {
        case deploy::DeployResult::deployed:
            return "deployed";
        case deploy::DeployResult::up_to_date:
            return "up-to-date";
        case deploy::DeployResult::planned:
            return "planned";
        case deploy::DeployResult::declined:
            return "declined";
        case deploy::DeployResult::failed:
            return "deploy-failed";
    }
    return "deploy-failed";
}

void summarize_outcome(const deploy::DeployOutcome& outcome, RunSummary& summary) {
    summary.deployment_id = outcome.deployment_id;
    summary.stack_status = outcome.final_status;
    summary.failed_resources.clear();
    for (const auto& f : outcome.failures)
        summary.failed_resources.push_back({f.logical_id, f.resource_type, f.status, f.reason});
    summary.outputs = outcome.outputs;
}

}  // namespace pipeline
