#pragma once
// Internal to the versioning library: deployments on the DynamoDB store (dynamo_deployments.cpp
// says how an environment's current deployment stays right with several writers).
#include <optional>
#include <string>
#include <vector>

#include "versioning/dynamo_table.hpp"
#include "versioning/records.hpp"

namespace versioning::detail {

class DynamoDeployments {
  public:
    explicit DynamoDeployments(DynamoTable& table) : m_table(table) {}

    /// The VersionStore methods of the same names.
    common::Result<std::int64_t> record_deployment(const DeploymentRecord& d);
    common::Result<bool> finish_deployment(std::int64_t id, const std::string& status, Millis at,
                                           const std::string& reason);
    common::Result<std::vector<DeploymentRecord>> pending_deployments(const std::string& env);
    common::Result<std::vector<ComponentDeployment>> deployments_of(const std::string& component,
                                                                    const std::string& env,
                                                                    std::size_t limit);
    common::Result<std::vector<DeploymentRecord>> current_deployments(const std::string& env);
    common::Result<std::optional<DeploymentRecord>> deployment(std::int64_t id);
    common::Result<std::vector<DeploymentRecord>> deployments_in(const std::string& env,
                                                                 std::size_t limit);

  private:
    // The per-component index (DC#): idempotent puts, after the deployment itself.
    common::Result<void> write_component_index(const DeploymentRecord& d);

    DynamoTable& m_table;
};

}  // namespace versioning::detail
