#pragma once
// A run's summary as a value: one row per component (what the run did with it, which image
// the stack has), the phases and their timings, and how it ended. The CLI renders it as a
// table and JUnit, ci_outputs.hpp for CI systems; report_json() is the JSON report stored
// with the run (docs/run.md).
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "versioning/records.hpp"

namespace pipeline {

/// One component's line in the summary.
struct SummaryRow {
    std::string component;
    std::string kind;               // image, library, config
    std::string status;             // succeeded, reused, failed, timed-out, skipped, cancelled,
                                    // affected (library/config), unchanged; changed/unchanged
                                    // for deploy, promote and rollback
    std::int64_t build_number = 0;  // the image the stack gets (0: none)
    std::string image_uri;
    std::string parameter;
    bool parameter_changed = false;  // the stack's parameter changed in this run's deploy
    bool built = false;              // a build of this run (for JUnit)
    std::optional<int> exit_code;
    versioning::Millis duration = 0;
    std::string log_path;
    std::string log_tail;     // the end of a failed build's log
    std::string reason;       // why it was affected
    std::string reused_from;  // reused: where the reused build was built ("" unknown)
};

/// A resource whose stack operation failed (a *_FAILED stack event).
struct FailedResource {
    std::string logical_id;
    std::string resource_type;
    std::string status;
    std::string reason;
};

/// One stack of the environment in a run's deploy: where it is and how its deploy ended.
struct StackSummary {
    std::string label;  // "api", "api@eu-west-1"
    std::string stack;
    std::string region;    // named targets only
    std::string account;   // named targets only
    std::size_t wave = 0;  // 1-based
    std::string reason;    // why it deployed, or why it was skipped
    /// deployed, up-to-date, planned, declined, deploy-failed, overrides-written, skipped,
    /// interrupted, error
    std::string result;
    std::int64_t deployment_id = 0;
    std::string stack_status;
    std::string message;  // the error, for result "error"
    std::vector<FailedResource> failed_resources;
    std::map<std::string, std::string> outputs;
};

struct Phase {
    std::string name;  // select, build, deploy
    versioning::Millis millis = 0;
};

struct RunSummary {
    std::string run_id;
    std::string kind = "run";  // run, deploy, promote, rollback
    std::string env;
    std::string stack;
    std::string trigger;
    std::string actor;
    std::string base;
    std::string base_reason;
    std::string head;
    // deployed, up-to-date, nothing-affected, planned, overrides-written, build-failed,
    // deploy-failed, declined, interrupted, busy, error
    std::string result;
    int exit_code = 0;
    std::int64_t deployment_id = 0;
    std::string stack_status;
    std::vector<FailedResource> failed_resources;  // a failed deploy's resources
    std::map<std::string, std::string> outputs;    // a deployed stack's outputs
    std::string message;                           // the error, when result is "error" or "busy"
    versioning::Millis started_at = 0;
    versioning::Millis finished_at = 0;
    std::vector<Phase> phases;
    std::vector<SummaryRow> rows;      // by component name
    std::vector<StackSummary> stacks;  // the deploy's stacks, in plan order
};

/// The summary as JSON, keys sorted (docs/run.md): the run's report in the store and
/// --json-report.
std::string report_json(const RunSummary& s);

/// The run record of a run of this process that starts as `s` says (id, kind, trigger,
/// actor, env, base, head, start) on this host.
versioning::RunRecord new_run_record(const RunSummary& s);

/// The store's status for a run that ended with `exit_code` (0, 3 busy, 130, else failed).
versioning::RunStatus run_status_for_exit(int exit_code);

/// The last `count` lines of a file (a failed build's log).
std::string tail_lines(const std::string& path, std::size_t count);

}  // namespace pipeline
