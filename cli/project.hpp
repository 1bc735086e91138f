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
#include "diff/tree_diff.hpp"

namespace cli {

/// The manifest to use: `manifest_flag` when given; else, when `head` is HEAD, slipway.yml
/// at the work tree's root (through the parsed-manifest cache); else (another commit, or a
/// bare repository) slipway.yml in the tree of `head`, so the components are those of the
/// commit being looked at.
common::Result<components::Manifest> load_project_manifest(const diff::Repository* repo,
                                                           const std::string& manifest_flag,
                                                           const std::string& head);

/// Whether load_project_manifest reads from the repository's object database (and so must
/// not run beside other work on the same repository handle).
bool manifest_comes_from_git(const diff::Repository* repo, const std::string& manifest_flag,
                             const std::string& head);

/// Changed paths, one per line, from a file or "-" (stdin). Blank lines are skipped, a
/// trailing CR dropped, and git's "quoted" form unquoted.
common::Result<std::vector<std::string>> read_path_list(const std::string& file);

/// Reverses git's C-style path quoting; returns the text unchanged when it is not quoted.
std::string unquote_path(std::string_view text);

/// The changed paths for selection: from `changed_files` (a path list) when given, else
/// from git (both sides of every rename), the change set then left in `changes`.
common::Result<std::vector<std::string>> changed_paths(const diff::Repository* repo,
                                                       const diff::DiffRequest& request,
                                                       const std::string& changed_files,
                                                       std::optional<diff::ChangeSet>& changes);

/// Writes bytes to stdout as they are (NULs included).
void write_out(std::string_view text);

}  // namespace cli
