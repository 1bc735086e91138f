// See api.hpp; the shapes are docs/api.md's.
#include "service/api.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ranges>

#include <set>

#include "common/json.hpp"
#include "diff/remote.hpp"
#include "pipeline/drift.hpp"
#include "pipeline/history.hpp"
#include "pipeline/host.hpp"
#include "pipeline/ledger.hpp"
#include "pipeline/promotion.hpp"
#include "pipeline/stacks.hpp"

namespace service {
namespace {

using common::JsonOut;
using pipeline::iso_time;

Response json(const JsonOut& j, int status = 200) {
    return {status, "application/json", j.str(), {}};
}

Response store_failed(const common::Error& e) {
    return error_response(500, "internal", e.message);
}

void time_or_null(JsonOut& j, const char* key, const std::optional<versioning::Millis>& at) {
    j.field_or_null(key, at.has_value(), iso_time(at.value_or(0)));
}

void write_build(JsonOut& j, const versioning::BuildRecord& b) {
    j.begin_object();
    j.field_or_null("build_number", b.build_number != 0, b.build_number);
    j.field("commit", b.commit).field("component", b.component).field("exit_code", b.exit_code);
    time_or_null(j, "finished_at", b.finished_at);
    j.field_or_null("image_digest", !b.image_digest.empty(), b.image_digest);
    j.field("image_uri", b.image_uri).field("input_hash", b.input_hash);
    const bool has_log = !b.log_path.empty() && !b.run_id.empty();
    j.field_or_null("log", has_log, "/api/runs/" + b.run_id + "/logs/" + b.component);
    j.field_or_null("remote_id", !b.handle.remote_id.empty(), b.handle.remote_id);
    j.field("run_id", b.run_id).field("started_at", iso_time(b.started_at));
    j.field("status", versioning::to_string(b.status)).end_object();
}

void write_deployment(JsonOut& j, const versioning::DeploymentRecord& d) {
    j.begin_object();
    j.field("account", d.account);
    j.field("actor", d.actor).field("change_set", d.change_set).field("commit", d.commit);
    j.field("env", d.env).field("executed_by", d.executed_by);
    time_or_null(j, "finished_at", d.finished_at);
    j.field("id", d.id).key("images").begin_array();
    for (const auto& i : d.images) {
        j.begin_object().field("build_number", i.build_number).field("changed", i.changed);
        j.field_or_null("commit", !i.commit.empty(), i.commit);
        j.field("component", i.component).field("image_uri", i.image_uri);
        j.field("parameter", i.parameter).end_object();
    }
    j.end_array().field("kind", d.kind).field("note", d.note).field("reason", d.reason);
    j.field("region", d.region).field("run_id", d.run_id).field("scope", d.scope);
    j.field("source", d.source).field("stack", d.stack).field("started_at", iso_time(d.started_at));
    j.field("status", d.status);
    j.field_or_null("template_commit", !d.template_commit.empty(), d.template_commit);
    j.end_object();
}

// Each stack of `e` in each place: where it is and its current deployment (null: none).
void write_stacks(JsonOut& j, const components::Environment& e,
                  const std::vector<versioning::DeploymentRecord>& current) {
    j.key("stacks").begin_array();
    for (const auto& t : e.targets) {
        for (const auto& s : e.stacks) {
            j.begin_object().field("account", t.account).key("current");
            auto it = std::find_if(current.begin(), current.end(), [&](const auto& d) {
                return d.env == e.name && d.stack == s.name && d.region == t.recorded_region() &&
                       d.account == t.recorded_account();
            });
            it != current.end() ? write_deployment(j, *it) : (void)j.null();
            j.field("label", deploy::stack_label(s.name, t)).field("region", t.region);
            j.field("stack", s.name).field("wave", static_cast<std::int64_t>(t.wave + 1));
            j.end_object();
        }
    }
    j.end_array();
}

void write_component_deployment(JsonOut& j, const versioning::ComponentDeployment& d) {
    j.begin_object().field("actor", d.actor).field("build_number", d.build_number);
    j.field("changed", d.changed).field("commit", d.commit).field("deployment_id", d.deployment_id);
    j.field("env", d.env);
    time_or_null(j, "finished_at", d.finished_at);
    j.field("image_uri", d.image_uri).field("kind", d.kind).field("note", d.note);
    j.field("run_id", d.run_id);
    j.field("started_at", iso_time(d.started_at)).field("status", d.status).end_object();
}

// The report's "result" (the report is the run's own JSON; this avoids parsing it whole).
std::string result_of(const versioning::RunRecord& r) {
    const auto at = r.report.find("\"result\":\"");
    if (at == std::string::npos) return "";
    const auto start = at + 10;
    return r.report.substr(start, r.report.find('"', start) - start);
}

void write_run(JsonOut& j, const versioning::RunRecord& r, bool detail) {
    j.begin_object().field("actor", r.actor).field("base", r.base);
    if (detail) j.field("base_reason", r.base_reason);
    j.field("env", r.env);
    time_or_null(j, "finished_at", r.finished_at);
    j.field("head", r.head);
    if (detail) j.field("host", r.host);
    j.field("id", r.id).field("kind", r.kind).field("result", result_of(r));
    j.field("started_at", iso_time(r.started_at)).field("status", versioning::to_string(r.status));
    j.field("trigger", r.trigger).end_object();
}

void write_job(JsonOut& j, const versioning::JobRecord& job) {
    j.begin_object().field("actor", job.actor).field("branch", job.branch);
    j.field("created_at", iso_time(job.created_at)).field("env", job.env);
    time_or_null(j, "finished_at", job.finished_at);
    j.field("attempts", job.attempts).field("head", job.head).field("id", job.id);
    j.field("kind", job.kind).field("note", job.note).field("owner", job.owner);
    j.field("reason", job.reason);
    j.field_or_null("request_id", job.request_id != 0, job.request_id);
    j.field("run_id", job.run_id);
    time_or_null(j, "started_at", job.started_at);
    j.field("status", versioning::to_string(job.status)).field("trigger", job.trigger).end_object();
}

void write_delivery(JsonOut& j, const versioning::DeliveryRecord& d) {
    j.begin_object().field("event", d.event).field("head", d.head).field("id", d.id);
    j.field_or_null("job_id", d.job_id != 0, d.job_id).field("reason", d.reason);
    j.field("received_at", iso_time(d.received_at)).field("ref", d.ref);
    j.field("result", d.result).field("source", d.source).end_object();
}

void write_component_head(JsonOut& j, const components::Component& c) {
    j.key("depends_on").begin_array();
    for (const auto& d : c.depends_on) j.value(d);
    j.end_array().field("kind", components::to_string(c.kind)).field("name", c.name);
    j.field("parameter", c.parameter);
}

void write_next(JsonOut& j, const std::string& next, const char* key = "next") {
    j.field_or_null(key, !next.empty(), next);
}

bool known_environment(const components::Manifest& m, const std::string& env) {
    return std::any_of(m.environments.begin(), m.environments.end(),
                       [&](const auto& e) { return e.name == env; });
}

}  // namespace

Response error_response(int status, const std::string& code, const std::string& message) {
    JsonOut j;
    j.begin_object().key("error").begin_object().field("code", code).field("message", message);
    return json(j.end_object().end_object(), status);
}

Response api_project(ApiContext& c) {
    JsonOut j;
    j.begin_object();
    j.field_or_null("commit_url", !c.manifest.commit_url.empty(), c.manifest.commit_url);
    j.key("environments").begin_array();
    for (const auto& e : c.manifest.environments) j.value(e.name);
    j.end_array().field("name", c.manifest.project).field("version", c.version);
    return json(j.end_object());
}

namespace {

void write_gates(JsonOut& j, const components::Environment& e) {
    if (!e.gates.any() && !e.promote_auto) {
        j.null();
        return;
    }
    const auto& g = e.gates;
    j.begin_object().field("approvals", g.approvals).key("approvers").begin_array();
    for (const auto& a : g.approvers) j.value(a);
    j.end_array().key("freeze").begin_array();
    for (const auto& w : g.freeze) {
        j.begin_object().field_or_null("cron", !w.cron.empty(), w.cron);
        j.field_or_null("duration_seconds", !w.cron.empty(),
                        static_cast<std::int64_t>(w.duration.count()));
        j.field_or_null("from", w.cron.empty(), w.from).field("reason", w.reason);
        j.field_or_null("to", w.cron.empty(), w.to).field("tz", w.tz).end_object();
    }
    j.end_array().field("promote", e.promote_auto ? "auto" : "manual");
    j.field("soak_seconds", static_cast<std::int64_t>(g.soak.count())).end_object();
}

void write_drift(JsonOut& j, const std::vector<versioning::DriftRecord>& drifts,
                 const std::string& env) {
    auto d =
        std::find_if(drifts.begin(), drifts.end(), [&](const auto& x) { return x.env == env; });
    if (d == drifts.end()) {
        j.null();
        return;
    }
    j.raw(pipeline::drift_json(*d));
}

// How the environment is doing: its last run, the job running or waiting, and how many
// commits of its trigger branch are not deployed (null without a repository or a branch).
void write_health(ApiContext& c, JsonOut& j, const components::Environment& e,
                  const versioning::DeploymentRecord* current) {
    j.key("health").begin_object();
    const diff::Repository* repo = c.repo ? c.repo() : nullptr;
    std::optional<std::size_t> ahead;
    bool truncated = false;
    // A place in history that is unknown (an image of unknown commit) counts nothing: null.
    if (repo && current && !current->commit.empty() && !e.trigger_branch.empty()) {
        auto head = repo->resolve_commit("refs/remotes/origin/" + e.trigger_branch);
        if (!head) head = repo->resolve_commit("refs/heads/" + e.trigger_branch);
        if (head) {
            auto walked = diff::commits_between(*repo, current->commit, *head, 100, truncated);
            if (walked) ahead = walked->size();
        }
    }
    j.field_or_null("ahead", ahead.has_value(), static_cast<std::int64_t>(ahead.value_or(0)));
    j.field("ahead_truncated", truncated);
    // The list outlives the pointer into it (a conditional of the Result would copy it into a
    // temporary that ends with the loop).
    std::vector<versioning::JobRecord> jobs;
    if (auto listed = c.store.jobs(e.name, 10)) jobs = std::move(*listed);
    const versioning::JobRecord* job = nullptr;
    for (const auto& x : jobs) {
        if (x.status == versioning::JobStatus::running ||
            (x.status == versioning::JobStatus::pending && !job))
            job = &x;
    }
    j.key("job");
    job ? write_job(j, *job) : (void)j.null();
    auto runs = c.store.run_page(e.name, "", 1);
    j.key("last_run");
    runs && !runs->items.empty() ? write_run(j, runs->items.front(), false) : (void)j.null();
    j.end_object();
}

void write_open_request(ApiContext& c, JsonOut& j, const components::Environment& e) {
    j.key("request");
    if (e.promote_from.empty()) {
        j.null();
        return;
    }
    auto open = pipeline::open_request(c.store, e.name);
    if (!open || !*open) {
        j.null();
        return;
    }
    auto verdict =
        pipeline::check_gates(c.manifest, e, **open, c.store, pipeline::now_millis(), c.teams);
    j.raw(pipeline::request_json(**open, verdict ? &*verdict : nullptr));
}

}  // namespace

Response api_environments(ApiContext& c) {
    auto current = c.store.current_deployments("");
    if (!current) return store_failed(current.error());
    auto pending = c.store.pending_deployments("");
    if (!pending) return store_failed(pending.error());
    auto drifts = c.store.drifts();
    if (!drifts) return store_failed(drifts.error());
    JsonOut j;
    j.begin_object().key("environments").begin_array();
    for (const auto& e : c.manifest.environments) {
        j.begin_object().key("alarms");
        if (e.alarms.arns.empty()) {
            j.null();
        } else {
            j.begin_object().key("arns").begin_array();
            for (const auto& a : e.alarms.arns) j.value(a);
            j.end_array().field("monitor_seconds",
                                static_cast<std::int64_t>(e.alarms.monitor.count()));
            j.end_object();
        }
        j.key("current");
        const versioning::DeploymentRecord* newest = nullptr;  // of any stack
        for (const auto& d : *current) {
            if (d.env == e.name && (!newest || d.id > newest->id)) newest = &d;
        }
        newest ? write_deployment(j, *newest) : (void)j.null();
        j.key("drift");
        write_drift(j, *drifts, e.name);
        j.key("gates");
        write_gates(j, e);
        write_health(c, j, e, newest);
        auto recent = c.store.deployments_in(e.name, 64);
        if (!recent) return store_failed(recent.error());
        j.field("name", e.name);
        j.field("partially_deployed", pipeline::partially_deployed(*recent));
        j.key("pending").begin_array();
        for (const auto& d : *pending) {
            if (d.env == e.name) write_deployment(j, d);
        }
        j.end_array();
        j.field_or_null("promote_from", !e.promote_from.empty(), e.promote_from);
        j.field("region", e.targets.front().region);
        write_open_request(c, j, e);
        j.field("stack", e.stacks.front().name);
        write_stacks(j, e, *current);
        j.field_or_null("trigger_branch", !e.trigger_branch.empty(), e.trigger_branch);
        j.end_object();
    }
    return json(j.end_array().end_object());
}

// The deployments of one environment, newest first, cursor = the last id shown.
Response api_environment_deployments(ApiContext& c, const std::string& env, const PageRequest& p) {
    if (!known_environment(c.manifest, env))
        return error_response(404, "not_found", "no environment '" + env + "'");
    auto all = c.store.deployments_in(env, 100000);
    if (!all) return store_failed(all.error());
    const std::int64_t before = p.before.empty() ? 0 : std::atoll(p.before.c_str());
    JsonOut j;
    j.begin_object().key("deployments").begin_array();
    std::vector<const versioning::DeploymentRecord*> page;
    bool more = false;
    for (const auto& d : *all) {
        if (before && d.id >= before) continue;
        if (page.size() == p.limit) {
            more = true;
            break;
        }
        page.push_back(&d);
    }
    for (const auto* d : page) write_deployment(j, *d);
    j.end_array();
    write_next(j, more ? std::to_string(page.back()->id) : "");
    return json(j.end_object());
}

Response api_components(ApiContext& c, const PageRequest& p) {
    auto view = pipeline::status_view(&c.manifest, &c.store, "");
    if (!view) return store_failed(view.error());
    // A page of the components by name: the cursor is the last name of the page before.
    const auto& all = view->components;
    const auto from = p.before.empty()
                          ? all.begin()
                          : std::upper_bound(all.begin(), all.end(), p.before,
                                             [](const std::string& cursor, const auto& comp) {
                                                 return cursor < comp.name;
                                             });
    const auto to = from + static_cast<std::ptrdiff_t>(std::min<std::size_t>(
                               p.limit, static_cast<std::size_t>(all.end() - from)));
    JsonOut j;
    j.begin_object().key("components").begin_array();
    for (const auto& comp : std::ranges::subrange(from, to)) {
        j.begin_object().key("depends_on").begin_array();
        const auto* m = c.manifest.find(comp.name);
        for (const auto& d : m ? m->depends_on : std::vector<std::string>{}) j.value(d);
        j.end_array().key("deployed").begin_object();
        for (const auto& [env, image] : comp.deployed) {
            auto d = std::find_if(view->current.begin(), view->current.end(),
                                  [&](const auto& x) { return x.env == env; });
            j.key(env).begin_object().field("actor", d->actor);
            j.field("build_number", image.build_number).field("commit", image.commit);
            j.field("deployment_id", image.deployment_id);
            time_or_null(j, "finished_at", d->finished_at);
            j.field("image_uri", image.image_uri).end_object();
        }
        j.end_object().field("kind", comp.kind.empty() ? "unknown" : comp.kind);
        j.key("latest_build");
        comp.latest ? write_build(j, *comp.latest) : (void)j.null();
        j.field("name", comp.name).field("parameter", m ? m->parameter : "").end_object();
    }
    j.end_array();
    j.field_or_null("next", to != all.end(), to != from ? std::prev(to)->name : std::string());
    return json(j.end_object());
}

Response api_component(ApiContext& c, const std::string& name, const std::string& env,
                       std::size_t limit) {
    const auto* comp = c.manifest.find(name);
    auto builds = c.store.build_page(name, "", limit);
    if (!builds) return store_failed(builds.error());
    if (!comp && builds->items.empty())
        return error_response(404, "not_found", "no component '" + name + "'");
    auto deployments = c.store.deployment_page(name, env, "", limit);
    if (!deployments) return store_failed(deployments.error());
    JsonOut j;
    j.begin_object().key("builds").begin_array();
    for (const auto& b : builds->items) write_build(j, b);
    j.end_array();
    write_next(j, builds->next, "builds_next");
    j.key("component").begin_object();
    components::Component unknown;
    unknown.name = name;
    write_component_head(j, comp ? *comp : unknown);
    j.end_object().key("deployments").begin_array();
    for (const auto& d : deployments->items) write_component_deployment(j, d);
    j.end_array();
    write_next(j, deployments->next, "deployments_next");
    return json(j.end_object());
}

Response api_component_builds(ApiContext& c, const std::string& name, const PageRequest& p) {
    auto builds = c.store.build_page(name, p.before, p.limit);
    if (!builds) return store_failed(builds.error());
    JsonOut j;
    j.begin_object().key("builds").begin_array();
    for (const auto& b : builds->items) write_build(j, b);
    j.end_array();
    write_next(j, builds->next);
    return json(j.end_object());
}

Response api_component_deployments(ApiContext& c, const std::string& name, const std::string& env,
                                   const PageRequest& p) {
    auto page = c.store.deployment_page(name, env, p.before, p.limit);
    if (!page) return store_failed(page.error());
    JsonOut j;
    j.begin_object().key("deployments").begin_array();
    for (const auto& d : page->items) write_component_deployment(j, d);
    j.end_array();
    write_next(j, page->next);
    return json(j.end_object());
}

Response api_runs(ApiContext& c, const std::string& env, const PageRequest& p) {
    auto page = c.store.run_page(env, p.before, p.limit);
    if (!page) return store_failed(page.error());
    JsonOut j;
    j.begin_object();
    write_next(j, page->next);
    j.key("runs").begin_array();
    for (const auto& r : page->items) write_run(j, r, false);
    return json(j.end_array().end_object());
}

Response api_run(ApiContext& c, const std::string& id) {
    auto run = c.store.run(id);
    if (!run) return store_failed(run.error());
    if (!*run) return error_response(404, "not_found", "no run '" + id + "'");
    auto builds = c.store.builds_of_run(id);
    if (!builds) return store_failed(builds.error());
    JsonOut j;
    j.begin_object().key("builds").begin_array();
    for (const auto& b : *builds) write_build(j, b);
    j.end_array().key("report");
    const std::string& report = (*run)->report;
    report.empty() ? (void)j.null()
                   : (void)j.raw(report.substr(0, report.find_last_not_of('\n') + 1));
    j.key("run");
    write_run(j, **run, true);
    return json(j.end_object());
}

Response api_log(ApiContext& c, const std::string& run, const std::string& component,
                 std::uint64_t offset) {
    auto builds = c.store.builds_of_run(run);
    if (!builds) return store_failed(builds.error());
    auto b = std::find_if(builds->begin(), builds->end(),
                          [&](const auto& x) { return x.component == component; });
    if (b == builds->end() || b->log_path.empty())
        return error_response(404, "not_found",
                              "no log of '" + component + "' in run '" + run + "'");
    std::ifstream in(b->log_path, std::ios::binary);
    std::string text;
    std::uint64_t size = 0;
    if (in) {
        in.seekg(0, std::ios::end);
        size = static_cast<std::uint64_t>(std::max<std::streamoff>(in.tellg(), 0));
        if (offset < size) {
            in.seekg(static_cast<std::streamoff>(offset));
            text.resize(size - offset);
            in.read(text.data(), static_cast<std::streamsize>(text.size()));
            text.resize(static_cast<std::size_t>(in.gcount()));
        }
    }
    const bool complete = b->status != versioning::BuildStatus::queued &&
                          b->status != versioning::BuildStatus::running;
    Response r{200, "text/plain; charset=utf-8", text, {}};
    r.headers.emplace_back("X-Log-Complete", complete ? "true" : "false");
    // How far the log goes: past the end, its size (not the offset asked for), so a client
    // that asks from too far learns where the log really ends.
    r.headers.emplace_back("X-Log-Size",
                           std::to_string(offset < size ? offset + text.size() : size));
    return r;
}

Response api_deployment(ApiContext& c, std::int64_t id) {
    auto d = c.store.deployment(id);
    if (!d) return store_failed(d.error());
    if (!*d) return error_response(404, "not_found", "no deployment #" + std::to_string(id));
    JsonOut j;
    write_deployment(j, **d);
    return json(j);
}

namespace {

// What a deployment runs of one component: its image (none for a config component, whose
// state is the template) and the commit that state is current for.
struct Side {
    const versioning::DeploymentImage* image = nullptr;
    std::string commit;
    bool present = false;
};

Side side_of(const versioning::DeploymentRecord& d, const components::Manifest& m,
             const std::string& component) {
    const auto* comp = m.find(component);
    if (comp && comp->kind == components::ComponentKind::config) {
        // The template of the deployment's stack holds it when the stack has it among its
        // members, or when no stack of the environment does (an environment of several stacks).
        const components::Environment* env = nullptr;
        for (const auto& e : m.environments) {
            if (e.name == d.env) env = &e;
        }
        bool held = !env, anywhere = false;
        for (const auto& st : env ? env->stacks : std::vector<components::Stack>{}) {
            const bool in =
                std::find(st.members.begin(), st.members.end(), component) != st.members.end();
            anywhere = anywhere || in;
            held = held || (in && st.name == d.stack);
        }
        if (!held && anywhere) return {};
        return {nullptr, d.template_commit, true};
    }
    for (const auto& i : d.images) {
        if (i.component == component) return {&i, i.commit, true};
    }
    return {};
}

void write_side(JsonOut& j, const char* key, const Side& s) {
    j.key(key);
    if (!s.present) {
        j.null();
        return;
    }
    j.begin_object().field("build_number", s.image ? s.image->build_number : 0);
    j.field_or_null("commit", !s.commit.empty(), s.commit);
    j.field("image_uri", s.image ? s.image->image_uri : "").end_object();
}

// The ids of the commits reachable from `to` and not from `from` (`from` empty: from any)
// whose own change affects `component`, newest first, at most 50.
std::vector<std::string> touching(const diff::Repository& repo, pipeline::CommitComponents& cc,
                                  const std::string& from, const std::string& to,
                                  const std::string& component, bool& truncated) {
    std::vector<std::string> out;
    if (to.empty() || from == to) return out;
    bool more = false;
    auto walked = diff::commits_between(repo, from, to, 200, more);
    if (!walked) return out;
    for (const auto& commit : *walked) {
        auto names = cc.of(commit.id);
        if (!names || std::find(names->begin(), names->end(), component) == names->end()) continue;
        if (out.size() == 50) {
            truncated = true;
            break;
        }
        out.push_back(commit.id);
    }
    truncated = truncated || more;
    return out;
}

// Whether the state `s` holds the change of `commit` (false when its commit is unknown or
// not in the repository).
bool holds(const diff::Repository& repo, const Side& s, const std::string& commit) {
    if (!s.present || s.commit.empty()) return false;
    auto contained = repo.contains(s.commit, commit);
    return contained && *contained;
}

}  // namespace

// Two deployments: per component, what each runs (image and the commit it is current for)
// and the commits touching it that one holds and the other does not; and the commits between
// the two environments' places in history, each with the components it affects and those
// of them whose image in `b` does not hold it.
Response api_compare(ApiContext& c, std::int64_t a, std::int64_t b) {
    auto from = c.store.deployment(a);
    if (!from) return store_failed(from.error());
    auto to = c.store.deployment(b);
    if (!to) return store_failed(to.error());
    if (!*from || !*to)
        return error_response(404, "not_found", "no deployment #" + std::to_string(*from ? b : a));
    std::set<std::string> names;
    for (const auto* d : {&**from, &**to}) {
        for (const auto& i : d->images) names.insert(i.component);
    }
    for (const auto& comp : c.manifest.components) {
        if (comp.kind == components::ComponentKind::config) names.insert(comp.name);
    }
    const diff::Repository* repo = c.repo ? c.repo() : nullptr;
    auto graph = components::build_graph(c.manifest);
    std::optional<pipeline::CommitComponents> cc;
    if (repo && graph) cc.emplace(*repo, c.manifest, *graph);
    JsonOut j;
    j.begin_object();
    bool truncated = false;
    std::vector<diff::CommitInfo> commits;
    if (repo && !(*to)->commit.empty() && (*from)->commit != (*to)->commit) {
        auto walked = diff::commits_between(*repo, (*from)->commit, (*to)->commit, 200, truncated);
        if (walked) commits = std::move(*walked);
    }
    j.key("commits").begin_array();
    for (const auto& commit : commits) {
        j.begin_object().field("author", commit.author);
        auto touched = cc ? cc->of(commit.id) : common::Result<std::vector<std::string>>{};
        j.key("components").begin_array();
        for (const auto& name : touched ? *touched : std::vector<std::string>{}) j.value(name);
        j.end_array().field("id", commit.id).key("not_deployed").begin_array();
        for (const auto& name : touched ? *touched : std::vector<std::string>{}) {
            const Side s = side_of(**to, c.manifest, name);
            const auto* comp = c.manifest.find(name);
            const bool runs = comp && comp->kind != components::ComponentKind::library;
            if (runs && !holds(*repo, s, commit.id)) j.value(name);
        }
        j.end_array().field("summary", commit.summary);
        j.field("time", iso_time(commit.time * 1000)).end_object();
    }
    j.end_array().field("commits_truncated", truncated).key("components").begin_array();
    for (const auto& name : names) {
        const Side x = side_of(**from, c.manifest, name);
        const Side y = side_of(**to, c.manifest, name);
        const bool same_image =
            x.present && y.present &&
            (x.image && y.image ? x.image->image_uri == y.image->image_uri : !x.image && !y.image);
        if (same_image && x.commit == y.commit) continue;
        bool more = false;
        std::vector<std::string> added, removed;
        if (cc) {
            added = touching(*repo, *cc, x.commit, y.commit, name, more);
            removed = touching(*repo, *cc, y.commit, x.commit, name, more);
            // The same image, its commit moved on past changes of other components only.
            if (same_image && added.empty() && removed.empty()) continue;
        }
        j.begin_object().key("commits").begin_array();
        for (const auto& id : added) j.value(id);
        j.end_array().field("commits_truncated", more).field("component", name);
        write_side(j, "from", x);
        j.key("removed").begin_array();
        for (const auto& id : removed) j.value(id);
        j.end_array();
        write_side(j, "to", y);
        j.end_object();
    }
    j.end_array().key("from");
    write_deployment(j, **from);
    j.key("to");
    write_deployment(j, **to);
    return json(j.end_object());
}

Response api_queue(ApiContext& c) {
    auto jobs = c.store.jobs("", 50);
    if (!jobs) return store_failed(jobs.error());
    auto deliveries = c.store.deliveries(50);
    if (!deliveries) return store_failed(deliveries.error());
    JsonOut j;
    j.begin_object().key("deliveries").begin_array();
    for (const auto& d : *deliveries) write_delivery(j, d);
    j.end_array().key("environments").begin_array();
    for (const auto& e : c.manifest.environments) {
        if (e.trigger_branch.empty()) continue;
        auto open = c.store.jobs(e.name, 20);
        if (!open) return store_failed(open.error());
        const versioning::JobRecord* running = nullptr;
        const versioning::JobRecord* pending = nullptr;
        for (const auto& job : *open) {
            if (job.status == versioning::JobStatus::running && !running) running = &job;
            if (job.status == versioning::JobStatus::pending && !pending) pending = &job;
        }
        j.begin_object().field("branch", e.trigger_branch).field("env", e.name).key("pending");
        pending ? write_job(j, *pending) : (void)j.null();
        j.key("running");
        running ? write_job(j, *running) : (void)j.null();
        j.end_object();
    }
    j.end_array().key("jobs").begin_array();
    for (const auto& job : *jobs) write_job(j, job);
    return json(j.end_array().end_object());
}

Response api_pulls(const std::vector<pipeline::PullPlan>& plans) {
    JsonOut j;
    j.begin_object().key("pulls").begin_array();
    for (const auto& p : plans) {
        std::string one = pipeline::pull_plan_json(p);
        one.pop_back();  // the newline
        j.raw(one);
    }
    return json(j.end_array().end_object());
}

Response api_pull(std::int64_t number, const std::optional<pipeline::PullPlan>& plan) {
    if (!plan)
        return error_response(404, "not_found",
                              "no plan of pull request #" + std::to_string(number));
    return {200, "application/json", pipeline::pull_plan_json(*plan), {}};
}

}  // namespace service
