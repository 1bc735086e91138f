#pragma once
// Internal to the versioning library: promotion requests and drift checks on the DynamoDB
// store. A request is one document kept in two items, REQ / <id> (every request, by id) and
// REQ#<env> / <id> (one environment's), written together; DRIFT / <env> holds an
// environment's latest drift check.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "versioning/dynamo_table.hpp"
#include "versioning/records.hpp"

namespace versioning::detail {

class DynamoRequests {
  public:
    explicit DynamoRequests(DynamoTable& table) : m_table(table) {}

    /// The VersionStore methods of the same names.
    common::Result<std::int64_t> record_request(const PromotionRequest& r);
    common::Result<std::optional<PromotionRequest>> request(std::int64_t id);
    common::Result<std::vector<PromotionRequest>> requests(const std::string& env,
                                                           std::size_t limit);
    common::Result<bool> change_open(std::int64_t id,
                                     const std::function<void(PromotionRequest&)>& change);
    common::Result<void> record_drift(const DriftRecord& d);
    common::Result<std::vector<DriftRecord>> drifts();

  private:
    DynamoTable& m_table;
};

}  // namespace versioning::detail
