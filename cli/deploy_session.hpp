#pragma once
// What `deploy`, `promote`, `rollback` and `run` share: the environment's context (repository,
// manifest, store), the images the store knows, the deploy plan from the manifest's settings,
// and running it against AWS with the console as the reporter.
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "components/manifest.hpp"
#include "deploy/deployer.hpp"
#include "diff/repository.hpp"
#include "versioning/version_store.hpp"

namespace cli {

struct DeployOptions {
    std::string repo = ".";
    std::string manifest;
    std::string store;
    std::string env;
    std::string head = "HEAD";
    std::vector<std::string> images;
    std::string write_overrides;
    bool plan = false;
    bool yes = false;
    bool wait = false;
    bool replace_failed = false;
    bool latest = false;  // deploy each component's latest succeeded build
    std::string run_id;   // the run this deploy belongs to (empty: a run of its own)
    // promote
    std::string from;
    // rollback
    std::int64_t to_deployment = 0;
    std::string component;
    std::int64_t build = 0;
};

struct DeployContext {
    std::optional<diff::Repository> repo;
    std::string root;
    components::Manifest manifest;
    std::unique_ptr<versioning::VersionStore> store;
    const components::Environment* env = nullptr;
    std::string commit;
};

/// How a deploy ended, for the caller's summary.
struct DeployRun {
    int exit = 0;
    std::optional<deploy::DeployOutcome> outcome;  // none with --write-overrides
    std::set<std::string> changed_parameters;      // the stack's parameters that changed
};

/// The environment `name` of the manifest, or an input error with a "did you mean".
common::Result<const components::Environment*> find_environment(const components::Manifest& m,
                                                                const std::string& name);

/// Opens the repository (when there is one), the manifest at `o.head`, the environment and
/// the store.
common::Result<DeployContext> open_deploy_context(const DeployOptions& o);

/// What the store knows of the environment: its deployed images and each component's latest
/// succeeded build.
common::Result<deploy::ParameterInputs> known_images(DeployContext& c);

/// The deploy plan of `c.env` with `params`, from the manifest's settings.
common::Result<deploy::DeployPlan> make_plan(const DeployContext& c, const DeployOptions& o,
                                             deploy::ParameterSet params);

/// Deploys the plan (or, with --write-overrides, only writes CodePipeline's file) and prints
/// the outcome.
common::Result<DeployRun> run_plan(DeployContext& c, const DeployOptions& o,
                                   deploy::DeployPlan plan);

}  // namespace cli
