#pragma once
// Internal to the versioning library: the SQLite store's schema (its migrations, applied on
// open) and the rows read back from it, shared by sqlite_store.cpp and sqlite_service.cpp.
#include "versioning/records.hpp"
#include "versioning/sqlite_db.hpp"

namespace versioning::detail {

/// The schema version this slipway writes.
int current_schema_version();
/// Fails unless `db`'s schema is the one this slipway writes (a read-only open cannot
/// upgrade it): ErrorCode::external naming both versions.
common::Result<void> require_current_schema(Database& db);
/// Creates or upgrades the schema of `db` (several processes may open one store at once).
common::Result<void> migrate(Database& db);

/// Column lists: SELECT <these> reads what read_build / read_job / SqliteVersionStore's
/// select_runs expect.
inline constexpr const char* k_run_select =
    "SELECT id, trigger, base, head, env, status, started_at, finished_at, host, pid, pid_start, "
    "base_reason, report, kind, actor FROM runs ";

inline constexpr const char* k_job_select =
    "SELECT id, env, branch, head, trigger, actor, status, created_at, started_at, finished_at, "
    "run_id, owner, lease_until, reason, attempts, kind, request_id, note, replaced FROM jobs ";

inline constexpr const char* k_build_columns =
    "component, build_number, commit_id, input_hash, image_uri, status, exit_code, started_at, "
    "finished_at, log_path, run_id, id, pgid, pgid_start, remote_id, image_digest";

/// The build (`k_build_columns`) or job (`k_job_select`) the statement's current row holds.
BuildRecord read_build(const Statement& s);
JobRecord read_job(const Statement& s);

/// Calls `each` for every row the bound statement yields, then resets it.
template <typename F>
common::Result<void> for_each_row(Statement& s, F&& each) {
    for (;;) {
        auto row = s.step();
        if (!row) {
            s.reset();
            return std::unexpected(row.error());
        }
        if (!*row) break;
        each(s);
    }
    s.reset();
    return {};
}

}  // namespace versioning::detail
