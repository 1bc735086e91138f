// See environment.hpp.
#include "pipeline/environment.hpp"

#include <fmt/format.h>

#include <set>

#include "pipeline/host.hpp"

namespace pipeline {

common::Result<std::unique_ptr<deploy::EnvironmentLease>> take_lease(
    const components::Environment& env, const std::string& run_id, bool wait, Services& s,
    const Say& note) {
    deploy::LeaseRequest request{env.name, lease_owner(run_id), std::chrono::minutes(10), wait};
    deploy::LeaseServices services{
        s.open_store,        s.clock.now,      s.clock.sleep, s.clock.random,
        s.clock.interrupted, lease_owner_gone, note};
    return deploy::EnvironmentLease::take(s.store, request, std::move(services));
}

namespace {

// The target a deployment was recorded at (one no longer in the manifest: its region, with the
// usual credentials).
components::Target target_of(const components::Environment& env,
                             const versioning::DeploymentRecord& d) {
    for (const auto& t : env.targets) {
        if (t.recorded_region() == d.region && t.recorded_account() == d.account) return t;
    }
    components::Target t;
    t.region = d.region;
    t.account = d.account;
    t.named = true;
    return t;
}

}  // namespace

common::Result<std::vector<deploy::Reconciled>> reconcile(const components::Environment& env,
                                                          bool wait, Services& s, const Say& say) {
    auto pending = s.store.pending_deployments(env.name);
    if (!pending) return std::unexpected(pending.error());
    std::vector<deploy::Reconciled> all;
    std::set<std::string> seen;  // each stack in each place once, oldest pending first
    for (const auto& d : *pending) {
        deploy::StackPlace place{d.stack.empty() ? env.stacks.front().name : d.stack, d.region,
                                 d.account};
        if (!seen.insert(place.stack + "#" + place.region + "#" + place.account).second) continue;
        auto cloud = s.cloud(target_of(env, d));
        deploy::ReconcileServices services{*cloud.cloudformation, s.store,
                                           s.clock.now,           s.clock.sleep,
                                           s.clock.random,        s.clock.interrupted};
        auto done = deploy::reconcile_pending(env.name, place, services, wait, say);
        if (!done) return std::unexpected(done.error());
        for (auto& r : *done) all.push_back(std::move(r));
    }
    for (const auto& r : all) {
        const auto& j = r.judgement;
        const std::string where =
            env.stacks.size() == 1 && env.targets.size() == 1
                ? env.name
                : env.name + " (" + r.deployment.stack +
                      (r.deployment.region.empty() ? "" : "@" + r.deployment.region) + ")";
        if (j.verdict == deploy::PendingVerdict::unconfirmed) {
            say(fmt::format("deployment #{} of {} is still pending: {}", r.deployment.id, where,
                            j.reason));
            continue;
        }
        say(fmt::format("reconciled deployment #{} of {} (run {}): {} at {} ({})", r.deployment.id,
                        where, r.deployment.run_id, deploy::to_string(j.verdict),
                        iso_time(j.finished_at), j.reason));
    }
    return all;
}

common::Result<std::unique_ptr<deploy::EnvironmentLease>> hold_environment(
    const components::Environment& env, const std::string& run_id, bool wait, Services& s,
    const Say& note) {
    auto lease = take_lease(env, run_id, wait, s, note);
    if (!lease) return std::unexpected(lease.error());
    if (auto ok = reconcile(env, wait, s, note); !ok) return std::unexpected(ok.error());
    return lease;
}

common::Result<void> reconcile_environments(const Project& p, const std::string& env, bool wait,
                                            Services& s, const Say& note, const Say& say) {
    if (!env.empty()) {
        if (auto known = p.environment(env); !known) return std::unexpected(known.error());
    }
    const std::string run_id = new_run_id(s.clock.now());
    for (const auto& e : p.manifest.environments) {
        if (!env.empty() && e.name != env) continue;
        auto lease = take_lease(e, run_id, wait, s, note);
        if (!lease) return std::unexpected(lease.error());
        std::size_t lines = 0;
        auto done = reconcile(e, wait, s, [&](const std::string& line) {
            say(line);
            ++lines;
        });
        if (!done) return std::unexpected(done.error());
        if (lines == 0) say(e.name + ": nothing pending");
    }
    return {};
}

}  // namespace pipeline
