#pragma once
// A VersionStore that forwards every call to another store: tests derive from it and
// override the calls they make fail or count.
#include "versioning/version_store.hpp"

namespace support {

class ForwardingStore : public versioning::VersionStore {
  public:
    explicit ForwardingStore(versioning::VersionStore& inner) : m(inner) {}

    common::Result<void> begin_run(const versioning::RunRecord& run) override {
        return m.begin_run(run);
    }

    common::Result<void> finish_run(const std::string& run_id, versioning::RunStatus status,
                                    versioning::Millis at, const std::string& report) override {
        return m.finish_run(run_id, status, at, report);
    }
    common::Result<std::vector<versioning::RunRecord>> runs(const std::string& env,
                                                            std::size_t limit) override {
        return m.runs(env, limit);
    }
    common::Result<void> batch(const std::function<common::Result<void>()>& writes) override {
        return m.batch(writes);
    }
    bool batches_writes() const override { return m.batches_writes(); }
    common::Result<versioning::BuildRecord> reserve_build(
        const versioning::BuildStart& start,
        const std::function<std::string(std::int64_t)>& image_uri) override {
        return m.reserve_build(start, image_uri);
    }
    common::Result<void> start_build(const std::string& component, std::int64_t build_number,
                                     versioning::Millis at,
                                     const versioning::BuildHandle& where) override {
        return m.start_build(component, build_number, at, where);
    }
    common::Result<void> finish_build(const std::string& component, std::int64_t build_number,
                                      const versioning::BuildEnd& end) override {
        return m.finish_build(component, build_number, end);
    }
    common::Result<void> record_build(const versioning::BuildRecord& build) override {
        return m.record_build(build);
    }
    common::Result<std::optional<versioning::BuildRecord>> find_reusable(
        const std::string& component, const std::string& input_hash) override {
        return m.find_reusable(component, input_hash);
    }
    common::Result<std::int64_t> peek_next_number(const std::string& component) override {
        return m.peek_next_number(component);
    }
    common::Result<std::vector<versioning::BuildRecord>> builds_of(const std::string& component,
                                                                   std::size_t limit) override {
        return m.builds_of(component, limit);
    }
    common::Result<std::vector<versioning::BuildRecord>> latest_builds() override {
        return m.latest_builds();
    }
    common::Result<std::vector<std::string>> known_components() override {
        return m.known_components();
    }
    common::Result<void> record_diffs(const std::vector<versioning::DiffRecord>& diffs) override {
        return m.record_diffs(diffs);
    }
    common::Result<std::vector<versioning::DiffRecord>> diffs_of(
        const std::string& commit) override {
        return m.diffs_of(commit);
    }
    common::Result<std::int64_t> record_deployment(
        const versioning::DeploymentRecord& deployment) override {
        return m.record_deployment(deployment);
    }
    common::Result<bool> finish_deployment(std::int64_t id, const std::string& status,
                                           versioning::Millis at,
                                           const std::string& reason) override {
        return m.finish_deployment(id, status, at, reason);
    }
    common::Result<std::vector<versioning::DeploymentRecord>> pending_deployments(
        const std::string& env) override {
        return m.pending_deployments(env);
    }
    common::Result<std::vector<versioning::ComponentDeployment>> deployments_of(
        const std::string& component, const std::string& env, std::size_t limit) override {
        return m.deployments_of(component, env, limit);
    }
    common::Result<std::vector<versioning::DeploymentRecord>> current_deployments(
        const std::string& env) override {
        return m.current_deployments(env);
    }
    common::Result<std::optional<versioning::DeploymentRecord>> deployment(
        std::int64_t id) override {
        return m.deployment(id);
    }
    common::Result<std::vector<versioning::DeploymentRecord>> deployments_in(
        const std::string& env, std::size_t limit) override {
        return m.deployments_in(env, limit);
    }
    common::Result<versioning::LockInfo> acquire_lock(const std::string& name,
                                                      const std::string& owner,
                                                      versioning::Millis now,
                                                      versioning::Millis ttl) override {
        return m.acquire_lock(name, owner, now, ttl);
    }
    common::Result<void> release_lock(const std::string& name, const std::string& owner) override {
        return m.release_lock(name, owner);
    }
    common::Result<versioning::Page<versioning::BuildRecord>> build_page(
        const std::string& component, const std::string& before, std::size_t limit) override {
        return m.build_page(component, before, limit);
    }
    common::Result<versioning::Page<versioning::ComponentDeployment>> deployment_page(
        const std::string& component, const std::string& env, const std::string& before,
        std::size_t limit) override {
        return m.deployment_page(component, env, before, limit);
    }
    common::Result<versioning::Page<versioning::RunRecord>> run_page(const std::string& env,
                                                                     const std::string& before,
                                                                     std::size_t limit) override {
        return m.run_page(env, before, limit);
    }
    common::Result<std::optional<versioning::RunRecord>> run(const std::string& id) override {
        return m.run(id);
    }
    common::Result<std::vector<versioning::BuildRecord>> builds_of_run(
        const std::string& run_id) override {
        return m.builds_of_run(run_id);
    }
    common::Result<bool> record_delivery(const versioning::DeliveryRecord& d) override {
        return m.record_delivery(d);
    }
    common::Result<void> set_delivery_result(const std::string& source, const std::string& id,
                                             const std::string& result, const std::string& reason,
                                             std::int64_t job_id) override {
        return m.set_delivery_result(source, id, result, reason, job_id);
    }
    common::Result<std::vector<versioning::DeliveryRecord>> deliveries(std::size_t limit) override {
        return m.deliveries(limit);
    }
    common::Result<versioning::JobRecord> enqueue_job(
        const versioning::JobRecord& job, const versioning::OlderThan& older = {}) override {
        return m.enqueue_job(job, older);
    }
    common::Result<std::optional<versioning::JobRecord>> claim_job(
        const std::string& owner, versioning::Millis now, versioning::Millis ttl,
        std::vector<versioning::JobRecord>& interrupted) override {
        return m.claim_job(owner, now, ttl, interrupted);
    }
    common::Result<bool> renew_job(std::int64_t id, const std::string& owner,
                                   versioning::Millis now, versioning::Millis ttl,
                                   const std::string& run_id) override {
        return m.renew_job(id, owner, now, ttl, run_id);
    }
    common::Result<void> finish_job(std::int64_t id, const std::string& owner,
                                    versioning::JobStatus status, versioning::Millis at,
                                    const std::string& run_id, const std::string& reason) override {
        return m.finish_job(id, owner, status, at, run_id, reason);
    }
    common::Result<std::vector<versioning::JobRecord>> jobs(const std::string& env,
                                                            std::size_t limit) override {
        return m.jobs(env, limit);
    }
    common::Result<std::int64_t> record_request(const versioning::PromotionRequest& r) override {
        return m.record_request(r);
    }
    common::Result<std::optional<versioning::PromotionRequest>> request(std::int64_t id) override {
        return m.request(id);
    }
    common::Result<std::vector<versioning::PromotionRequest>> requests(const std::string& env,
                                                                       std::size_t limit) override {
        return m.requests(env, limit);
    }
    common::Result<bool> decide_request(std::int64_t id,
                                        const versioning::RequestDecision& d) override {
        return m.decide_request(id, d);
    }
    common::Result<bool> finish_request(std::int64_t id, const std::string& status,
                                        versioning::Millis at, std::int64_t deployment_id,
                                        const std::string& run_id,
                                        const std::string& outcome) override {
        return m.finish_request(id, status, at, deployment_id, run_id, outcome);
    }
    common::Result<void> record_drift(const versioning::DriftRecord& d) override {
        return m.record_drift(d);
    }
    common::Result<std::vector<versioning::DriftRecord>> drifts() override { return m.drifts(); }
    common::Result<void> interrupt_run(const std::string& run_id, versioning::Millis now) override {
        return m.interrupt_run(run_id, now);
    }
    common::Result<std::size_t> recover_interrupted(
        const std::string& host, versioning::Millis now,
        const std::function<bool(std::int64_t pid, std::int64_t pid_start)>& alive,
        const std::function<void(const versioning::BuildRecord&)>& orphan) override {
        return m.recover_interrupted(host, now, alive, orphan);
    }
    common::Result<std::vector<versioning::BuildRecord>> orphaned_remote_builds() override {
        return m.orphaned_remote_builds();
    }

  protected:
    versioning::VersionStore& m;
};

}  // namespace support
