#pragma once
// The outside world as values for the core: the clock, this process's identity (for runs
// and interrupted-run recovery), and where the version store is.
#include <cstdint>
#include <memory>
#include <string>

#include "common/error.hpp"
#include "components/manifest.hpp"
#include "versioning/version_store.hpp"

namespace cli {

versioning::Millis now_millis();
/// "2026-11-22T03:12:45Z"
std::string iso_time(versioning::Millis at);
/// "20261122T031245"
std::string compact_time(versioning::Millis at);

/// This host's name, this process's pid and its start time (clock ticks since boot).
std::string host_name();
std::int64_t process_start(std::int64_t pid);
/// Whether `pid` still runs and is the process that started at `start`.
bool process_alive(std::int64_t pid, std::int64_t start);

/// A new run id: "<compact UTC time>-<6 hex digits>".
std::string new_run_id(versioning::Millis at);

/// Creates `<root>/.slipway/<sub>` and makes sure `.slipway/` ignores itself, so git never
/// reports slipway's own files (store, logs, caches) as work-tree changes.
std::string slipway_dir(const std::string& root, const std::string& sub);

/// The store URL: `--store`, else $SLIPWAY_STORE, else the manifest's `store`, else
/// sqlite:.slipway/state.db.
std::string store_url(const std::string& flag, const components::Manifest* manifest);

/// Opens the store (relative paths under `root`). With `must_exist`, a SQLite store that
/// does not exist yet is not created: nullptr is returned instead.
common::Result<std::unique_ptr<versioning::VersionStore>> open_store_at(const std::string& url,
                                                                        const std::string& root,
                                                                        bool must_exist);

}  // namespace cli
