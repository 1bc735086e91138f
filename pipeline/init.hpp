#pragma once
// `slipway init` as a value: the repository's files, refs and template inspected by the adopt
// library (docs/init.md), and the starter slipway.yml written at its root.
#include <filesystem>
#include <string>

#include "adopt/discover.hpp"
#include "common/error.hpp"

namespace pipeline {

struct InitRequest {
    std::string repo = ".";
    std::string template_file;  // --template, relative to the current folder
    bool force = false;         // overwrite an existing slipway.yml
};

struct InitOutcome {
    std::filesystem::path manifest;  // the file written
    adopt::Discovery found;
};

/// Inspects the repository and writes its starter manifest. Errors: input (an existing
/// manifest without `force`, a template outside the repository), external (git, the disk).
common::Result<InitOutcome> init_project(const InitRequest& r);

}  // namespace pipeline
