#pragma once
// The DynamoDB backend of the version store, for teams whose runners share no disk.
// docs/store.md describes the table.
#include <memory>
#include <string>

#include "aws/client.hpp"
#include "versioning/version_store.hpp"

namespace versioning {

/// Creates the table (on-demand billing) unless it exists, and waits until it is active.
common::Result<void> init_dynamo_table(aws::Client& client, const std::string& table);

/// A store on an existing table. Fails (ErrorCode::input) when the table does not exist,
/// naming `slipway store init`.
common::Result<std::unique_ptr<VersionStore>> open_dynamo_store(std::unique_ptr<aws::Client> client,
                                                                const std::string& table);

}  // namespace versioning
