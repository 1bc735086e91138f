#include "versioning/records.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "common/json.hpp"
#include "versioning/version_store.hpp"

namespace versioning {
namespace {

constexpr std::array<std::pair<BuildStatus, std::string_view>, 9> k_build_statuses = {{
    {BuildStatus::queued, "queued"},
    {BuildStatus::running, "running"},
    {BuildStatus::succeeded, "succeeded"},
    {BuildStatus::failed, "failed"},
    {BuildStatus::timed_out, "timed-out"},
    {BuildStatus::cancelled, "cancelled"},
    {BuildStatus::skipped, "skipped"},
    {BuildStatus::reused, "reused"},
    {BuildStatus::interrupted, "interrupted"},
}};

}  // namespace

std::int64_t cursor_number(std::string_view cursor) {
    std::int64_t n = 0;
    for (char c : cursor) {
        if (c < '0' || c > '9' || n > (INT64_MAX - 9) / 10) return 0;
        n = n * 10 + (c - '0');
    }
    return n;
}

std::string_view to_string(BuildStatus status) {
    for (auto [s, name] : k_build_statuses) {
        if (s == status) return name;
    }
    return "running";
}

std::optional<BuildStatus> parse_build_status(std::string_view text) {
    for (auto [s, name] : k_build_statuses) {
        if (name == text) return s;
    }
    return std::nullopt;
}

std::string_view to_string(RunStatus status) {
    switch (status) {
        case RunStatus::running:
            return "running";
        case RunStatus::succeeded:
            return "succeeded";
        case RunStatus::failed:
            return "failed";
        case RunStatus::cancelled:
            return "cancelled";
        case RunStatus::interrupted:
            return "interrupted";
        case RunStatus::busy:
            return "busy";
    }
    return "running";
}

RunStatus parse_run_status(std::string_view text) {
    for (auto s : {RunStatus::succeeded, RunStatus::failed, RunStatus::cancelled,
                   RunStatus::interrupted, RunStatus::busy}) {
        if (to_string(s) == text) return s;
    }
    return RunStatus::running;
}

namespace {

constexpr std::array<std::pair<JobStatus, std::string_view>, 7> k_job_statuses = {{
    {JobStatus::pending, "pending"},
    {JobStatus::running, "running"},
    {JobStatus::succeeded, "succeeded"},
    {JobStatus::failed, "failed"},
    {JobStatus::superseded, "superseded"},
    {JobStatus::dropped, "dropped"},
    {JobStatus::interrupted, "interrupted"},
}};

}  // namespace

std::string_view to_string(JobStatus status) {
    for (auto [s, name] : k_job_statuses) {
        if (s == status) return name;
    }
    return "pending";
}

JobStatus parse_job_status(std::string_view text) {
    for (auto [s, name] : k_job_statuses) {
        if (name == text) return s;
    }
    return JobStatus::pending;
}

std::string joined_heads(const std::vector<std::string>& heads) {
    std::string out;
    for (const auto& h : heads) out += (out.empty() ? "" : " ") + h;
    return out;
}

std::vector<std::string> split_heads(std::string_view text) {
    std::vector<std::string> out;
    for (std::size_t at = 0; at < text.size();) {
        const auto end = std::min(text.find(' ', at), text.size());
        if (end > at) out.emplace_back(text.substr(at, end - at));
        at = end + 1;
    }
    return out;
}

std::string parameters_json(const std::map<std::string, std::string>& parameters) {
    if (parameters.empty()) return "";
    common::JsonOut j;
    j.begin_object();
    for (const auto& [name, value] : parameters) j.field(name, value);
    return j.end_object().str();
}

std::map<std::string, std::string> parse_parameters_json(std::string_view text) {
    std::map<std::string, std::string> out;
    rapidjson::Document doc;
    if (text.empty() || doc.Parse(text.data(), text.size()).HasParseError() || !doc.IsObject())
        return out;
    for (const auto& m : doc.GetObject()) {
        if (m.value.IsString())
            out[std::string(m.name.GetString(), m.name.GetStringLength())] =
                std::string(m.value.GetString(), m.value.GetStringLength());
    }
    return out;
}

namespace {

bool is_older(const OlderThan& older, const std::string& head, const std::string& than) {
    return older && !head.empty() && !than.empty() && head != than && older(head, than);
}

}  // namespace

std::vector<std::string> replaced_heads(const JobRecord& waiting, const std::string& head,
                                        const OlderThan& older) {
    // Only pushes are ordered by history: a promotion or a rollback job ships what it names.
    std::vector<std::string> candidates;
    if (waiting.request_id == 0) candidates.push_back(waiting.head);
    candidates.insert(candidates.end(), waiting.replaced.begin(), waiting.replaced.end());
    std::vector<std::string> out;
    for (const auto& h : candidates) {
        if (h == head || is_older(older, h, head)) continue;
        if (std::find(out.begin(), out.end(), h) != out.end()) continue;
        if (out.size() == 8) break;
        out.push_back(h);
    }
    return out;
}

std::string superseded_reason(const JobRecord& by, const JobRecord& waiting) {
    const bool unknown =
        std::find(by.replaced.begin(), by.replaced.end(), waiting.head) != by.replaced.end();
    return "superseded by job #" + std::to_string(by.id) +
           (unknown ? " (a later push; their order in history is checked after the fetch)"
                    : " (a newer head)");
}

JobRecord queued_job(const JobRecord& job, const JobRecord* running, const JobRecord* waiting,
                     const OlderThan& older) {
    JobRecord stored = job;
    stored.status = JobStatus::pending;
    stored.started_at.reset();
    stored.run_id.clear();
    stored.owner.clear();
    stored.lease_until = 0;
    stored.replaced.clear();
    auto drop = [&](std::string reason) {
        stored.status = JobStatus::dropped;
        stored.finished_at = job.created_at;
        stored.reason = std::move(reason);
        return stored;
    };
    for (const auto* open : {running, waiting}) {
        if (!open) continue;
        const char* where = open == running ? "running" : "waiting";
        if (open->head == job.head && open->request_id == job.request_id)
            return drop(std::string("the same commit is already ") + where + " as job #" +
                        std::to_string(open->id));
        // A promotion or a rollback (request_id set) ships what it names, older or not; only
        // pushes are compared in history, and only with pushes.
        if (job.request_id == 0 && open->request_id == 0 && is_older(older, job.head, open->head))
            return drop("older than " + open->head.substr(0, 12) + ", already " + where +
                        " as job #" + std::to_string(open->id));
    }
    if (waiting && job.request_id == 0) stored.replaced = replaced_heads(*waiting, job.head, older);
    return stored;
}

}  // namespace versioning

