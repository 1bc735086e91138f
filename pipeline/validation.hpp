#pragma once
// `slipway validate` as a value: the manifest is loaded (every error is fatal), then each
// pattern is checked against the files of the head tree: one that matches nothing is usually
// a typo.
#include <string>
#include <vector>

#include "common/error.hpp"

namespace pipeline {

struct Validation {
    std::string manifest;  // the file read
    std::size_t components = 0;
    std::size_t environments = 0;
    std::vector<std::string> warnings;  // "file:line:column: pattern 'x' of ... matches no file"
    std::vector<std::string> unowned;   // files of the head that belong to no component
};

/// Validates the manifest of `repo` (or `manifest`) at `head`; with `list_unowned`, lists the
/// files no component owns. Errors: input (the manifest, the ref), external (git).
common::Result<Validation> validate_project(const std::string& repo, const std::string& manifest,
                                            const std::string& head, bool list_unowned);

/// The validation as JSON, keys sorted (docs/json.md).
std::string validation_json(const Validation& v);

}  // namespace pipeline
