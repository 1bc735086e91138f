// See summary.hpp.
#include "pipeline/summary.hpp"

#include <unistd.h>

#include <deque>
#include <fstream>

#include "common/json.hpp"
#include "pipeline/host.hpp"

namespace pipeline {
namespace {

void write_row(common::JsonOut& j, const SummaryRow& r) {
    j.begin_object();
    j.field_or_null("build_number", r.build_number != 0, r.build_number);
    j.field("component", r.component);
    j.field("duration_ms", r.duration);
    j.field("exit_code", r.exit_code);
    j.field("image_uri", r.image_uri);
    j.field("kind", r.kind);
    j.path_field("log_path", r.log_path);
    j.field("parameter", r.parameter);
    j.field("parameter_changed", r.parameter_changed);
    j.field("reason", r.reason);
    j.field_or_null("reused_from", r.status == "reused", r.reused_from);
    j.field("status", r.status);
    j.end_object();
}

void write_failures(common::JsonOut& j, const std::vector<FailedResource>& failures) {
    j.key("failed_resources").begin_array();
    for (const auto& f : failures) {
        j.begin_object().field("logical_id", f.logical_id).field("reason", f.reason);
        j.field("resource_type", f.resource_type).field("status", f.status).end_object();
    }
    j.end_array();
}

void write_stack(common::JsonOut& j, const StackSummary& s) {
    j.begin_object();
    j.field("account", s.account);
    j.field_or_null("deployment_id", s.deployment_id != 0, s.deployment_id);
    write_failures(j, s.failed_resources);
    j.field("label", s.label).field("message", s.message);
    j.key("outputs").begin_object();
    for (const auto& [name, value] : s.outputs) j.field(name, value);
    j.end_object();
    j.field("reason", s.reason).field("region", s.region).field("result", s.result);
    j.field("stack", s.stack).field("stack_status", s.stack_status);
    j.field("wave", static_cast<std::int64_t>(s.wave));
    j.end_object();
}

}  // namespace

std::string report_json(const RunSummary& s) {
    common::JsonOut j;
    j.begin_object();
    j.field("actor", s.actor);
    j.field("base", s.base);
    j.field("base_reason", s.base_reason);
    j.key("components").begin_array();
    for (const auto& r : s.rows) write_row(j, r);
    j.end_array();
    j.field_or_null("deployment_id", s.deployment_id != 0, s.deployment_id);
    j.field("env", s.env);
    j.field("exit_code", s.exit_code);
    write_failures(j, s.failed_resources);
    j.field("finished_at", iso_time(s.finished_at));
    j.field("head", s.head);
    j.field("kind", s.kind);
    j.field("message", s.message);
    j.key("outputs").begin_object();
    for (const auto& [name, value] : s.outputs) j.field(name, value);
    j.end_object();
    j.key("phases").begin_array();
    for (const auto& p : s.phases) {
        j.begin_object().field("duration_ms", p.millis).field("name", p.name).end_object();
    }
    j.end_array();
    j.field("result", s.result);
    j.field("run_id", s.run_id);
    j.field("stack", s.stack);
    j.field("stack_status", s.stack_status);
    j.key("stacks").begin_array();
    for (const auto& st : s.stacks) write_stack(j, st);
    j.end_array();
    j.field("started_at", iso_time(s.started_at));
    j.field("trigger", s.trigger);
    j.end_object();
    return j.str();
}

versioning::RunRecord new_run_record(const RunSummary& s) {
    versioning::RunRecord run;
    run.id = s.run_id;
    run.kind = s.kind;
    run.trigger = s.trigger;
    run.actor = s.actor;
    run.base = s.base;
    run.base_reason = s.base_reason;
    run.head = s.head;
    run.env = s.env;
    run.started_at = s.started_at;
    run.host = host_name();
    run.pid = ::getpid();
    run.pid_start = process_start(run.pid);
    return run;
}

versioning::RunStatus run_status_for_exit(int exit_code) {
    switch (exit_code) {
        case 0:
            return versioning::RunStatus::succeeded;
        case 3:
            return versioning::RunStatus::busy;
        case 130:
            return versioning::RunStatus::cancelled;
        default:
            return versioning::RunStatus::failed;
    }
}

std::string tail_lines(const std::string& path, std::size_t count) {
    std::ifstream in(path, std::ios::binary);
    std::deque<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        lines.push_back(std::move(line));
        if (lines.size() > count) lines.pop_front();
    }
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    if (!out.empty()) out.pop_back();
    return out;
}

}  // namespace pipeline
