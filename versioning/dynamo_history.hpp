#pragma once
// Internal to the versioning library: the DynamoDB store's pages (one Query each, the cursor
// naming the sort key to start after), run lookup, a run's builds and interrupting a run.
#include <optional>
#include <string>
#include <vector>

#include "versioning/dynamo_table.hpp"
#include "versioning/records.hpp"

namespace versioning::detail {

class DynamoHistory {
  public:
    explicit DynamoHistory(DynamoTable& table) : m_table(table) {}

    /// VersionStore::build_page: B#<component>; the cursor is the last row number shown.
    common::Result<Page<BuildRecord>> build_page(const std::string& component,
                                                 const std::string& before, std::size_t limit);
    /// VersionStore::deployment_page: DC#<component>[#<env>]; the cursor is a deployment id.
    common::Result<Page<ComponentDeployment>> deployment_page(const std::string& component,
                                                              const std::string& env,
                                                              const std::string& before,
                                                              std::size_t limit);
    /// VersionStore::run_page: RUNS[#<env>] and the runs' R# items; the cursor is
    /// "<started_at>.<id>" (as SQLite's).
    common::Result<Page<RunRecord>> run_page(const std::string& env, const std::string& before,
                                             std::size_t limit);
    /// VersionStore::run: one GetItem.
    common::Result<std::optional<RunRecord>> run(const std::string& id);
    /// VersionStore::builds_of_run: RB#<run> and the B# items it names, by component and row.
    common::Result<std::vector<BuildRecord>> builds_of_run(const std::string& run_id);
    /// VersionStore::interrupt_run: conditional writes, retried after a conflict.
    common::Result<void> interrupt_run(const std::string& run_id, Millis now);

  private:
    // One Query of `pk`, newest first, after the sort key `after`: at most `limit` items and
    // whether more follow (one item more is asked for to know).
    common::Result<Json> newest_first(const std::string& pk, const std::string& after,
                                      std::size_t limit, bool& more);

    DynamoTable& m_table;
};

}  // namespace versioning::detail