// --- documents: promotion requests and drift checks, stored whole as JSON -----------------

namespace versioning {
namespace {

std::string text_of(const rapidjson::Value& v, const char* key) {
    auto it = v.FindMember(key);
    return it != v.MemberEnd() && it->value.IsString()
               ? std::string(it->value.GetString(), it->value.GetStringLength())
               : std::string();
}

std::int64_t number_of(const rapidjson::Value& v, const char* key) {
    auto it = v.FindMember(key);
    return it != v.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
}

bool flag_of(const rapidjson::Value& v, const char* key) {
    auto it = v.FindMember(key);
    return it != v.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}

const rapidjson::Value* array_of(const rapidjson::Value& v, const char* key) {
    auto it = v.FindMember(key);
    return it != v.MemberEnd() && it->value.IsArray() ? &it->value : nullptr;
}

}  // namespace

std::string request_document(const PromotionRequest& r) {
    common::JsonOut j;
    j.begin_object()
        .field("auto_deploy", r.auto_deploy)
        .field("base_deployment", r.base_deployment);
    j.field("commit", r.commit).key("decisions").begin_array();
    for (const auto& d : r.decisions) {
        j.begin_object().field("actor", d.actor).field("at", d.at).field("reason", d.reason);
        j.field("verdict", d.verdict).end_object();
    }
    j.end_array().field("deployment_id", r.deployment_id).field("env", r.env);
    j.field("finished_at", r.finished_at).field("from", r.from).field("id", r.id);
    j.key("images").begin_array();
    for (const auto& i : r.images) {
        j.begin_object().field("build_number", i.build_number).field("changed", i.changed);
        j.field("commit", i.commit).field("component", i.component);
        j.field("image_uri", i.image_uri).end_object();
    }
    j.end_array().field("outcome", r.outcome);
    j.field("reason", r.reason).field("requested_at", r.requested_at);
    j.field("requested_by", r.requested_by).field("run_id", r.run_id);
    j.field("source_deployment", r.source_deployment).field("status", r.status).end_object();
    std::string out = j.str();
    out.pop_back();  // no newline in the store
    return out;
}

std::optional<PromotionRequest> parse_request_document(std::string_view text) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
    PromotionRequest r;
    r.id = number_of(doc, "id");
    r.env = text_of(doc, "env");
    r.from = text_of(doc, "from");
    r.status = text_of(doc, "status");
    r.requested_by = text_of(doc, "requested_by");
    r.requested_at = number_of(doc, "requested_at");
    r.source_deployment = number_of(doc, "source_deployment");
    r.base_deployment = number_of(doc, "base_deployment");
    r.commit = text_of(doc, "commit");
    r.auto_deploy = flag_of(doc, "auto_deploy");
    r.reason = text_of(doc, "reason");
    r.outcome = text_of(doc, "outcome");
    r.deployment_id = number_of(doc, "deployment_id");
    r.run_id = text_of(doc, "run_id");
    if (auto it = doc.FindMember("finished_at"); it != doc.MemberEnd() && it->value.IsInt64())
        r.finished_at = it->value.GetInt64();
    if (const auto* images = array_of(doc, "images")) {
        for (const auto& i : images->GetArray()) {
            r.images.push_back({text_of(i, "component"), number_of(i, "build_number"),
                                text_of(i, "image_uri"), text_of(i, "commit"),
                                flag_of(i, "changed")});
        }
    }
    if (const auto* decisions = array_of(doc, "decisions")) {
        for (const auto& d : decisions->GetArray()) {
            r.decisions.push_back({text_of(d, "actor"), text_of(d, "verdict"), text_of(d, "reason"),
                                   number_of(d, "at")});
        }
    }
    return r;
}

std::string drift_document(const DriftRecord& d) {
    common::JsonOut j;
    j.begin_object().field("checked_at", d.checked_at).field("env", d.env);
    j.field("reason", d.reason).key("resources").begin_array();
    for (const auto& r : d.resources) {
        j.begin_object().field("differences", r.differences).field("logical_id", r.logical_id);
        j.field("resource_type", r.resource_type).field("status", r.status).end_object();
    }
    j.end_array().field("stack", d.stack).field("status", d.status).end_object();
    std::string out = j.str();
    out.pop_back();
    return out;
}

std::optional<DriftRecord> parse_drift_document(std::string_view text) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
    DriftRecord d;
    d.env = text_of(doc, "env");
    d.stack = text_of(doc, "stack");
    d.checked_at = number_of(doc, "checked_at");
    d.status = text_of(doc, "status");
    d.reason = text_of(doc, "reason");
    if (const auto* resources = array_of(doc, "resources")) {
        for (const auto& r : resources->GetArray()) {
            d.resources.push_back({text_of(r, "logical_id"), text_of(r, "resource_type"),
                                   text_of(r, "status"), text_of(r, "differences")});
        }
    }
    return d;
}

}  // namespace versioning
