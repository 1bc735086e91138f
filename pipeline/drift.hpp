#pragma once
// Drift: whether an environment's stack still holds what its template says (CloudFormation's
// DetectStackDrift), checked on demand (`slipway drift`) or on a schedule (`slipway serve
// --drift-every`), and the latest check of each environment recorded in the store for the
// web page, the API and /metrics.
#include <string>

#include "common/error.hpp"
#include "components/manifest.hpp"
#include "pipeline/services.hpp"
#include "versioning/records.hpp"

namespace pipeline {

/// Detects drift of every stack of `env` in every region and account, waits for each detection
/// (at most `patience`), lists the resources that are MODIFIED or DELETED, and records the
/// check as one record of the environment whose status is its worst stack's (DRIFTED, then
/// FAILED, then UNKNOWN, then IN_SYNC). A stack that does not exist is UNKNOWN; a detection
/// that fails or does not finish is FAILED with its reason (returned, not an error). With
/// several stacks or places, resources and reasons name theirs ("api@eu-west-1/Fn").
/// Errors: external (AWS refused, the store).
common::Result<versioning::DriftRecord> check_drift(
    const components::Environment& env, Services& s,
    std::chrono::milliseconds patience = std::chrono::minutes(5));

/// The exit status of a drift check: 0 in sync, 1 drifted, 4 failed or unknown.
int drift_exit(const versioning::DriftRecord& d);

/// The check as JSON (docs/json.md, "drift").
std::string drift_json(const versioning::DriftRecord& d);

}  // namespace pipeline
