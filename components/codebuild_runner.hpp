#pragma once
// Builds on AWS CodeBuild, behind the BuildRunner interface (docs/remote.md).
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "aws/client.hpp"
#include "components/build_runner.hpp"
#include "components/manifest.hpp"
#include "versioning/version_store.hpp"

namespace components {

struct CodeBuildRunnerOptions {
    CodeBuildSettings target;  // the project and its overrides
    std::string commit;        // every build's sourceVersion
    /// BatchGetBuilds every `poll_min` while builds change, backing off (x2, with jitter) to
    /// `poll_max` while none does.
    std::chrono::milliseconds poll_min{2000};
    std::chrono::milliseconds poll_max{15000};
    /// GetLogEvents calls per second for following logs, shared by all running builds
    /// (CloudWatch Logs allows 25 a second per account and region).
    double log_calls_per_second = 5.0;
    /// Failed polls in a row after which the runner gives up on CodeBuild (the run fails).
    int max_failed_polls = 20;
};

/// Runs builds on the CodeBuild project `options.target.project` through `client` (whose
/// region is the project's). The project's buildspec runs $SLIPWAY_BUILD_COMMAND with the
/// build's SLIPWAY_* variables. Calls happen on the runner's own thread.
std::unique_ptr<BuildRunner> make_codebuild_runner(std::shared_ptr<aws::Client> client,
                                                   CodeBuildRunnerOptions options);

/// Poll timing from SLIPWAY_CODEBUILD_POLL_MS ("MIN" or "MIN,MAX"), for tests and
/// benchmarks against a fake CodeBuild; leaves `options` as it is when unset or malformed.
void poll_timing_from_env(CodeBuildRunnerOptions& options);

/// Stops remote builds that nobody will await (StopBuild) and records them cancelled at
/// `now`. A build CodeBuild cannot stop now keeps its record, for a later run to try again;
/// returns how many were stopped.
std::size_t stop_remote_builds(aws::Client& client,
                               const std::vector<versioning::BuildRecord>& builds,
                               versioning::VersionStore& store, versioning::Millis now);

}  // namespace components
