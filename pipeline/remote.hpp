#pragma once
// Builds that run on AWS CodeBuild (docs/remote.md), as the build phase sets them up: the
// --remote choice checked against the manifest, the CodeBuild runner of a plan with remote
// builds, and the remote builds that interrupted runs left running -- awaited when this
// plan builds the same inputs, stopped (StopBuild) when nobody will, so that a remote build
// is never started twice and none is left running for nothing.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "components/build_plan.hpp"
#include "components/build_runner.hpp"
#include "components/manifest.hpp"
#include "pipeline/observer.hpp"
#include "pipeline/services.hpp"

namespace pipeline {

/// Checks a --remote value: "" (each build where its component says) or "codebuild", which
/// needs the manifest's remote.codebuild. Fails with ErrorCode::usage.
common::Result<void> check_remote(const components::Manifest& m, const std::string& remote);

/// Whether any planned build runs on CodeBuild.
bool plans_remote(const components::BuildPlan& plan);

/// The remote builds of interrupted runs that this plan awaits instead of starting them
/// again (by plan index, for BuildSettings::adopt); the others are stopped and recorded
/// cancelled, each reported to `o`. Fails when the store cannot list them.
common::Result<std::vector<std::optional<versioning::BuildRecord>>> adopt_orphans(
    const components::BuildPlan& plan, const std::vector<std::string>& hashes, bool reuse,
    Services& s, Observer& o);

/// The runner of the plan's CodeBuild builds of `commit`: the manifest's remote.codebuild
/// project, in its region, else `region` (the environment's), else the usual AWS settings.
/// Poll timing from SLIPWAY_CODEBUILD_POLL_MS (tests, benchmarks). Fails with
/// ErrorCode::usage when the manifest has no remote.codebuild.
common::Result<std::unique_ptr<components::BuildRunner>> codebuild_runner(
    const components::Manifest& m, const std::string& commit, const std::string& region,
    Services& s);

}  // namespace pipeline
