#pragma once
// `slipway affected` as a value: the changed paths (from git, or a list) and the manifest's
// selection over them. The manifest is parsed on a second thread while this one diffs, when
// it does not come from the repository itself (whose handle is not shared between threads).
#include <memory>
#include <optional>
#include <string>

#include "common/error.hpp"
#include "components/affected.hpp"
#include "diff/tree_diff.hpp"

namespace pipeline {

struct AffectedRequest {
    std::string repo = ".";
    std::string manifest;       // --manifest: a file instead of slipway.yml
    std::string changed_files;  // a path list ("-": stdin) instead of git
    diff::DiffRequest diff;
};

struct AffectedOutcome {
    components::Selection selection;
    std::optional<diff::ChangeSet> changes;  // when the paths came from git
    std::string manifest_store;              // the manifest's `store` ("" none)
    /// The manifest's compiled patterns and graph the selection came from: large, so their
    /// freeing is the caller's to time (the CLI leaves it to the end of the process).
    std::unique_ptr<components::Selector> selector;
};

/// The selection of a change. Errors: usage (neither a base nor a path list), input
/// (manifest, ref, path list), external (git).
common::Result<AffectedOutcome> select_affected(const AffectedRequest& r);

}  // namespace pipeline
