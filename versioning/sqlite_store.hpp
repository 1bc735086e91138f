#pragma once
// The SQLite backend of the version store (the embedded default).
#include <memory>
#include <string>
#include <unordered_map>

#include "versioning/sqlite_db.hpp"
#include "versioning/version_store.hpp"

namespace versioning {

class SqliteVersionStore final : public VersionStore {
  public:
    /// Opens or creates the store file, applying any schema migrations it lacks. Refuses a
    /// file whose schema is newer than this slipway knows (ErrorCode::external).
    static common::Result<std::unique_ptr<SqliteVersionStore>> open(const std::string& path);

    /// Opens an existing store file read-only: its schema must be this slipway's. Writes
    /// then fail (SQLITE_READONLY).
    static common::Result<std::unique_ptr<SqliteVersionStore>> open_read_only(
        const std::string& path);

    /// The schema version this slipway writes.
    static int schema_version();

    common::Result<void> begin_run(const RunRecord& run) override;
    common::Result<void> finish_run(const std::string& run_id, RunStatus status, Millis at,
                                    const std::string& report) override;
    common::Result<std::vector<RunRecord>> runs(const std::string& env, std::size_t limit) override;
    common::Result<void> batch(const std::function<common::Result<void>()>& writes) override;
    [[nodiscard]] bool batches_writes() const override { return true; }
    common::Result<BuildRecord> reserve_build(
        const BuildStart& start,
        const std::function<std::string(std::int64_t)>& image_uri) override;
    common::Result<void> start_build(const std::string& component, std::int64_t build_number,
                                     Millis at, const BuildHandle& where) override;
    common::Result<void> finish_build(const std::string& component, std::int64_t build_number,
                                      const BuildEnd& end) override;
    common::Result<void> record_build(const BuildRecord& build) override;
    common::Result<std::optional<BuildRecord>> find_reusable(
        const std::string& component, const std::string& input_hash) override;
    common::Result<std::int64_t> peek_next_number(const std::string& component) override;
    common::Result<std::vector<BuildRecord>> builds_of(const std::string& component,
                                                       std::size_t limit) override;
    common::Result<std::vector<BuildRecord>> latest_builds() override;
    common::Result<std::vector<std::pair<std::string, Millis>>> latest_durations() override;
    common::Result<std::vector<std::string>> known_components() override;
    common::Result<void> record_diffs(const std::vector<DiffRecord>& diffs) override;
    common::Result<std::vector<DiffRecord>> diffs_of(const std::string& commit) override;
    common::Result<std::int64_t> record_deployment(const DeploymentRecord& deployment) override;
    common::Result<bool> finish_deployment(std::int64_t id, const std::string& status, Millis at,
                                           const std::string& reason) override;
    common::Result<std::vector<DeploymentRecord>> pending_deployments(
        const std::string& env) override;
    common::Result<std::vector<ComponentDeployment>> deployments_of(const std::string& component,
                                                                    const std::string& env,
                                                                    std::size_t limit) override;
    common::Result<std::vector<DeploymentRecord>> current_deployments(
        const std::string& env) override;
    common::Result<std::size_t> recover_interrupted(
        const std::string& host, Millis now,
        const std::function<bool(std::int64_t, std::int64_t)>& alive,
        const std::function<void(const BuildRecord&)>& orphan) override;
    common::Result<std::vector<BuildRecord>> orphaned_remote_builds() override;

    common::Result<std::optional<DeploymentRecord>> deployment(std::int64_t id) override;
    common::Result<std::vector<DeploymentRecord>> deployments_in(const std::string& env,
                                                                 std::size_t limit) override;
    common::Result<LockInfo> acquire_lock(const std::string& name, const std::string& owner,
                                          Millis now, Millis ttl) override;
    common::Result<void> release_lock(const std::string& name, const std::string& owner) override;

    common::Result<Page<BuildRecord>> build_page(const std::string& component,
                                                 const std::string& before,
                                                 std::size_t limit) override;
    common::Result<Page<ComponentDeployment>> deployment_page(const std::string& component,
                                                              const std::string& env,
                                                              const std::string& before,
                                                              std::size_t limit) override;
    common::Result<Page<RunRecord>> run_page(const std::string& env, const std::string& before,
                                             std::size_t limit) override;
    common::Result<std::optional<RunRecord>> run(const std::string& id) override;
    common::Result<std::vector<BuildRecord>> builds_of_run(const std::string& run_id) override;

    common::Result<bool> record_delivery(const DeliveryRecord& d) override;
    common::Result<void> set_delivery_result(const std::string& source, const std::string& id,
                                             const std::string& result, const std::string& reason,
                                             std::int64_t job_id) override;
    common::Result<std::vector<DeliveryRecord>> deliveries(std::size_t limit) override;
    common::Result<JobRecord> enqueue_job(const JobRecord& job,
                                          const OlderThan& older = {}) override;
    common::Result<std::optional<JobRecord>> claim_job(
        const std::string& owner, Millis now, Millis ttl,
        std::vector<JobRecord>& interrupted) override;
    common::Result<bool> renew_job(std::int64_t id, const std::string& owner, Millis now,
                                   Millis ttl, const std::string& run_id) override;
    common::Result<void> interrupt_run(const std::string& run_id, Millis now) override;
    common::Result<void> finish_job(std::int64_t id, const std::string& owner, JobStatus status,
                                    Millis at, const std::string& run_id,
                                    const std::string& reason) override;
    common::Result<std::vector<JobRecord>> jobs(const std::string& env, std::size_t limit) override;

    common::Result<std::int64_t> record_request(const PromotionRequest& request) override;
    common::Result<std::optional<PromotionRequest>> request(std::int64_t id) override;
    common::Result<std::vector<PromotionRequest>> requests(const std::string& env,
                                                           std::size_t limit) override;
    common::Result<bool> decide_request(std::int64_t id, const RequestDecision& decision) override;
    common::Result<bool> finish_request(std::int64_t id, const std::string& status, Millis at,
                                        std::int64_t deployment_id, const std::string& run_id,
                                        const std::string& outcome) override;
    common::Result<void> record_drift(const DriftRecord& drift) override;
    common::Result<std::vector<DriftRecord>> drifts() override;

  private:
    explicit SqliteVersionStore(detail::Database db) : m_db(std::move(db)) {}
    common::Result<detail::Statement*> statement(const char* sql);
    common::Result<std::vector<BuildRecord>> query_builds(const char* sql, const std::string& key,
                                                          std::int64_t limit);
    common::Result<void> insert_build(const BuildRecord& b);
    common::Result<std::vector<DeploymentImage>> images_of(std::int64_t deployment_id);
    common::Result<std::vector<DeploymentRecord>> select_deployments(
        const std::string& sql, const std::function<void(detail::Statement&)>& bind);
    common::Result<std::vector<RunRecord>> select_runs(
        const char* sql, const std::function<void(detail::Statement&)>& bind);
    common::Result<std::vector<JobRecord>> select_jobs(
        const char* sql, const std::function<void(detail::Statement&)>& bind);
    common::Result<std::vector<PromotionRequest>> select_requests(
        const char* sql, const std::function<void(detail::Statement&)>& bind);
    common::Result<bool> change_open_request(std::int64_t id,
                                             const std::function<void(PromotionRequest&)>& change);

    detail::Database m_db;
    std::unordered_map<const char*, detail::Statement> m_statements;  // keyed by the SQL literal
};

}  // namespace versioning
