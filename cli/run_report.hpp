#pragma once
// The pure parts of `slipway run`: who triggered it (CodeBuild, GitHub Actions, a person),
// which base it compares against and why, and its report as a table, as JSON (docs/json.md)
// and as JUnit XML (CI systems show that as a test report). No I/O here.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "versioning/records.hpp"

namespace cli {

/// What started a run, read from the CI system's environment variables.
struct Trigger {
    std::string name;    // "codebuild:<build id>", "github:<run id>", or "cli"
    std::string head;    // the commit the CI system checked out; empty: HEAD
    std::string detail;  // e.g. "webhook PULL_REQUEST_MERGED refs/heads/dev"
};

/// CodeBuild: CODEBUILD_BUILD_ID (+ CODEBUILD_BUILD_NUMBER), CODEBUILD_RESOLVED_SOURCE_VERSION,
/// CODEBUILD_WEBHOOK_TRIGGER / _HEAD_REF / _BASE_REF. GitHub Actions: GITHUB_RUN_ID,
/// GITHUB_SHA, GITHUB_REF. Otherwise "cli" with no head.
Trigger detect_trigger(const std::map<std::string, std::string>& env);
/// The names detect_trigger reads.
const std::vector<std::string>& trigger_variables();

/// The base a run compares its head against.
struct BaseChoice {
    std::string ref;     // commit id or ref; empty when there is none
    std::string reason;  // for people and the run record
    bool first_deployment = false;
};

/// `flag` ("auto" or a ref) -> the commit of the environment's last succeeded deployment ->
/// the environment's `base` branch. With neither, `ref` is empty: the caller decides (a
/// first deployment builds everything).
BaseChoice choose_base(const std::string& flag, const std::string& env,
                       const std::optional<versioning::DeploymentRecord>& last,
                       const std::string& env_base);

/// One component's line in the summary.
struct SummaryRow {
    std::string component;
    std::string kind;               // image, library, config
    std::string status;             // succeeded, reused, failed, timed-out, skipped, cancelled,
                                    // affected (library/config), unchanged
    std::int64_t build_number = 0;  // the image the stack gets (0: none)
    std::string image_uri;
    std::string parameter;
    bool parameter_changed = false;  // the stack's parameter changed in this run's deploy
    bool built = false;              // a build of this run (for JUnit)
    std::optional<int> exit_code;
    versioning::Millis duration = 0;
    std::string log_path;
    std::string log_tail;  // the end of a failed build's log
    std::string reason;    // why it was affected
};

struct Phase {
    std::string name;  // select, build, deploy
    versioning::Millis millis = 0;
};

struct RunSummary {
    std::string run_id;
    std::string env;
    std::string stack;
    std::string trigger;
    std::string base;
    std::string base_reason;
    std::string head;
    // deployed, up-to-date, nothing-affected, planned, overrides-written, build-failed,
    // deploy-failed, declined, interrupted, error
    std::string result;
    int exit_code = 0;
    std::int64_t deployment_id = 0;
    std::string stack_status;
    std::string message;  // the error, when result is "error"
    versioning::Millis started_at = 0;
    versioning::Millis finished_at = 0;
    std::vector<Phase> phases;
    std::vector<SummaryRow> rows;  // by component name
};

/// The table printed at the end of a run.
std::string summary_table(const RunSummary& s);
/// The same as JSON, keys sorted; also the run's report in the store.
std::string summary_json(const RunSummary& s);
/// JUnit XML: one test case per build of the run and one for the deploy.
std::string junit_xml(const RunSummary& s);

}  // namespace cli
