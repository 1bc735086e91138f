#pragma once
// This process and this machine as values for the core: the time, this process's identity
// (for runs, leases and interrupted-run recovery), and the .slipway folder.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "versioning/records.hpp"
#include "versioning/version_store.hpp"

namespace pipeline {

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

/// The values of `names` in this process's environment (unset and empty ones left out).
std::map<std::string, std::string> environment_values(const std::vector<std::string>& names);

/// "host:pid:pid_start:run": who holds a lease, so that one left by a killed process of this
/// host can be told apart.
std::string lease_owner(const std::string& run_id);
/// True when `owner` (as lease_owner writes it) names a process of this host that is gone.
bool lease_owner_gone(const std::string& owner);

/// Marks interrupted the runs of this host whose process is gone, first stopping what
/// their local builds left running (each build's process group, unless its leader's pid
/// now names another process). Returns how many runs it marked.
common::Result<std::size_t> recover_runs(versioning::VersionStore& store, versioning::Millis now);

/// A new run id: "<compact UTC time>-<6 hex digits>".
std::string new_run_id(versioning::Millis at);

/// Creates `<root>/.slipway/<sub>` and makes sure `.slipway/` ignores itself, so git never
/// reports slipway's own files (store, logs, caches) as work-tree changes.
std::string slipway_dir(const std::string& root, const std::string& sub);

}  // namespace pipeline
