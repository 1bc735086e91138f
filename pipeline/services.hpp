#pragma once
// The outside world a pipeline step talks to, behind the interfaces the stage libraries
// own: the version store (and a way to open a second connection to it), the AWS services of
// an environment, the runners of build commands (local processes; CodeBuild's client), and
// time. system_services() is the real world; tests put a temp SQLite store, a fake runner
// or a scripted CloudFormation in.
#include <chrono>
#include <functional>
#include <memory>

#include "aws/client.hpp"
#include "common/error.hpp"
#include "components/build_runner.hpp"
#include "components/manifest.hpp"
#include "deploy/artifacts.hpp"
#include "deploy/cloudformation.hpp"
#include "deploy/registry.hpp"
#include "pipeline/teams.hpp"
#include "versioning/version_store.hpp"

namespace pipeline {

struct Clock {
    std::function<versioning::Millis()> now;
    std::function<void(std::chrono::milliseconds)> sleep;
    std::function<double()> random;     // in [0, 1), for jitter
    std::function<bool()> interrupted;  // Ctrl-C / SIGTERM arrived
    int interrupt_fd = -1;  // readable once Ctrl-C / SIGTERM arrived (-1: none), for builds
};

/// The AWS services of one environment (its region and role).
struct CloudServices {
    std::unique_ptr<deploy::CloudFormationApi> cloudformation;
    std::unique_ptr<deploy::ArtifactStore> artifacts;  // may be null: nothing to upload
    std::unique_ptr<deploy::ImageRegistry> registry;   // may be null: no retagging
};

struct Services {
    versioning::VersionStore& store;
    /// Another connection to the same store (the lease is renewed from a thread of its own).
    std::function<common::Result<std::unique_ptr<versioning::VersionStore>>()> open_store;
    /// The AWS services of one place an environment deploys to (its region; its account's
    /// role assumed).
    std::function<CloudServices(const components::Target&)> cloud;
    /// The runner of local build commands (the executor reports their output).
    std::function<std::unique_ptr<components::BuildRunner>()> runner;
    Clock clock;
    /// The AWS client for CodeBuild and CloudWatch Logs in `region` (empty: the usual AWS
    /// settings), for remote builds; unset where there are none.
    std::function<std::shared_ptr<aws::Client>(const std::string& region)> codebuild{};
    /// ECR in `region`, to check that an image to reuse still exists (reuse.hpp); unset:
    /// images are taken on trust.
    std::function<std::unique_ptr<deploy::ImageRegistry>(const std::string& region)> images{};
    /// Team memberships beyond the manifest's `teams:` (teams.hpp); null: the manifest's only.
    std::shared_ptr<TeamDirectory> teams{};
};

/// The system clock, real sleeps, and Ctrl-C / SIGTERM (installs the handler).
Clock system_clock();

/// AWS through aws::Client for `target` (its region; its role_arn assumed for every call with
/// the credential chain's credentials).
CloudServices aws_services(const components::Target& target);

/// The real world for a project whose store is `store` at `store_url` under `root`: AWS,
/// local processes (TERM, then KILL after 5 s), CodeBuild, the system clock.
Services system_services(versioning::VersionStore& store, const std::string& store_url,
                         const std::string& root);

}  // namespace pipeline
