#pragma once
// The service's workers: each claims the next job it may run (at most one running per
// environment, across every replica on the store), fetches the repository's remote, checks
// the job's commit out into a clean tree, runs the pipeline there (pipeline/run.hpp: the
// environment held, its pending deployments reconciled, base auto = its last successful
// deployment, so commits a newer job replaced are covered), and records how the job ended.
// While a job runs its claim is renewed; a job whose claim expired (its replica died) is
// marked interrupted by whoever claims next, and its run with it.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "diff/remote.hpp"
#include "pipeline/github_report.hpp"
#include "pipeline/teams.hpp"
#include "service/metrics.hpp"
#include "versioning/version_store.hpp"

namespace service {

struct WorkerConfig {
    std::string repo;  // the clone the service fetches into (absolute)
    std::string remote = "origin";
    std::string store_url;  // absolute
    std::string state_dir;  // logs and checkouts go here
    std::string owner;      // this instance: host:pid:start
    std::chrono::milliseconds claim_ttl{std::chrono::seconds(60)};
    std::chrono::milliseconds idle_poll{std::chrono::seconds(5)};  // look for jobs this often
    /// Called after each fetch (the service re-reads its triggers).
    std::function<void()> fetched;
    /// What the remote is given when it asks for credentials (pipeline/git_auth.hpp).
    diff::CredentialProvider git_credentials;
    /// Where runs are reported to GitHub (deployments, statuses); null: nowhere.
    std::shared_ptr<pipeline::GithubReporter> github;
    /// Who is in the approvers' teams beyond the manifest (GitHub's); null: the manifest's.
    std::shared_ptr<pipeline::TeamDirectory> teams;
};

class Workers {
  public:
    Workers(WorkerConfig config, std::size_t count, Metrics& metrics);
    ~Workers();
    Workers(const Workers&) = delete;
    Workers& operator=(const Workers&) = delete;

    void start();
    /// A job was queued: look now.
    void wake();
    /// Stops claiming, lets running jobs finish for up to `grace`, then cancels them (their
    /// builds are stopped, their runs recorded as cancelled), and joins.
    void stop(std::chrono::milliseconds grace);
    [[nodiscard]] std::size_t running() const { return m_running.load(); }

  private:
    struct Slot;
    void loop(Slot& slot);
    void run_job(Slot& slot, versioning::VersionStore& store, const versioning::JobRecord& job);

    WorkerConfig m_config;
    Metrics& m_metrics;
    std::vector<std::unique_ptr<Slot>> m_slots;
    std::atomic<std::size_t> m_running{0};
    std::atomic<bool> m_stopping{false};
    std::mutex m_mutex;
    std::condition_variable m_wake;
    long m_wakes = 0;
};

}  // namespace service
