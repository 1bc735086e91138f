// See deploys.hpp.
#include "pipeline/deploys.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "components/parallel.hpp"
#include "deploy/stack_plan.hpp"
#include "pipeline/environment.hpp"
#include "pipeline/host.hpp"
#include "pipeline/ledger.hpp"
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
                                          versioning::VersionStore& store, const Clock& clock) {
    if (auto ok = deploy::validate_plan(plan); !ok) return std::unexpected(ok.error());
    std::ofstream out(settings.write_overrides, std::ios::binary | std::ios::trunc);
    out << deploy::template_configuration(plan.parameters.values, plan.tags);
    out.close();
    if (!out) return common::fail(ErrorCode::input, "cannot write " + settings.write_overrides);
    // CodePipeline deploys its own copy of the template: the same bytes only when nothing
    // needed packaging, else its hash is not known here.
    const bool same_template = deploy::artifact_refs(plan.tmpl).empty();
    auto intent = deploy::deployment_record(plan, versioning::deployment_status::pending,
                                            clock.now(), same_template ? plan.tmpl.text : "");
    intent.executed_by = "codepipeline";
    auto id = store.record_deployment(intent);
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
        // An image no recorded build made has no known commit: the next run rebuilds it.
        deploy::KnownImage image{0, item.substr(eq + 1), ""};
        auto builds = store.builds_of(item.substr(0, eq), 200);
        if (!builds) return std::unexpected(builds.error());
        for (const auto& b : *builds) {
            if (b.image_uri == image.image_uri && b.build_number > 0 &&
                b.status == versioning::BuildStatus::succeeded) {
                image.build_number = b.build_number;
                image.commit = b.commit;
                break;
            }
        }
        out[item.substr(0, eq)] = image;
    }
    return out;
}

// deploy: the given or latest images as new, the deployed ones for the rest.
common::Result<NewImages> deploy_images(const DeployRequest& r, const KnownImages& known,
                                        Services& s, Observer& o) {
    auto given = given_images(r.images, s.store);
    if (!given) return std::unexpected(given.error());
    NewImages out;
    if (r.latest) out.all = known.latest_built;
    for (auto& [name, image] : *given) out.all[name] = image;
    std::map<std::string, std::int64_t> oldest_deployed;  // by component, over the stacks
    for (const auto& d : known.current) {
        for (const auto& i : d.images) {
            auto [at, fresh] = oldest_deployed.emplace(i.component, i.build_number);
            if (!fresh) at->second = std::min(at->second, i.build_number);
        }
    }
    for (const auto& [name, built] : known.latest_built) {
        auto deployed = oldest_deployed.find(name);
        if (r.latest || out.all.contains(name) || deployed == oldest_deployed.end() ||
            deployed->second >= built.build_number)
            continue;
        o.note(
            fmt::format("{}: build #{} is newer than the deployed #{} (deploy it with --latest "
                        "or --images)",
                        name, built.build_number, deployed->second));
    }
    return out;
}

// The images a source environment runs, by component: each the same in every stack and
// place, else it is partially deployed and nothing is promoted from it.
common::Result<std::map<std::string, deploy::KnownImage>> environment_images(
    const std::vector<versioning::DeploymentRecord>& current, const std::string& env) {
    std::map<std::string, deploy::KnownImage> out;
    std::map<std::string, std::string> where;
    for (const auto& d : current) {
        const std::string place =
            deploy::stack_label(d.stack, components::Target::recorded(d.region, d.account));
        for (const auto& i : d.images) {
            auto [at, fresh] =
                out.emplace(i.component, deploy::KnownImage{i.build_number, i.image_uri, i.commit});
            if (fresh) {
                where[i.component] = place;
            } else if (at->second.commit != i.commit) {
                at->second.commit.clear();  // current for different commits: unknown
            }
            if (!fresh && at->second.image_uri != i.image_uri) {
                return common::fail(ErrorCode::input,
                                    "environment '" + env + "' is partially deployed: component '" +
                                        i.component + "' runs " + at->second.image_uri + " in " +
                                        where[i.component] + " but " + i.image_uri + " in " +
                                        place + "; finish its deploy first");
            }
        }
    }
    return out;
}

