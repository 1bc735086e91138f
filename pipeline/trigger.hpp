#pragma once
// What started a run and what it compares against, as pure functions over values: the
// trigger (CodeBuild, GitHub Actions, a webhook, a person) read from environment variables,
// and the choice of the base commit.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "versioning/records.hpp"

namespace pipeline {

/// What started a run, read from the CI system's environment variables.
struct Trigger {
    std::string name;      // "codebuild:<build id>", "github:<run id>", "webhook:<delivery>", "cli"
    std::string head;      // the commit the CI system checked out; empty: HEAD
    std::string detail;    // e.g. "webhook PULL_REQUEST_MERGED refs/heads/dev"
    std::string actor;     // who: "github:octocat", "codebuild:codepipeline/x", "alice@laptop"
    std::string branch{};  // the branch built, when the CI system says ("main")
    bool pull_request = false;  // a pull request's build (untrusted: pipeline/reuse.hpp)
};

/// CodeBuild: CODEBUILD_BUILD_ID (+ CODEBUILD_BUILD_NUMBER), CODEBUILD_RESOLVED_SOURCE_VERSION,
/// CODEBUILD_WEBHOOK_TRIGGER / _HEAD_REF / _BASE_REF (branch/NAME: the branch; pr/N: a pull
/// request, unless the event is PULL_REQUEST_MERGED: then its base branch). GitHub Actions:
/// GITHUB_RUN_ID, GITHUB_SHA, GITHUB_REF (refs/heads/NAME: the branch; refs/pull/...: a pull
/// request, as are the pull_request* events and a GITHUB_HEAD_REF). Otherwise "cli" with no head.
/// The actor: GITHUB_ACTOR, else CODEBUILD_WEBHOOK_ACTOR_ACCOUNT_ID, else CODEBUILD_INITIATOR, else
/// USER (or LOGNAME) at `host`.
Trigger detect_trigger(const std::map<std::string, std::string>& env, const std::string& host = "");
/// The names detect_trigger reads.
const std::vector<std::string>& trigger_variables();
/// detect_trigger over this process's environment and host.
Trigger current_trigger();

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

}  // namespace pipeline
