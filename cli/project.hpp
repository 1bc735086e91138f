#pragma once
// What several commands share: opening the repository and loading its manifest, reading a
// list of changed paths, and writing output.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "components/manifest.hpp"
#include "diff/repository.hpp"

namespace cli {

/// The manifest to use: `manifest_flag` when given; else slipway.yml at the work tree's
/// root; else (bare repositories) slipway.yml in the tree of `head`.
common::Result<components::Manifest> load_project_manifest(const diff::Repository* repo,
                                                           const std::string& manifest_flag,
                                                           const std::string& head);

/// Changed paths, one per line, from a file or "-" (stdin). Blank lines are skipped, a
/// trailing CR dropped, and git's "quoted" form unquoted.
common::Result<std::vector<std::string>> read_path_list(const std::string& file);

/// Reverses git's C-style path quoting; returns the text unchanged when it is not quoted.
std::string unquote_path(std::string_view text);

/// Writes bytes to stdout as they are (NULs included).
void write_out(std::string_view text);

}  // namespace cli
