#pragma once
// Pull-request plans in `slipway serve`. A pull_request event (opened, synchronize,
// reopened, ready_for_review; not a draft) for a PR into a branch that triggers environments
// is planned for those environments (and those promoted from them that set
// `plan_pull_requests`): the PR's head is fetched (refs/pull/N/head, else its branch), merged
// into the base branch as GitHub would (diff/merge.hpp), checked out, and planned per
// environment with the pipeline's own plan (pipeline/pull_planner.hpp): nothing recorded, no
// build number taken, the change set created, described and deleted.
//
// Newest wins per PR: a push to a PR replaces its waiting plan, and a running plan of an
// older head is superseded -- stopped while it waits for its environment, else finished
// (so its change set is deleted) and dropped; the check runs of an older head end
// `cancelled`, and the page shows the last plan made, saying which head it is of, until the
// newer one is made. Closing a PR drops its waiting plan and stops a running one the same way
// (the plan says "cancelled": closed before its plan was made). Plans wait
// in memory (a restart forgets them; the next push plans again) and are kept, for the web
// page, as JSON files under <state dir>/pulls/.
//
// GitHub is told on a thread of its own, in order, never holding a plan up: check runs
// `slipway plan (ENV)` on the PR's head (queued when the event arrives, in_progress, then
// completed) -- commit statuses of that name with a token that cannot write check runs --
// and one comment per PR, edited in place, linking /pulls/{n}.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "components/manifest.hpp"
#include "github/client.hpp"
#include "pipeline/pull_plan.hpp"
#include "service/metrics.hpp"
#include "service/webhook.hpp"

namespace service {

struct PullPlannerConfig {
    std::string repo;  // the service's clone (absolute)
    std::string remote = "origin";
    std::string store_url;
    std::string state_dir;
    std::string public_url;   // links from GitHub: <public_url>/pulls/N
    std::string repository;   // OWNER/NAME: events of other repositories are ignored
    std::size_t workers = 1;  // plans at once (each holds its environment's lease briefly)
};

class PullPlanner {
  public:
    /// `manifest` gives the service's current manifest (the triggers); without `github`
    /// plans are made and shown on the web page, and nothing is posted.
    PullPlanner(PullPlannerConfig config,
                std::function<std::shared_ptr<const components::Manifest>()> manifest,
                const std::optional<github::Settings>& github, Metrics& metrics);
    ~PullPlanner();
    PullPlanner(const PullPlanner&) = delete;
    PullPlanner& operator=(const PullPlanner&) = delete;

    void start();
    /// Stops planning (a running plan finishes its change set) and GitHub's thread (what is
    /// still queued for GitHub is dropped).
    void stop();

    /// A pull_request event: "planning" (queued; `reason` names the environments),
    /// "ignored" or "closed" with the reason.
    std::string take(const PullRequestEvent& e, std::string& reason);

    /// The plans kept (open PRs first, then by number, newest first).
    [[nodiscard]] std::vector<pipeline::PullPlan> plans() const;
    [[nodiscard]] std::optional<pipeline::PullPlan> plan(std::int64_t number) const;

    /// Waits until no plan waits or runs and GitHub's queue is empty, at most `timeout`.
    bool idle(std::chrono::milliseconds timeout);

  private:
    struct Request {
        PullRequestEvent event;
        std::vector<std::string> envs;
        std::shared_ptr<std::atomic<bool>> cancelled;  // superseded or closed
        std::shared_ptr<std::atomic<bool>> closed;     // closed (cancelled is set too)
    };
    struct Posted {  // what GitHub holds of a PR (the GitHub thread only)
        std::int64_t comment = 0;
        std::map<std::string, std::int64_t> check_runs;  // head + env -> id
    };

    std::vector<std::string> environments_for(const PullRequestEvent& e) const;
    void loop();
    void plan_one(const Request& r);
    pipeline::PullPlan compute(const Request& r);
    void save(const pipeline::PullPlan& p);
    [[nodiscard]] std::optional<pipeline::PullPlan> load(std::int64_t number) const;
    void tell_github(std::function<void(Posted&)> task, std::int64_t number);
    void github_loop();
    void post_checks(const pipeline::PullPlan& p, const std::string& status);
    /// GitHub is told that the plans of `dropped` (never started) end with `result`.
    void end_dropped(const std::vector<Request>& dropped, const std::string& result);
    /// Takes the PR's waiting plans out of the queue (m_mutex held).
    std::vector<Request> drop_waiting(std::int64_t number);
    void post_comment(const pipeline::PullPlan& p);
    void counted(const char* what, const common::Result<void>& done);
    std::string page_url(std::int64_t number) const;

    PullPlannerConfig m_config;
    std::function<std::shared_ptr<const components::Manifest>()> m_manifest;
    std::shared_ptr<github::SleepStopper> m_stopper = std::make_shared<github::SleepStopper>();
    std::unique_ptr<github::Client> m_github;
    Metrics& m_metrics;

    mutable std::mutex m_mutex;  // the queue, the running plans, the files
    std::condition_variable m_wake;
    std::condition_variable m_settled;
    std::deque<Request> m_waiting;
    std::map<std::int64_t, Request> m_running;
    bool m_stopping = false;
    std::vector<std::thread> m_threads;

    std::mutex m_github_mutex;
    std::condition_variable m_github_wake;
    std::deque<std::pair<std::int64_t, std::function<void(Posted&)>>> m_github_queue;
    bool m_github_busy = false;
    std::map<std::int64_t, Posted> m_posted;  // GitHub's thread only
    std::thread m_github_thread;
};

}  // namespace service
