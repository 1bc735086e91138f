#pragma once
// Deploys reported to GitHub, best effort and in the background: every run, deploy, promote
// and rollback becomes a GitHub deployment of its commit to its environment (payload: the
// components and their images; production_environment as the manifest marks it) with
// deployment statuses in_progress -> success / failure / error (log_url: the run's page;
// environment_url: the manifest's `url`; auto_inactive, so GitHub marks the environment's
// earlier deployments inactive), and a check run -- or, with a token that cannot write
// check runs, a commit status -- named `slipway deploy (ENV)` on the commit.
//
// The pipeline never waits on GitHub: its events only queue work for one thread of the
// reporter, which calls GitHub (with the client's retries: 5xx, rate limits) and counts what
// failed. A deploy's outcome is the same whatever GitHub answers.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "components/manifest.hpp"
#include "github/client.hpp"
#include "pipeline/observer.hpp"

namespace pipeline {

struct GithubReportOptions {
    std::string runs_url;  // "<serve's URL>/runs/": a run's page is runs_url + run id
    std::string log_url;   // else one page for every run (the Actions run's)
    /// An environment's `url` and whether it is `production` (the manifest's).
    std::function<std::pair<std::string, bool>(const std::string& env)> environment;
    /// Told of each report's end: "sent" or "failed" (the service's metrics).
    std::function<void(const std::string&)> counted;
};

class GithubReporter {
  public:
    /// Reports with a client of `settings`, from the reporter's thread only.
    GithubReporter(const github::Settings& settings, GithubReportOptions options);
    /// Drops what is still queued (flush first to wait for it); a report waiting out a rate
    /// limit stops waiting.
    ~GithubReporter();
    GithubReporter(const GithubReporter&) = delete;
    GithubReporter& operator=(const GithubReporter&) = delete;

    /// A run began (its builds come first): `slipway deploy (ENV)` in progress on `commit`.
    void run_started(const std::string& run_id, const std::string& env, const std::string& commit);
    /// The deploy of `plan` begins: the deployment, in_progress.
    void deploy_began(const deploy::DeployPlan& plan);
    /// The run (or deploy command) ended with `result` (a RunSummary result) and `message`.
    void run_ended(const std::string& run_id, const std::string& result,
                   const std::string& message);

    /// Every run still open ends with `result` (a command that failed after its deploy began,
    /// whose run id its caller never saw).
    void open_runs_ended(const std::string& result, const std::string& message);

    /// Waits until everything queued was sent (or given up), at most `timeout`; false when
    /// some is still queued.
    bool flush(std::chrono::milliseconds timeout);

    struct Stats {
        std::size_t sent = 0;    // GitHub calls that succeeded
        std::size_t failed = 0;  // reports given up (after the client's retries)
        std::string last_error;
    };
    [[nodiscard]] Stats stats() const;

  private:
    struct RunState {
        std::string env;
        std::string commit;
        std::int64_t deployment = 0;
        std::int64_t check_run = 0;
        bool status_posted = false;
    };
    void post(std::function<void()> task);
    void loop();
    void check_or_status(RunState& r, const std::string& run_id, const std::string& state,
                         const std::string& description);
    void note(const common::Result<void>& done, const std::string& what);
    void end_run(const std::string& run_id, const std::string& result, const std::string& message);
    std::string log_url(const std::string& run_id) const;

    std::shared_ptr<github::SleepStopper> m_stopper = std::make_shared<github::SleepStopper>();
    std::unique_ptr<github::Client> m_client;
    GithubReportOptions m_options;
    std::map<std::string, RunState> m_runs;  // the reporter's thread only
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_idle;
    std::deque<std::function<void()>> m_queue;
    bool m_busy = false;
    bool m_stopping = false;
    Stats m_stats;
    std::thread m_thread;
};

/// An observer that passes everything on to `inner` and tells `reporter` when a run starts
/// and when a deploy (not a plan's preview) begins.
class GithubObserver final : public Observer, deploy::DeployReporter {
  public:
    GithubObserver(Observer& inner, GithubReporter& reporter)
        : m_inner(inner), m_reporter(reporter) {}
    void note(const std::string& line) override { m_inner.note(line); }
    void warning(const std::string& line) override { m_inner.warning(line); }
    void run_started(const RunStarted& r) override {
        m_reporter.run_started(r.run_id, r.env, r.head);
        m_inner.run_started(r);
    }
    void phase_ended(const Phase& p) override { m_inner.phase_ended(p); }
    components::BuildObserver& builds() override { return m_inner.builds(); }
    deploy::DeployReporter& deploy() override { return *this; }
    void begin(const deploy::DeployPlan& plan) override {
        if (!plan.plan_only) m_reporter.deploy_began(plan);
        m_inner.deploy().begin(plan);
    }
    void preview(const deploy::Preview& p) override { m_inner.deploy().preview(p); }
    bool confirm(const deploy::Preview& p) override { return m_inner.deploy().confirm(p); }
    void event(const deploy::StackEvent& e) override { m_inner.deploy().event(e); }
    void waiting(const std::string& status, std::chrono::milliseconds elapsed) override {
        m_inner.deploy().waiting(status, elapsed);
    }

  private:
    Observer& m_inner;
    GithubReporter& m_reporter;
};

/// Where GitHub's settings come from: flags (serve's and the CLI's --github-* options), else
/// GitHub Actions' environment (GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_TOKEN).
struct GithubFlags {
    std::string api_url;
    std::string token_file;
    std::string repository;
    std::string app_id;
    std::string app_key_file;
};

/// The client's settings from `flags` and `env`: a token file (first line) or the App's id
/// and key file, else GITHUB_TOKEN; the repository from the flag, else GITHUB_REPOSITORY.
/// Errors: usage (no repository, an App id without its key or the other way round, a bad
/// OWNER/NAME), input naming an unreadable or empty file. Secrets are read, never shown.
common::Result<github::Settings> github_settings(const GithubFlags& flags,
                                                 const std::map<std::string, std::string>& env);

/// The deployment state for a summary's result: success (deployed, up-to-date,
/// nothing-affected, overrides-written), failure (build-failed, deploy-failed, declined),
/// error (anything else).
std::string deployment_state(const std::string& result);

}  // namespace pipeline
