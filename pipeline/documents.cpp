// See documents.hpp.
#include "pipeline/documents.hpp"

#include "common/json.hpp"
#include "common/path_text.hpp"
#include "pipeline/host.hpp"
#include "pipeline/promotion.hpp"

namespace pipeline {
namespace {

void write_build(common::JsonOut& j, const versioning::BuildRecord& b) {
    j.begin_object();
    j.field_or_null("build_number", b.build_number != 0, b.build_number);
    j.field("commit", b.commit);
    j.field("exit_code", b.exit_code);
    j.field_or_null("finished_at", b.finished_at.has_value(), iso_time(b.finished_at.value_or(0)));
    j.field_or_null("image_digest", !b.image_digest.empty(), b.image_digest);
    j.field("image_uri", b.image_uri);
    j.field("input_hash", b.input_hash);
    j.path_field("log_path", b.log_path);
    j.field_or_null("remote_id", !b.handle.remote_id.empty(), b.handle.remote_id);
    j.field("run_id", b.run_id);
    j.field("started_at", iso_time(b.started_at));
    j.field("status", versioning::to_string(b.status));
    j.end_object();
}

void write_deployment_summary(common::JsonOut& j, const versioning::DeploymentRecord& d) {
    j.begin_object();
    j.field("actor", d.actor);
    j.field("commit", d.commit);
    j.field("deployment_id", d.id);
    j.field("env", d.env);
    j.field("executed_by", d.executed_by);
    j.field_or_null("finished_at", d.finished_at.has_value(), iso_time(d.finished_at.value_or(0)));
    j.field("kind", d.kind);
    j.field("note", d.note);
    j.field("run_id", d.run_id);
    j.field("started_at", iso_time(d.started_at));
    j.field("status", d.status);
    j.end_object();
}

// Paths in JSON: as themselves when UTF-8, else git's quoted form (common/path_text.hpp).
void write_paths(common::JsonOut& j, const char* key, const std::vector<std::string>& paths) {
    j.key(key).begin_array();
    for (const auto& p : paths) j.value(common::json_path(p));
    j.end_array();
}

void write_optional(common::JsonOut& j, const char* key, const std::string& value) {
    j.field_or_null(key, !value.empty(), value);
}

void write_reason(common::JsonOut& j, const components::Reason& r) {
    j.begin_object();
    if (r.kind == components::ReasonKind::dependency) j.field("component", r.dependency);
    if (r.kind != components::ReasonKind::dependency) {
        j.field("path", common::json_path(r.path));
        j.field("pattern", r.pattern);
    }
    j.field("type", to_string(r.kind)).end_object();
}

}  // namespace

std::string selection_json(const components::Selection& s, const diff::ChangeSet* changes) {
    common::JsonOut j;
    j.begin_object().key("affected").begin_array();
    for (const auto& c : s.affected) {
        j.begin_object().field("kind", to_string(c.kind)).field("name", c.name);
        j.key("reasons").begin_array();
        for (const auto& r : c.reasons) write_reason(j, r);
        j.end_array().end_object();
    }
    j.end_array();
    write_optional(j, "base", changes ? changes->base : "");
    write_optional(j, "base_id", changes ? changes->base_id : "");
    write_paths(j, "changed", s.changed);
    write_optional(j, "head", changes ? changes->head : "");
    write_optional(j, "head_id", changes ? changes->head_id : "");
    write_paths(j, "ignored", s.ignored);
    write_optional(j, "merge_base", changes ? changes->merge_base : "");
    write_paths(j, "unowned", s.unowned);
    return j.end_object().str();
}

std::string build_report_json(const components::BuildReport& r, const std::string& run_id,
                              const std::string& commit) {
    common::JsonOut j;
    j.begin_object().key("builds").begin_array();
    for (const auto& b : r.builds) {
        j.begin_object();
        j.field_or_null("build_number", b.build_number != 0, b.build_number);
        j.field("component", b.component);
        j.field("duration_ms", b.finished_at - b.started_at);
        j.field("exit_code", b.exit_code);
        j.field("finished_at", iso_time(b.finished_at));
        j.field_or_null("image_digest", !b.image_digest.empty(), b.image_digest);
        j.field("image_uri", b.image_uri);
        j.field("input_hash", b.input_hash);
        j.path_field("log_path", b.log_path);
        j.field_or_null("remote_id", !b.handle.remote_id.empty(), b.handle.remote_id);
        j.field_or_null("reused_from", b.status == versioning::BuildStatus::reused, b.reused_from);
        j.field("started_at", iso_time(b.started_at));
        j.field("status", versioning::to_string(b.status));
        j.end_object();
    }
    j.end_array();
    j.field("commit", commit).field("interrupted", r.interrupted).field("run_id", run_id);
    return j.end_object().str();
}

std::string build_plan_json(const components::BuildPlan& plan,
                            const std::vector<ProspectiveBuild>& builds,
                            const std::string& commit) {
    common::JsonOut j;
    j.begin_object().key("builds").begin_array();
    for (std::size_t i = 0; i < builds.size() && i < plan.size(); ++i) {
        const auto& b = builds[i];
        j.begin_object().key("after").begin_array();
        for (auto w : plan.at(i).waits_for) j.value(plan.at(w).component);
        j.end_array();
        j.field("build_number", b.build_number()).field("component", b.component);
        j.field("image_uri", b.image_uri()).field("reused", b.reused_number != 0);
        j.field_or_null("reused_from", b.reused_number != 0, b.reused_from);
        j.end_object();
    }
    j.end_array().field("commit", commit).field("dry_run", true);
    return j.end_object().str();
}

std::string history_json(const pipeline::ComponentHistory& h) {
    common::JsonOut j;
    j.begin_object().key("builds").begin_array();
    for (const auto& b : h.builds) write_build(j, b);
    j.end_array();
    j.field("component", h.component);
    j.key("deployments").begin_array();
    for (const auto& d : h.deployments) {
        j.begin_object();
        j.field("actor", d.actor);
        j.field("build_number", d.build_number);
        j.field("changed", d.changed);
        j.field("commit", d.commit);
        j.field("deployment_id", d.deployment_id);
        j.field("env", d.env);
        j.field_or_null("finished_at", d.finished_at.has_value(),
                        iso_time(d.finished_at.value_or(0)));
        j.field("image_uri", d.image_uri);
        j.field("kind", d.kind);
        j.field("note", d.note);
        j.key("request");
        if (const auto* r = h.request_of(d))
            j.raw(pipeline::request_trail_json(*r));
        else
            j.null();
        j.field("started_at", iso_time(d.started_at));
        j.field("status", d.status);
        j.end_object();
    }
    return j.end_array().end_object().str();
}

std::string status_json(const pipeline::StatusView& v) {
    common::JsonOut j;
    j.begin_object().key("components").begin_array();
    for (const auto& c : v.components) {
        j.begin_object().key("deployed").begin_object();
        for (const auto& [env, image] : c.deployed) {
            j.key(env).begin_object();
            j.field("build_number", image.build_number);
            j.field_or_null("commit", !image.commit.empty(), image.commit);
            j.field("deployment_id", image.deployment_id);
            j.field("differs", image.differs);
            j.field("image_uri", image.image_uri);
            j.end_object();
        }
        j.end_object().key("latest_build");
        c.latest ? write_build(j, *c.latest) : (void)j.null();
        j.field("name", c.name).end_object();
    }
    j.end_array().key("deployments").begin_array();
    for (const auto& d : v.current) write_deployment_summary(j, d);
    j.end_array().key("environments").begin_array();
    for (const auto& e : v.environments) j.value(e.name);
    j.end_array().key("partially_deployed").begin_array();
    for (const auto& e : v.environments) {
        if (e.partially_deployed) j.value(e.name);
    }
    j.end_array().key("pending").begin_array();
    for (const auto& d : v.pending) write_deployment_summary(j, d);
    return j.end_array().end_object().str();
}

std::string diffs_json(const std::string& commit,
                       const std::vector<versioning::DiffRecord>& diffs) {
    common::JsonOut j;
    j.begin_object().field("commit", commit).key("components").begin_array();
    for (const auto& d : diffs) {
        j.begin_object().field("name", d.component).key("paths").begin_array();
        for (const auto& p : d.paths) j.value(common::json_path(p));
        j.end_array().end_object();
    }
    return j.end_array().end_object().str();
}

}  // namespace pipeline