// promote: exactly the source environment's deployed images, each with the commit it is
// current for -- or, for a promotion request, exactly the request's (with theirs).
common::Result<NewImages> promote_images(const Project& p, const DeployRequest& r,
                                         const components::Environment& env, Services& s,
                                         std::string& source,
                                         const versioning::PromotionRequest* req) {
    if (req) {
        NewImages out;
        for (const auto& i : req->images)
            out.all[i.component] = {i.build_number, i.image_uri, i.commit};
        source = req->from + "#" + std::to_string(req->source_deployment);
        return out;
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
    auto images = environment_images(*current, from);
    if (!images) return std::unexpected(images.error());
    NewImages out;
    for (const auto& [name, image] : *images) {
        const auto* comp = p.manifest.find(name);
        if (comp && comp->kind == components::ComponentKind::image) out.all[name] = image;
    }
    auto last = last_complete_deployment(s.store, from);
    if (!last) return std::unexpected(last.error());
    const auto& d = *last ? **last : current->front();
    source = from + "#" + std::to_string(d.id);
    return out;
}

// rollback: the environment as it was when deployment N succeeded (each stack's latest
// succeeded deployment up to N), or one component's earlier build -- each image with the
// commit it is current for (the rest keep theirs).
common::Result<NewImages> rollback_images(const DeployRequest& r, Services& s,
                                          std::string& source) {
    NewImages out;
    if (r.to_deployment > 0) {
        auto d = s.store.deployment(r.to_deployment);
        if (!d) return std::unexpected(d.error());
        if (!*d || (*d)->env != r.env || (*d)->status != versioning::deployment_status::succeeded)
            return common::fail(ErrorCode::input, "no succeeded deployment #" +
                                                      std::to_string(r.to_deployment) +
                                                      " of environment '" + r.env + "'");
        auto rows = s.store.deployments_in(r.env, 100000);
        if (!rows) return std::unexpected(rows.error());
        for (const auto& row : *rows) {  // newest first: the first seen of each stack wins
            if (row.id > r.to_deployment || row.status != versioning::deployment_status::succeeded)
                continue;
            auto& images = out.by_stack[versioning::stack_key(row)];
            if (!images.empty()) continue;
            for (const auto& i : row.images)
                images[i.component] = {i.build_number, i.image_uri, i.commit};
        }
        source = "#" + std::to_string(r.to_deployment);
        return out;
    }
    auto builds = s.store.builds_of(r.component, 100000);
    if (!builds) return std::unexpected(builds.error());
    for (const auto& b : *builds) {
        if (b.build_number == r.build && b.status == versioning::BuildStatus::succeeded) {
            out.all[r.component] = {b.build_number, b.image_uri, b.commit};
            source = r.component + "#" + std::to_string(r.build);
            return out;
        }
    }
    return common::fail(
        ErrorCode::input,
        "component '" + r.component + "' has no succeeded build #" + std::to_string(r.build));
}

// The plan a deploy command makes once the environment is held: every stack of the kept
// targets.
common::Result<EnvironmentPlan> command_plan(const Project& p, const DeployRequest& r,
                                             const components::Environment& env, Services& s,
                                             Observer& o, const versioning::PromotionRequest* req) {
    auto targets = deploy::filter_targets(env, r.settings.targets);
    if (!targets) return std::unexpected(targets.error());
    auto known = known_images(p, env, s.store);
    if (!known) return std::unexpected(known.error());
    std::string source;
    common::Result<NewImages> images = r.kind == "promote"
                                           ? promote_images(p, r, env, s, source, req)
                                       : r.kind == "rollback" ? rollback_images(r, s, source)
                                                              : deploy_images(r, *known, s, o);
    if (!images) return std::unexpected(images.error());
    auto plan = plan_environment(p, env, deploy::all_stacks(env, r.kind), *targets, *known, *images,
                                 r.settings, deploy::scope_of(r.settings.targets, *targets));
    if (!plan) return plan;
    for (auto& d : plan->deploys) {
        d.kind = r.kind;
        d.source = source;
        // Not the checkout's commit: only what every image (and the template) holds.
        d.commit = history_position(p.repo ? &*p.repo : nullptr, d);
        if (r.kind == "rollback") d.note = r.reason;
    }
    if (!r.settings.write_overrides.empty() && plan->deploys.size() > 1)
        return common::fail(ErrorCode::usage,
                            "--write-overrides: environment '" + env.name + "' deploys " +
                                std::to_string(plan->deploys.size()) +
                                " stacks and CodePipeline's overrides are one stack's: limit it "
                                "with --region or --wave to one");
    return plan;
}

// The summary rows of a deploy command: every image component and what its stack gets.
void fill_summary(RunSummary& summary, const EnvironmentRun& run) {
    // The stacks' place in history (else the checkout's).
    if (!run.stacks.empty() && run.stacks.front().run &&
        !run.stacks.front().run->plan.commit.empty())
        summary.head = run.stacks.front().run->plan.commit;
    std::map<std::string, SummaryRow> rows;
    for (const auto& st : run.stacks) {
        if (!st.run) continue;
        for (const auto& i : st.run->plan.parameters.images) {
            SummaryRow& row = rows[i.component];
            if (!row.component.empty() && !i.changed) continue;  // a place that changed wins
            row.component = i.component;
            row.kind = "image";
            row.status = i.changed ? "changed" : "unchanged";
            row.build_number = i.build_number;
            row.image_uri = i.image_uri;
            row.parameter = i.parameter;
            row.parameter_changed =
                row.parameter_changed || st.run->changed_parameters.contains(i.parameter);
        }
    }
    for (auto& [name, row] : rows) summary.rows.push_back(std::move(row));
    summarize_environment(run, summary);
}

// A promotion into a gated environment: the request it goes through (the one named, else
// the open one, else a new one -- recorded unless this is a plan), with a freeze override
// recorded first, and its gates decided now.
common::Result<std::pair<versioning::PromotionRequest, GateVerdict>> gated_request(
    const Project& p, const DeployRequest& r, const components::Environment& env, Services& s,
    Observer& o) {
    std::optional<versioning::PromotionRequest> req;
    const versioning::Millis now = s.clock.now();
    // A refused override leaves nothing behind: checked before a request is recorded.
    if (r.override_freeze && !r.settings.plan) {
        if (auto ok = check_override(p.manifest, env, r.trigger.actor, r.reason, s.teams.get());
            !ok)
            return std::unexpected(ok.error());
    }
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
                   s.store, now, s.teams.get());
        if (!after) return std::unexpected(after.error());
        o.warning(fmt::format("the freeze of {} is overridden by {} for request #{}: {}", env.name,
                              r.trigger.actor, req->id, r.reason));
        req = std::move(*after);
    }
    auto verdict = check_gates(p.manifest, env, *req, s.store, now, s.teams.get());
    if (!verdict) return std::unexpected(verdict.error());
    return std::pair{std::move(*req), std::move(*verdict)};
}

