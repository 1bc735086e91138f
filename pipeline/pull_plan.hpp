#pragma once
// A pull request's plan as a value, and what GitHub is shown of it -- pure functions:
//   - per environment the PR's merge would deploy: the affected components with their
//     reasons, the builds that would run (or be reused, with their numbers), every stack
//     parameter that would change, and the resource changes of the CloudFormation change set
//     that was created, described and deleted (never executed);
//   - the PR comment (Markdown, one per PR, found again by its hidden marker), kept under
//     GitHub's 65,536 characters by cutting the longest sections first and linking to the
//     full plan page;
//   - each environment's check run: conclusion (success: planned; neutral: nothing affected
//     or not mergeable; failure: an invalid manifest or template, or the plan failed), title,
//     summary and annotations at the file:line an error names.
// JSON (keys sorted) for the service's /api/pulls and its plan files.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "deploy/cloudformation.hpp"
#include "deploy/deployer.hpp"
#include "github/client.hpp"
#include "versioning/records.hpp"

namespace pipeline {

struct PlannedBuild {
    std::string component;
    std::int64_t build_number = 0;  // the number it would get, or the reused build's
    std::string image_uri;
    bool reused = false;
};

struct AffectedEntry {
    std::string component;
    std::string reason;
};

/// Where an error points: a file of the repository and a line.
struct ProblemLocation {
    std::string path;
    int line = 1;
    std::string message;
};

struct EnvPlan {
    std::string env;
    std::string stack;
    // planned, nothing-affected, up-to-date (a change set without changes), failed (bad
    // manifest, template or parameters), conflict (the PR does not merge), error
    // (AWS, git or the store), queued, planning; superseded (a newer push came first) and
    // cancelled (the PR was closed first) before the plan was made
    std::string result = "queued";
    std::string message;  // failed, conflict, error: why
    std::vector<ProblemLocation> problems;
    std::string base;  // the commit compared with
    std::string base_reason;
    std::vector<AffectedEntry> affected;
    std::vector<PlannedBuild> builds;
    std::vector<deploy::ParameterChange> parameters;
    std::vector<deploy::ResourceChange> resources;
    versioning::Millis planned_at = 0;
    versioning::Millis millis = 0;  // how long planning took
};

struct PullPlan {
    std::int64_t number = 0;
    std::string title;
    std::string author;
    std::string url;       // the PR's page on GitHub
    std::string head_sha;  // the PR's head commit (check runs go there)
    std::string head_ref;
    std::string base_ref;
    std::string merge_commit;  // the merge that was planned
    // The head whose merge `envs` show: head_sha once it is planned; an older head's while a
    // newer push waits to be planned (the page says the plan on show is superseded); empty
    // before any plan was made.
    std::string planned_head;
    std::string state = "open";  // open, closed
    versioning::Millis updated_at = 0;
    std::vector<EnvPlan> envs;
};

/// The hidden marker that finds the PR's comment again.
inline constexpr std::string_view k_plan_marker = "<!-- slipway:plan -->";

std::string pull_plan_json(const PullPlan& p);
/// Parses pull_plan_json's output. ErrorCode::input when it is not that.
common::Result<PullPlan> parse_pull_plan(std::string_view json);

/// The PR comment: at most `limit` bytes, the marker included; `page_url` (may be empty)
/// links the full plan.
std::string plan_comment(const PullPlan& p, const std::string& page_url, std::size_t limit = 65536,
                         std::string_view marker = k_plan_marker);

struct CheckVerdict {
    std::string conclusion;  // success, neutral, failure, cancelled ("" while queued or planning)
    github::CheckRunOutput output;
};

/// The check run `slipway plan (ENV)` for one environment's plan.
CheckVerdict check_verdict(const EnvPlan& e, const std::string& page_url);

/// The check run's (or commit status's) name: "slipway plan (test)".
std::string plan_check_name(const std::string& env);

/// The file:line places an error message names ("slipway.yml:12:3: unknown key ..."), with
/// the message; paths under `root` (a checkout) are made relative to it, others are left
/// out (an annotation names a file of the repository). None when it names none.
std::vector<ProblemLocation> problem_locations(const std::string& message,
                                               const std::string& root = "");

}  // namespace pipeline
