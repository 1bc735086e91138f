#pragma once
// Holding an environment for one command: its deploy lease, taken before anything is
// computed from what the environment has (and renewed until released), then its pending
// deployments reconciled with the stack (deploy/lease.hpp, deploy/reconcile.hpp).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "components/manifest.hpp"
#include "deploy/lease.hpp"
#include "deploy/reconcile.hpp"
#include "pipeline/project.hpp"
#include "pipeline/services.hpp"

namespace pipeline {

using Say = std::function<void(const std::string&)>;

/// Takes `env`'s lease for run `run_id` (waiting with `wait`, else ErrorCode::busy).
common::Result<std::unique_ptr<deploy::EnvironmentLease>> take_lease(
    const components::Environment& env, const std::string& run_id, bool wait, Services& s,
    const Say& note);

/// Reconciles `env`'s pending deployments (the caller holds its lease); one line per
/// deployment to `say`. Asks AWS only when something is pending.
common::Result<std::vector<deploy::Reconciled>> reconcile(const components::Environment& env,
                                                          bool wait, Services& s, const Say& say);

/// take_lease, then reconcile (its lines as notes).
common::Result<std::unique_ptr<deploy::EnvironmentLease>> hold_environment(
    const components::Environment& env, const std::string& run_id, bool wait, Services& s,
    const Say& note);

/// `slipway reconcile`: each environment of `p` (or only `env`, which must exist) held in turn
/// while its pending deployments are judged; one line per deployment to `say`, or
/// "<env>: nothing pending".
common::Result<void> reconcile_environments(const Project& p, const std::string& env, bool wait,
                                            Services& s, const Say& note, const Say& say);

}  // namespace pipeline