// The request ends with its deploy's outcome: deployed when every stack deployed or ran its
// images already, failed when a stack failed (a plan, a declined change set, an interrupted
// or erring deploy leave it open).
void finish_request(Services& s, const versioning::PromotionRequest& req, const EnvironmentRun& run,
                    const std::string& run_id, Observer& o) {
    if (req.id == 0 || run.stacks.empty()) return;
    bool shipped = true, up_to_date = true;
    std::string failed;
    std::int64_t deployment = 0;
    for (const auto& st : run.stacks) {
        const deploy::DeployOutcome* out = st.run && st.run->outcome ? &*st.run->outcome : nullptr;
        if (out && out->deployment_id) deployment = out->deployment_id;
        const bool ok = out && (out->result == deploy::DeployResult::deployed ||
                                out->result == deploy::DeployResult::up_to_date);
        if (!ok) shipped = false;
        if (!out || out->result != deploy::DeployResult::up_to_date) up_to_date = false;
        if (out && out->result == deploy::DeployResult::failed && failed.empty())
            failed = (st.label.empty() ? st.stack : st.label) + ": " + out->final_status;
    }
    if (!shipped && failed.empty()) return;
    std::string outcome;
    if (up_to_date) outcome = "the stacks ran these images already";
    if (!shipped) outcome = "the deploy failed: " + failed;
    auto ok = s.store.finish_request(
        req.id, shipped ? versioning::request_status::deployed : versioning::request_status::failed,
        s.clock.now(), deployment, run_id, outcome);
    if (!ok)
        o.warning("recording the end of request #" + std::to_string(req.id) + ": " +
                  ok.error().message);
}

}  // namespace

