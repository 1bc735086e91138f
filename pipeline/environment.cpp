// See environment.hpp.
#include "pipeline/environment.hpp"

#include <fmt/format.h>

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

common::Result<std::vector<deploy::Reconciled>> reconcile(const components::Environment& env,
                                                          bool wait, Services& s, const Say& say) {
    auto pending = s.store.pending_deployments(env.name);
    if (!pending) return std::unexpected(pending.error());
    if (pending->empty()) return std::vector<deploy::Reconciled>{};
    auto cloud = s.cloud(env);
    deploy::ReconcileServices services{*cloud.cloudformation, s.store,        s.clock.now,
                                       s.clock.sleep,         s.clock.random, s.clock.interrupted};
    auto done = deploy::reconcile_pending(env.name, env.stack, services, wait, say);
    if (!done) return std::unexpected(done.error());
    for (const auto& r : *done) {
        const auto& j = r.judgement;
        if (j.verdict == deploy::PendingVerdict::unconfirmed) {
            say(fmt::format("deployment #{} of {} is still pending: {}", r.deployment.id, env.name,
                            j.reason));
            continue;
        }
        say(fmt::format("reconciled deployment #{} of {} (run {}): {} at {} ({})", r.deployment.id,
                        env.name, r.deployment.run_id, deploy::to_string(j.verdict),
                        iso_time(j.finished_at), j.reason));
    }
    return done;
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
