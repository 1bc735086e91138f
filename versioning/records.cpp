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
    std::vector<std::string> candidates = {waiting.head};
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
        if (open->head == job.head)
            return drop(std::string("the same commit is already ") + where + " as job #" +
                        std::to_string(open->id));
        if (is_older(older, job.head, open->head))
            return drop("older than " + open->head.substr(0, 12) + ", already " + where +
                        " as job #" + std::to_string(open->id));
    }
    if (waiting) stored.replaced = replaced_heads(*waiting, job.head, older);
    return stored;
}

}  // namespace versioning
