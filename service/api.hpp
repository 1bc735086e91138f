#pragma once
// The JSON API (docs/api.md) as functions from the store, the manifest and the repository to
// an answer: status, content type, body. No HTTP here: the server (server.hpp) routes to
// these, and tests call them directly too.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "components/manifest.hpp"
#include "diff/repository.hpp"
#include "pipeline/pull_plan.hpp"
#include "pipeline/teams.hpp"
#include "versioning/version_store.hpp"

namespace service {

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

/// `{"error": {"code", "message"}}` with `status`.
Response error_response(int status, const std::string& code, const std::string& message);

struct ApiContext {
    versioning::VersionStore& store;
    const components::Manifest& manifest;
    // The repository, opened on first use (only comparisons need it); null without one.
    std::function<const diff::Repository*()> repo;
    std::string version;
    /// Team memberships beyond the manifest's `teams:` (GitHub's, when serve knows GitHub).
    pipeline::TeamDirectory* teams = nullptr;
};

/// Query parameters every list takes.
struct PageRequest {
    std::string before;
    std::size_t limit = 20;
};

Response api_project(ApiContext& c);
Response api_environments(ApiContext& c);
Response api_environment_deployments(ApiContext& c, const std::string& env, const PageRequest& p);
/// A page of the components by name (`next`: the cursor of the page after it).
Response api_components(ApiContext& c, const PageRequest& p);
Response api_component(ApiContext& c, const std::string& name, const std::string& env,
                       std::size_t limit);
Response api_component_builds(ApiContext& c, const std::string& name, const PageRequest& p);
Response api_component_deployments(ApiContext& c, const std::string& name, const std::string& env,
                                   const PageRequest& p);
Response api_runs(ApiContext& c, const std::string& env, const PageRequest& p);
Response api_run(ApiContext& c, const std::string& id);
/// The build log from byte `offset`; X-Log-Complete once the build ended.
Response api_log(ApiContext& c, const std::string& run, const std::string& component,
                 std::uint64_t offset);
Response api_deployment(ApiContext& c, std::int64_t id);
Response api_compare(ApiContext& c, std::int64_t a, std::int64_t b);
Response api_queue(ApiContext& c);
/// The pull requests' plans: {"pulls": [plan, ...]} (pipeline::pull_plan_json each).
Response api_pulls(const std::vector<pipeline::PullPlan>& plans);
/// One pull request's plan; 404 when there is none.
Response api_pull(std::int64_t number, const std::optional<pipeline::PullPlan>& plan);

}  // namespace service
