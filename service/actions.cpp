// See actions.hpp.
#include "service/actions.hpp"

#include <algorithm>

#include "common/json.hpp"
#include "pipeline/host.hpp"
#include "pipeline/promotion.hpp"

namespace service {
namespace {

using common::JsonOut;
using versioning::JobRecord;
using versioning::JobStatus;
using versioning::Millis;
using versioning::PromotionRequest;

const components::Environment* environment(const components::Manifest& m, const std::string& name) {
    auto it = std::find_if(m.environments.begin(), m.environments.end(),
                           [&](const auto& e) { return e.name == name; });
    return it == m.environments.end() ? nullptr : &*it;
}

Response store_failed(const common::Error& e) {
    return error_response(500, "internal", e.message);
}

// A pipeline error as an answer: bad input is the caller's (403 when it is about who may
// decide, else 400), the rest ours.
Response refused(const common::Error& e) {
    if (e.code == common::ErrorCode::external)  // GitHub, asked who is in a team
        return error_response(502, "unavailable", e.message);
    if (e.code != common::ErrorCode::input && e.code != common::ErrorCode::usage)
        return store_failed(e);
    const bool forbidden = e.message.find("not an approver") != std::string::npos ||
                           e.message.find("may not reject") != std::string::npos ||
                           e.message.find("cannot approve") != std::string::npos;
    return error_response(forbidden ? 403 : 400, forbidden ? "forbidden" : "bad_request",
                          e.message);
}

// The request with its gates now (open ones), as JSON text.
common::Result<std::string> request_text(ApiContext& c, const PromotionRequest& r, Millis now) {
    const auto* env = environment(c.manifest, r.env);
    if (r.status != versioning::request_status::open || !env)
        return pipeline::request_json(r, nullptr);
    auto verdict = pipeline::check_gates(c.manifest, *env, r, c.store, now, c.teams);
    if (!verdict) return std::unexpected(verdict.error());
    return pipeline::request_json(r, &*verdict);
}

Response one_request(ApiContext& c, const PromotionRequest& r, Millis now, int status) {
    auto text = request_text(c, r, now);
    if (!text) return store_failed(text.error());
    return {status, "application/json", "{\"request\":" + *text + "}\n", {}};
}

std::string job_json(const JobRecord& j) {
    JsonOut out;
    out.begin_object().field("env", j.env).field("id", j.id).field("kind", j.kind);
    out.field("request_id", j.request_id).field("status", versioning::to_string(j.status));
    out.end_object();
    std::string text = out.str();
    text.pop_back();
    return text;
}

bool shipped_by_service(const components::Environment& env, const PromotionRequest& r) {
    return r.auto_deploy || env.promote_auto;
}

}  // namespace

Response api_me(const Identity& who, const std::string& csrf, bool writable) {
    JsonOut j;
    j.begin_object().field("actor", who.actor).key("can").begin_object();
    j.field("approve", writable && who.role >= Role::approver);
    j.field("request", writable && who.role >= Role::deployer);
    j.field("rollback", writable && who.role >= Role::deployer).end_object();
    j.field("csrf", csrf).field("role", std::string(to_string(who.role))).end_object();
    return {200, "application/json", j.str(), {{"Cache-Control", "no-store"}}};
}

Response api_requests(ApiContext& c, const std::string& env, std::size_t limit, Millis now) {
    if (!env.empty() && !environment(c.manifest, env))
        return error_response(404, "not_found", "no environment '" + env + "'");
    auto requests = c.store.requests(env, limit);
    if (!requests) return store_failed(requests.error());
    std::string body = "{\"requests\":[";
    for (std::size_t i = 0; i < requests->size(); ++i) {
        auto text = request_text(c, (*requests)[i], now);
        if (!text) return store_failed(text.error());
        body += (i ? "," : "") + *text;
    }
    return {200, "application/json", body + "]}\n", {}};
}

Response api_request(ApiContext& c, std::int64_t id, Millis now) {
    auto r = c.store.request(id);
    if (!r) return store_failed(r.error());
    if (!*r) return error_response(404, "not_found", "no request #" + std::to_string(id));
    return one_request(c, **r, now, 200);
}

common::Result<std::optional<JobRecord>> queue_if_ready(ApiContext& c, const PromotionRequest& r,
                                                        Millis now) {
    const auto* env = environment(c.manifest, r.env);
    if (!env || r.status != versioning::request_status::open || !shipped_by_service(*env, r))
        return std::optional<JobRecord>{};
    auto verdict = pipeline::check_gates(c.manifest, *env, r, c.store, now, c.teams);
    if (!verdict) return std::unexpected(verdict.error());
    if (!verdict->passed()) return std::optional<JobRecord>{};
    auto jobs = c.store.jobs(r.env, 50);
    if (!jobs) return std::unexpected(jobs.error());
    for (const auto& j : *jobs) {
        const bool live = j.status == JobStatus::pending || j.status == JobStatus::running ||
                          j.status == JobStatus::succeeded;
        if (j.kind == "promote" && j.request_id == r.id && live) return std::optional<JobRecord>{};
    }
    // The job checks out the commit whose template the source runs (the ledger: a
    // deployment's `commit` is its place in history, possibly older than its template, and
    // empty when an image's commit is unknown).
    std::string head = r.commit;
    if (auto source = c.store.deployment(r.source_deployment); !source) {
        return std::unexpected(source.error());
    } else if (*source && !(*source)->template_commit.empty()) {
        head = (*source)->template_commit;
    }
    JobRecord job;
    job.env = r.env;
    job.head = head;
    job.trigger = "request:" + std::to_string(r.id);
    job.actor = r.requested_by;
    job.created_at = now;
    job.kind = "promote";
    job.request_id = r.id;
    auto queued = c.store.enqueue_job(job);
    if (!queued) return std::unexpected(queued.error());
    return std::optional<JobRecord>{*queued};
}

Response post_request(ApiContext& c, const Write& w, const std::string& env_name) {
    const auto* env = environment(c.manifest, env_name);
    if (!env) return error_response(404, "not_found", "no environment '" + env_name + "'");
    if (w.who.role < Role::deployer)
        return error_response(403, "forbidden", "requesting a promotion needs the deployer role");
    if (env->promote_from.empty())
        return error_response(400, "bad_request",
                              "environment '" + env_name + "' has no promote_from");
    auto open = pipeline::open_request(c.store, env_name);
    if (!open) return store_failed(open.error());
    if (*open)
        return error_response(
            409, "conflict",
            "request #" + std::to_string((*open)->id) + " into " + env_name + " is open already");
    auto made = pipeline::new_request(c.manifest, *env, c.store, w.who.actor, w.now);
    if (!made) return refused(made.error());
    made->reason = w.reason;
    made->auto_deploy = true;  // asked for here: the service ships it when its gates pass
    auto id = c.store.record_request(*made);
    if (!id) return store_failed(id.error());
    made->id = *id;
    if (auto queued = queue_if_ready(c, *made, w.now); !queued) return store_failed(queued.error());
    return one_request(c, *made, w.now, 201);
}

Response post_decision(ApiContext& c, const Write& w, std::int64_t id, const std::string& verdict) {
    auto found = c.store.request(id);
    if (!found) return store_failed(found.error());
    if (!*found) return error_response(404, "not_found", "no request #" + std::to_string(id));
    const bool own =
        pipeline::person_of(w.who.actor) == pipeline::person_of((*found)->requested_by);
    const Role needed = verdict == "reject" && own ? Role::deployer : Role::approver;
    if (w.who.role < needed)
        return error_response(403, "forbidden",
                              verdict + " needs the " + std::string(to_string(needed)) + " role");
    auto after = pipeline::decide(c.manifest, {id, (*found)->env, verdict, w.reason, w.who.actor},
                                  c.store, w.now, c.teams);
    if (!after) return refused(after.error());
    if (auto queued = queue_if_ready(c, *after, w.now); !queued)
        return store_failed(queued.error());
    return one_request(c, *after, w.now, 200);
}

Response post_rollback(ApiContext& c, const Write& w, const std::string& env_name,
                       std::int64_t deployment) {
    const auto* env = environment(c.manifest, env_name);
    if (!env) return error_response(404, "not_found", "no environment '" + env_name + "'");
    if (w.who.role < Role::deployer)
        return error_response(403, "forbidden", "a rollback needs the deployer role");
    if (w.reason.empty()) return error_response(400, "bad_request", "a rollback needs a reason");
    auto d = c.store.deployment(deployment);
    if (!d) return store_failed(d.error());
    if (!*d || (*d)->env != env_name || (*d)->status != versioning::deployment_status::succeeded)
        return error_response(
            400, "bad_request",
            "no succeeded deployment #" + std::to_string(deployment) + " of " + env_name);
    JobRecord job;
    job.env = env_name;
    // The checkout of the commit whose template deployment N ran (its `commit` is its place
    // in history: older than that, or empty when an image's commit was unknown).
    job.head = (*d)->template_commit.empty() ? (*d)->commit : (*d)->template_commit;
    job.trigger = "rollback:" + std::to_string(deployment);
    job.actor = w.who.actor;
    job.created_at = w.now;
    job.kind = "rollback";
    job.request_id = deployment;
    job.note = w.reason;
    auto queued = c.store.enqueue_job(job);
    if (!queued) return store_failed(queued.error());
    return {202, "application/json", "{\"job\":" + job_json(*queued) + "}\n", {}};
}

common::Result<int> promote_ready(ApiContext& c, Millis now) {
    int queued = 0;
    for (const auto& env : c.manifest.environments) {
        if (env.promote_from.empty()) continue;
        auto open = pipeline::open_request(c.store, env.name);
        if (!open) return std::unexpected(open.error());
        if (!*open && env.promote_auto) {
            // The source's current images, when no request (open or ended) was made for them
            // and they are not what the environment runs.
            auto made = pipeline::new_request(c.manifest, env, c.store, "slipway-serve", now);
            if (!made) continue;  // nothing deployed in the source yet
            const bool news = std::any_of(made->images.begin(), made->images.end(),
                                          [](const auto& i) { return i.changed; });
            auto latest = c.store.requests(env.name, 1);
            if (!latest) return std::unexpected(latest.error());
            const bool asked =
                !latest->empty() && latest->front().source_deployment >= made->source_deployment;
            if (!news || asked) continue;
            made->auto_deploy = true;
            auto id = c.store.record_request(*made);
            if (!id) return std::unexpected(id.error());
            made->id = *id;
            *open = std::move(*made);
        }
        if (!*open) continue;
        auto job = queue_if_ready(c, **open, now);
        if (!job) return std::unexpected(job.error());
        if (*job) ++queued;
    }
    return queued;
}

}  // namespace service
