#pragma once
// Repository-relative path helpers for `slipway init` ("a/b/c": no leading or trailing
// slash; "" is the root).
#include <optional>
#include <string>

namespace adopt {

/// `path` joined to the folder `base` and normalised ("a/./b/../c" -> "a/c"); nullopt when
/// it is absolute or leaves the repository.
std::optional<std::string> join_relative(const std::string& base, const std::string& path);

/// The folder holding `path` ("" for a file at the root).
std::string parent_folder(const std::string& path);

/// The last segment of `path`.
std::string base_name(const std::string& path);

/// Whether discovery looks past this folder: hidden folders (".github", ".aws-sam"),
/// node_modules and vendor are skipped, at any depth.
bool skipped_folder(const std::string& folder);

}  // namespace adopt
