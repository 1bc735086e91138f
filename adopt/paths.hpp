#pragma once
// Repository-relative path helpers for `slipway init` ("a/b/c": no leading or trailing
// slash; "" is the root).
#include <optional>
#include <string>
#include <vector>

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

/// Whether `files` (sorted) holds the file `path`.
bool has_file(const std::vector<std::string>& files, const std::string& path);

/// Whether `files` (sorted) holds a file below the folder `folder`.
bool has_folder(const std::vector<std::string>& files, const std::string& folder);

/// Whether a folder holds what is not deployed: examples, tests, fixtures (a segment named
/// example(s), test(s), __tests__, testdata, test-data, fixture(s), __fixtures__, e2e), or
/// scaffolding (scaffold(s), blueprints, `{{` or `<%` in a name) and, unless `templates_too`
/// is false, template(s) -- a folder of CloudFormation templates is deployed.
bool non_deployable(const std::string& folder, bool templates_too = true);

}  // namespace adopt