common::Result<deploy::DeployPlan> make_deploy_plan(
    const Project& p, const components::Environment& env, const components::Stack& stack,
    const components::Target& target, deploy::ParameterSet params, const DeploySettings& settings) {
    const fs::path template_file = fs::path(p.root) / stack.template_path;
    auto tmpl = deploy::load_template(template_file.string());
    if (!tmpl) return std::unexpected(tmpl.error());
    tmpl->file = stack.template_path;
    for (const auto& [name, value] : env.parameters) {  // shared: where the template takes them
        if (tmpl->parameters.contains(name) && !stack.parameters.contains(name))
            params.values.emplace(name, value);
    }
    deploy::DeployPlan plan;
    plan.env = env.name;
    plan.stack = stack.name;
    plan.region = target.recorded_region();
    plan.account = target.recorded_account();
    plan.label = deploy::stack_label(stack.name, target);
    plan.commit = p.head;           // the caller sets the stack's place in history
    plan.template_commit = p.head;  // the template is read from the head's work tree
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

common::Result<DeployRun> execute_deploy(deploy::DeployPlan plan, const DeploySettings& settings,
                                         versioning::VersionStore& store, CloudServices& cloud,
                                         const Clock& clock, deploy::DeployReporter& reporter) {
    if (!settings.write_overrides.empty())
        return write_overrides(std::move(plan), settings, store, clock);
    deploy::DeployServices services{
        *cloud.cloudformation, cloud.artifacts.get(), cloud.registry.get(), store, clock.now,
        clock.sleep,           clock.random,          clock.interrupted};
    RecordingReporter recording(reporter);
    auto out = deploy::deploy_stack(plan, services, recording);
    if (!out) return std::unexpected(out.error().with_context("deploying " + plan.env));
    DeployRun run;
    run.exit = exit_status(*out);
    if (out->result == deploy::DeployResult::deployed ||
        out->result == deploy::DeployResult::planned)
        run.changed_parameters = recording.changed();
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
    // deploy reads its template at the head: not from an older one than the deployed commit
    // (before waiting for the environment, and again once it is held).
    auto newest = [&](Observer* say) -> common::Result<void> {
        if (r.kind != "deploy") return {};
        auto last = last_complete_deployment(s.store, r.env);
        if (!last) return std::unexpected(last.error());
        return check_newest(p, r.env, *last, r.allow_older, say);
    };
    if (!r.allow_older) {
        if (auto ok = newest(nullptr); !ok) return std::unexpected(ok.error());
    }
    // The stacks deploy on the parallel module's graph: a broken installation says so before
    // the environment is held or anything recorded.
    components::require_parallel_module();
    auto lease = hold_environment(**env, summary.run_id, r.settings.wait, s, note);
    if (!lease) return fail(lease.error());
    if (auto ok = newest(&o); !ok) return std::unexpected(ok.error());  // nothing recorded
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
    if (plan->deploys.empty())
        return common::fail(ErrorCode::input, "environment '" + r.env + "' has no stack to deploy");
    if (gated && out.request->id) {
        const std::string why = request_note(*out.request, *out.verdict);
        for (auto& d : plan->deploys) d.note = why;
    }
    if (auto ok = begin(); !ok) return std::unexpected(ok.error());
    if ((*lease)->lost())
        return fail({ErrorCode::busy, "lost the deploy lease of environment '" + r.env + "'"});
    out.run = deploy_stacks(**env, std::move(*plan), req.settings, s, o);
    if (gated) {
        finish_request(s, *out.request, out.run, summary.run_id, o);
        if (auto now = s.store.request(out.request->id); now && *now) out.request = **now;
    }
    fill_summary(summary, out.run);
    if (out.run.error && (out.run.stacks.size() == 1 || out.run.error->code != ErrorCode::failed))
        return fail(*out.run.error);
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

namespace pipeline {

void summarize_environment(const EnvironmentRun& run, RunSummary& summary) {
    summary.stacks.clear();
    std::string names;
    for (const auto& st : run.stacks) {
        StackSummary ss{st.label,  st.stack, st.region, st.account, st.wave + 1, st.reason,
                        st.result, 0,        {},        {},         {},          {}};
        if (st.run && st.run->outcome) {
            const auto& o = *st.run->outcome;
            ss.deployment_id = o.deployment_id;
            ss.stack_status = o.final_status;
            for (const auto& f : o.failures)
                ss.failed_resources.push_back({f.logical_id, f.resource_type, f.status, f.reason});
            ss.outputs = o.outputs;
        } else if (st.run) {
            ss.deployment_id = st.run->pending_id;
        }
        if (st.error) ss.message = st.error->message;
        if (st.run && !st.run->not_previewed.empty()) ss.message = st.run->not_previewed;
        if (names.find(st.stack) == std::string::npos)
            names += (names.empty() ? "" : ", ") + st.stack;
        summary.stacks.push_back(std::move(ss));
    }
    summary.stack = names;
    if (run.stacks.size() == 1 && run.stacks.front().run &&
        run.stacks.front().run->not_previewed.empty()) {  // one stack: its own outcome
        const auto& one = *run.stacks.front().run;
        if (!one.outcome) {
            summary.result = "overrides-written";
            summary.deployment_id = one.pending_id;
            return;
        }
        summary.result = result_name(*one.outcome);
        summarize_outcome(*one.outcome, summary);
        return;
    }
    bool all_up_to_date = true, all_planned = true, failed = false;
    for (const auto& st : summary.stacks) {
        all_up_to_date = all_up_to_date && st.result == "up-to-date";
        const bool planned = st.result == "planned" || st.result == "not-previewed";
        all_planned = all_planned && (planned || st.result == "up-to-date");
        failed = failed || (st.result != "deployed" && st.result != "up-to-date" && !planned &&
                            st.result != "overrides-written");
        if (summary.deployment_id == 0) summary.deployment_id = st.deployment_id;
        for (const auto& f : st.failed_resources) summary.failed_resources.push_back(f);
        if (!st.stack_status.empty() && st.result == "deploy-failed")
            summary.stack_status = st.stack_status;
    }
    summary.result = failed           ? "deploy-failed"
                     : all_up_to_date ? "up-to-date"
                     : all_planned    ? "planned"
                                      : "deployed";
}

}  // namespace pipeline
