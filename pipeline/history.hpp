#pragma once
// What the store knows, as values for people and programs (the CLI's history, status and
// diffs; the service's API): one component's builds and deployments, and every component's
// latest build and deployed build per environment, with each environment's current and
// pending deployments.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "components/manifest.hpp"
#include "diff/repository.hpp"
#include "pipeline/project.hpp"
#include "versioning/version_store.hpp"

namespace pipeline {

/// What the query commands read: the repository (if the folder is in one), its manifest at
/// HEAD (if it loads), and the store (null: none created yet — nothing is created to answer).
struct QueryContext {
    std::optional<diff::Repository> repo;
    std::optional<components::Manifest> manifest;
    std::unique_ptr<versioning::VersionStore> store;
    [[nodiscard]] const components::Manifest* manifest_or_null() const {
        return manifest ? &*manifest : nullptr;
    }
};

/// Opens what a query reads. A manifest that does not load is an error only when named with
/// --manifest (`r.manifest`); the store's errors are errors, and so is a store that does not
/// exist, or nothing to read (outside a repository, no --manifest and no store named).
common::Result<QueryContext> open_for_query(const ProjectRequest& r);

/// ErrorCode::input naming the manifest's environments when `env` is not one of them (no
/// check without a manifest or an environment).
common::Result<void> check_environment(const components::Manifest* manifest,
                                       const std::string& env);

/// The paths recorded per component for the commit `ref` names (resolved in the repository
/// when there is one): the full commit id, and the diffs (none without a store).
struct RecordedDiffs {
    std::string commit;
    std::vector<versioning::DiffRecord> diffs;
};
common::Result<RecordedDiffs> recorded_diffs(const QueryContext& c, const std::string& ref);

/// Every component of the manifest and the store, sorted (either may be missing).
common::Result<std::vector<std::string>> known_components(const components::Manifest* manifest,
                                                          versioning::VersionStore* store);

struct ComponentHistory {
    std::string component;
    std::vector<versioning::BuildRecord> builds;               // newest first
    std::vector<versioning::ComponentDeployment> deployments;  // newest first
    /// The promotion requests those deployments shipped (their decision trails), by id.
    std::vector<versioning::PromotionRequest> requests{};

    /// The request deployment `d` shipped (same run), or null.
    [[nodiscard]] const versioning::PromotionRequest* request_of(
        const versioning::ComponentDeployment& d) const;
};

/// One component's history; ErrorCode::input with a "did you mean" for an unknown one.
common::Result<ComponentHistory> component_history(const components::Manifest* manifest,
                                                   versioning::VersionStore* store,
                                                   const std::string& component,
                                                   const std::string& env, std::size_t limit);

/// A component's image in one environment's current deployment.
struct DeployedImage {
    std::int64_t build_number = 0;
    std::int64_t deployment_id = 0;
    std::string image_uri;
    std::string commit{};  // the commit the image is current for (empty: unknown)
    bool differs = false;  // the environment's places run different images of it (the oldest shown)
};

/// An environment as the store knows it: each stack's current deployment, and whether its
/// latest deployment moved some stacks and not others.
struct EnvironmentState {
    std::string name;
    bool partially_deployed = false;
    std::vector<versioning::DeploymentRecord> stacks;  // current, by stack and place
};

struct ComponentStatus {
    std::string name;
    std::string kind;  // image, library, config; empty when the manifest does not name it
    std::optional<versioning::BuildRecord> latest;
    std::map<std::string, DeployedImage> deployed;  // by environment
};

struct StatusView {
    std::vector<ComponentStatus> components;            // by name
    std::vector<versioning::DeploymentRecord> current;  // each stack's, by environment and stack
    std::vector<EnvironmentState> environments;         // by name
    std::vector<versioning::DeploymentRecord> pending;  // not confirmed yet, oldest first
};

/// Every component's latest build and deployed builds (`env` empty: every environment).
common::Result<StatusView> status_view(const components::Manifest* manifest,
                                       versioning::VersionStore* store, const std::string& env);

}  // namespace pipeline
