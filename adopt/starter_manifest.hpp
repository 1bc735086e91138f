#pragma once
// The starter `slipway.yml` that `slipway init` writes from a Discovery: YAML text with a
// comment over every component and environment saying where it came from, generated
// deterministically (components by name, environments dev, test, staging, prod), every
// scalar quoted by libyaml's emitter where YAML needs it (common/yaml_emit).
#include <filesystem>
#include <string>
#include <vector>

#include "adopt/discover.hpp"
#include "common/error.hpp"

namespace adopt {

/// The manifest text for `d`.
std::string starter_manifest(const Discovery& d);

/// What was found and why, one line each, for the terminal (warnings aside).
std::string summary(const Discovery& d);

/// What is left for the user before `slipway validate --strict` passes and a deploy works
/// (the placeholder repository, artifact buckets, parameter values, guessed parameters).
std::vector<std::string> to_do(const Discovery& d);

/// What init found and wrote, as JSON (keys sorted; docs/json.md).
std::string init_json(const Discovery& d, const std::string& manifest);

/// Fails with ErrorCode::input naming `path` when it exists and `force` is false.
common::Result<void> refuse_to_overwrite(const std::filesystem::path& path, bool force);

/// Checks `text` with the manifest loader and the graph builder (so a starter manifest
/// always validates), then writes it to `path` through a temporary file and a rename. Fails
/// with ErrorCode::input when `path` exists and `force` is false, naming the file.
common::Result<void> write_manifest(const std::filesystem::path& path, const std::string& text,
                                    bool force);

}  // namespace adopt
