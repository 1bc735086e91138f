#include "versioning/records.hpp"

#include <array>
#include <cstdint>
#include <utility>

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

}  // namespace versioning
