#pragma once
// Internal to the versioning library: the store's records as DynamoDB items and back
// (docs/store.md, "DynamoDB layout", names every attribute's item).
#include <string>

#include "versioning/dynamo_json.hpp"
#include "versioning/records.hpp"

namespace versioning::detail {

/// B#<component> / <row>: a build record.
JsonValue build_item(Json::AllocatorType& a, const BuildRecord& b, const std::string& row);
/// A build from its B# item; `row` from the sort key.
BuildRecord read_build(const JsonValue& item);

/// RB#<run> / <component>#<row>: one build of a run (its component and row).
JsonValue run_build_item(Json::AllocatorType& a, const std::string& run,
                         const std::string& component, const std::string& row);

/// R#<run> / R: a run record (report and end added by finish_run).
JsonValue run_item(Json::AllocatorType& a, const RunRecord& r);
RunRecord read_run(const JsonValue& item);
/// The sort key of a run in RUNS and RUNS#<env>: "<started_at, 13 digits>#<id>".
std::string run_order(Millis started_at, const std::string& id);

/// A deployment as its DEP#, DEPS and CUR items hold it (the whole record, images included).
JsonValue deployment_item(Json::AllocatorType& a, const DeploymentRecord& d, const std::string& pk,
                          const std::string& sk);
DeploymentRecord read_deployment(const JsonValue& item);

/// DC#<component>[#<env>] / <id>: one component's image in a deployment.
JsonValue component_deployment_item(Json::AllocatorType& a, const DeploymentRecord& d,
                                    const DeploymentImage& i, const std::string& pk);
ComponentDeployment read_component_deployment(const JsonValue& item);

}  // namespace versioning::detail
