// See pulls.hpp.
#include "service/pulls.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "diff/merge.hpp"
#include "diff/remote.hpp"
#include "pipeline/host.hpp"
#include "pipeline/project.hpp"
#include "pipeline/pull_planner.hpp"

namespace service {
namespace {

namespace fs = std::filesystem;
using pipeline::EnvPlan;
using pipeline::PullPlan;

// The pipeline's events of a plan, to the service's log.
class PlanLog final : public pipeline::Observer, components::BuildObserver, deploy::DeployReporter {
  public:
    explicit PlanLog(std::string prefix) : m_prefix(std::move(prefix)) {}
    void note(const std::string& line) override { spdlog::info("{}: {}", m_prefix, line); }
    void warning(const std::string& line) override { spdlog::warn("{}: {}", m_prefix, line); }
    void run_started(const pipeline::RunStarted&) override {}
    void phase_ended(const pipeline::Phase&) override {}
    components::BuildObserver& builds() override { return *this; }
    deploy::DeployReporter& deploy() override { return *this; }
    void started(std::size_t, const components::BuildOutcome&) override {}
    void finished(std::size_t, const components::BuildOutcome&) override {}
    void line(std::size_t, std::string_view) override {}
    [[nodiscard]] bool wants_lines() const override { return false; }
    void begin(const deploy::DeployPlan&) override {}
    void preview(const deploy::Preview& p) override {
        spdlog::info("{}: change set with {} resource changes (deleted, not executed)", m_prefix,
                     p.changes.size());
    }
    bool confirm(const deploy::Preview&) override { return false; }
    void event(const deploy::StackEvent&) override {}
    void waiting(const std::string&, std::chrono::milliseconds) override {}

  private:
    std::string m_prefix;
};

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

PullPlan skeleton(const PullRequestEvent& e, const std::vector<std::string>& envs) {
    PullPlan p;
    p.number = e.number;
    p.title = e.title;
    p.author = e.author;
    p.url = e.url;
    p.head_sha = e.head_sha;
    p.head_ref = e.head_ref;
    p.base_ref = e.base_ref;
    p.updated_at = pipeline::now_millis();
    for (const auto& env : envs) {
        EnvPlan ep;
        ep.env = env;
        p.envs.push_back(ep);
    }
    return p;
}

// Every environment's plan ends the same way (the merge or the checkout failed).
void all_failed(PullPlan& p, const common::Error& e, const std::string& root) {
    for (auto& env : p.envs) {
        const std::string stack = env.stack;
        env = pipeline::env_plan_failed(env.env, stack, e, root);
    }
}

// The environments whose plan was still to be made (`every` one: a plan stopped part way,
// whose result is discarded) end as `result`: superseded (a newer push came first) or
// cancelled (the pull request was closed first).
void mark_unplanned(PullPlan& p, const std::string& result, bool every = false) {
    for (auto& env : p.envs) {
        if (!every && env.result != "queued" && env.result != "planning" &&
            env.result != "superseded")
            continue;
        env.result = result;
        env.message = result == "cancelled" ? "the pull request was closed before its plan was made"
                                            : "superseded by a newer push";
    }
}

}  // namespace

PullPlanner::PullPlanner(PullPlannerConfig config,
                         std::function<std::shared_ptr<const components::Manifest>()> manifest,
                         const std::optional<github::Settings>& github, Metrics& metrics)
    : m_config(std::move(config)), m_manifest(std::move(manifest)), m_metrics(metrics) {
    if (github)
        m_github = std::make_unique<github::Client>(*github, github::stoppable_clock(m_stopper));
}

PullPlanner::~PullPlanner() {
    stop();
}

void PullPlanner::start() {
    std::error_code ec;
    fs::create_directories(fs::path(m_config.state_dir) / "pulls", ec);
    for (std::size_t i = 0; i < std::max<std::size_t>(m_config.workers, 1); ++i)
        m_threads.emplace_back([this] { loop(); });
    m_github_thread = std::thread([this] { github_loop(); });
}

void PullPlanner::stop() {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping && m_threads.empty()) return;
        m_stopping = true;
        for (auto& [n, running] : m_running) *running.cancelled = true;
    }
    m_wake.notify_all();
    for (auto& t : m_threads) t.join();
    m_threads.clear();
    {
        std::lock_guard lock(m_github_mutex);
        m_github_queue.clear();
    }
    m_stopper->stop();  // a report waiting out a rate limit stops waiting
    m_github_wake.notify_all();
    if (m_github_thread.joinable()) m_github_thread.join();
}

std::vector<std::string> PullPlanner::environments_for(const PullRequestEvent& e) const {
    auto m = m_manifest();
    std::vector<std::string> out;
    if (!m) return out;
    std::set<std::string> triggered;
    for (const auto& env : m->environments) {
        if (env.trigger_branch == e.base_ref) {
            out.push_back(env.name);
            triggered.insert(env.name);
        }
    }
    for (const auto& env : m->environments) {
        if (env.plan_pull_requests && triggered.contains(env.promote_from) &&
            !triggered.contains(env.name))
            out.push_back(env.name);
    }
    return out;
}

std::string PullPlanner::take(const PullRequestEvent& e, std::string& reason) {
    if (!m_config.repository.empty() && !e.repository.empty() &&
        e.repository != m_config.repository) {
        reason = "the event is of " + e.repository + ", not " + m_config.repository;
        return "ignored";
    }
    const std::string why = pull_ignore_reason(e);
    if (e.action == "closed" || (!why.empty() && e.state == "closed")) {
        std::vector<Request> dropped;
        {
            std::lock_guard lock(m_mutex);
            dropped = drop_waiting(e.number);
            auto running = m_running.find(e.number);
            if (running != m_running.end()) {
                *running->second.closed = true;
                *running->second.cancelled = true;
            }
            if (auto kept = load(e.number)) {
                kept->state = "closed";
                kept->updated_at = pipeline::now_millis();
                // A plan still to be made is not (a running one says so when it stops).
                if (running == m_running.end()) mark_unplanned(*kept, "cancelled");
                save(*kept);
            }
        }
        end_dropped(dropped, "cancelled");
        reason = why;
        return "closed";
    }
    if (!why.empty()) {
        reason = why;
        return "ignored";
    }
    const auto envs = environments_for(e);
    if (envs.empty()) {
        reason = "no environment triggers on branch '" + e.base_ref + "'";
        return "ignored";
    }
    Request r{e, envs, std::make_shared<std::atomic<bool>>(false),
              std::make_shared<std::atomic<bool>>(false)};
    post_checks(skeleton(e, envs), "queued");  // before a planner can take it (in_progress)
    std::vector<Request> dropped;
    {
        std::lock_guard lock(m_mutex);
        // Newest wins: the PR's waiting plan is replaced, its running one superseded.
        dropped = drop_waiting(e.number);
        if (auto it = m_running.find(e.number); it != m_running.end()) *it->second.cancelled = true;
        m_waiting.push_back(r);
        // The last plan made stays on show (saying which head it is of) until the new one is.
        auto kept = load(e.number).value_or(skeleton(e, envs));
        PullPlan queued = skeleton(e, envs);
        queued.envs = kept.envs;
        queued.merge_commit = kept.merge_commit;
        queued.planned_head = kept.planned_head;
        for (auto& env : queued.envs) env.result = "queued";
        if (queued.envs.empty()) queued.envs = skeleton(e, envs).envs;
        save(queued);
    }
    // GitHub's thread is told outside m_mutex; a plan of the same head (a redelivery, a
    // reopened PR) goes on as the new one, under the same check runs.
    std::erase_if(dropped, [&](const Request& d) { return d.event.head_sha == e.head_sha; });
    end_dropped(dropped, "superseded");
    m_wake.notify_all();
    reason = "planning " + std::to_string(envs.size()) + " environment(s) of pull request #" +
             std::to_string(e.number);
    for (const auto& env : envs) reason += (env == envs.front() ? ": " : ", ") + env;
    return "planning";
}

std::vector<PullPlanner::Request> PullPlanner::drop_waiting(std::int64_t number) {
    std::vector<Request> dropped;
    std::erase_if(m_waiting, [&](const Request& w) {
        if (w.event.number != number) return false;
        dropped.push_back(w);
        return true;
    });
    return dropped;
}

void PullPlanner::end_dropped(const std::vector<Request>& dropped, const std::string& result) {
    for (const auto& d : dropped) {
        PullPlan p = skeleton(d.event, d.envs);
        mark_unplanned(p, result);
        post_checks(p, "completed");
    }
}

void PullPlanner::loop() {
    std::unique_lock lock(m_mutex);
    for (;;) {
        // The oldest waiting plan of a PR that has none running.
        auto next = m_waiting.end();
        m_wake.wait(lock, [&] {
            next = std::find_if(m_waiting.begin(), m_waiting.end(), [&](const Request& r) {
                return !m_running.contains(r.event.number);
            });
            return m_stopping || next != m_waiting.end();
        });
        if (m_stopping) return;
        Request r = *next;
        m_waiting.erase(next);
        m_running.emplace(r.event.number, r);
        lock.unlock();
        plan_one(r);
        lock.lock();
        m_running.erase(r.event.number);
        m_settled.notify_all();
        m_wake.notify_all();
    }
}

void PullPlanner::plan_one(const Request& r) {
    spdlog::info("serve: pull request #{} at {}: planning {}", r.event.number,
                 r.event.head_sha.substr(0, 12), fmt::join(r.envs, ", "));
    post_checks(skeleton(r.event, r.envs), "in_progress");
    PullPlan p = compute(r);
    p.updated_at = pipeline::now_millis();
    if (*r.cancelled) {
        const bool closed = *r.closed;
        spdlog::info("serve: pull request #{} at {}: {}", r.event.number,
                     r.event.head_sha.substr(0, 12), closed ? "closed" : "superseded");
        mark_unplanned(p, closed ? "cancelled" : "superseded", true);
        post_checks(p, "completed");
        m_metrics.count_pull_plan(closed ? "cancelled" : "superseded");
        if (!closed) return;  // the newer push's plan is on show
        std::lock_guard lock(m_mutex);
        auto kept = load(p.number);
        if (kept && kept->state == "closed" && kept->head_sha == p.head_sha) {
            mark_unplanned(*kept, "cancelled");
            save(*kept);
        }
        return;
    }
    p.planned_head = p.head_sha;
    {
        std::lock_guard lock(m_mutex);
        if (auto kept = load(p.number); kept && kept->state == "closed") p.state = "closed";
        save(p);
    }
    for (const auto& env : p.envs) {
        spdlog::info("serve: pull request #{} {}: {} ({} ms){}", p.number, env.env, env.result,
                     env.millis, env.message.empty() ? "" : ": " + env.message);
        m_metrics.count_pull_plan(env.result);
    }
    post_checks(p, "completed");
    post_comment(p);
}

// Fetch, merge, check out, plan each environment.
PullPlan PullPlanner::compute(const Request& r) {
    const auto& e = r.event;
    PullPlan p = skeleton(e, r.envs);
    auto repo = diff::Repository::open(m_config.repo);
    if (!repo) return all_failed(p, repo.error(), ""), p;
    const std::string ref = "refs/slipway/pull/" + std::to_string(e.number) + "/head";
    // GitHub keeps refs/pull/N/head for every PR (forks' too); a remote that is not GitHub
    // has the branch.
    const std::string pull_ref = "refs/pull/" + std::to_string(e.number) + "/head";
    std::string tried = pull_ref + " does not have it";
    auto fetched = diff::fetch_refs(*repo, m_config.remote, {"+" + pull_ref + ":" + ref});
    // A fork's branch is not in this repository (one of the same name here is another
    // branch): only refs/pull/N/head holds a fork's head.
    const bool fork = !e.head_repository.empty() && e.head_repository != e.repository;
    if ((!fetched || !repo->resolve_commit(e.head_sha)) && !fork) {
        tried = "neither " + pull_ref + " nor refs/heads/" + e.head_ref + " has it";
        fetched =
            diff::fetch_refs(*repo, m_config.remote, {"+refs/heads/" + e.head_ref + ":" + ref});
    }
    (void)diff::fetch(*repo, m_config.remote);  // the base branch as it is now
    if (auto head = repo->resolve_commit(e.head_sha); !head) {
        // GitHub had not stored the head yet, or the remote is not GitHub's repository: an
        // outside failure (a later push plans again), named for the reader of the check run.
        const std::string whose = fork ? " (" + e.head_repository + ":" + e.head_ref + ")" : "";
        const std::string why = "the head of pull request #" + std::to_string(e.number) + ", " +
                                e.head_sha.substr(0, 12) + whose + ", is not in " +
                                m_config.remote + ": " + tried +
                                (fetched ? "" : " (" + fetched.error().message + ")");
        return all_failed(p, {common::ErrorCode::external, why}, ""), p;
    }
    const std::string base = "refs/remotes/" + m_config.remote + "/" + e.base_ref;
    auto merged = diff::merge_commit(*repo, base, e.head_sha);
    if (!merged) return all_failed(p, merged.error(), ""), p;
    p.merge_commit = *merged;
    const auto dir =
        fs::path(m_config.state_dir) / "checkouts" / ("pull-" + std::to_string(e.number));
    if (auto ok = diff::checkout_to(*repo, *merged, dir); !ok)
        return all_failed(p, ok.error(), ""), p;
    auto project = pipeline::open_project(
        {m_config.repo, "", *merged, m_config.store_url, dir.string(), m_config.state_dir});
    if (!project) return all_failed(p, project.error(), dir.string()), p;
    auto store = pipeline::open_store_at(m_config.store_url, m_config.state_dir, false);
    if (!store) return all_failed(p, store.error(), ""), p;
    auto services = pipeline::system_services(**store, m_config.store_url, m_config.state_dir);
    const pipeline::Trigger trigger{"github:pull/" + std::to_string(e.number), *merged,
                                    "pull request #" + std::to_string(e.number) + " (" +
                                        e.head_ref + " into " + e.base_ref + ")",
                                    e.sender.empty() ? "" : "github:" + e.sender};
    for (auto& env : p.envs) {
        PlanLog log("pull request #" + std::to_string(e.number) + " " + env.env);
        env = pipeline::plan_environment(*project, env.env, trigger, services, log, *r.cancelled);
        if (*r.cancelled) break;
    }
    return p;
}

std::string PullPlanner::page_url(std::int64_t number) const {
    return m_config.public_url.empty() ? ""
                                       : m_config.public_url + "/pulls/" + std::to_string(number);
}

void PullPlanner::save(const PullPlan& p) {
    const fs::path dir = fs::path(m_config.state_dir) / "pulls";
    std::error_code ec;
    fs::create_directories(dir, ec);
    const fs::path file = dir / (std::to_string(p.number) + ".json");
    const fs::path tmp = dir / (std::to_string(p.number) + ".json.tmp");
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << pipeline::pull_plan_json(p);
    }
    fs::rename(tmp, file, ec);
    if (ec) spdlog::warn("serve: keeping the plan of #{}: {}", p.number, ec.message());
}

std::optional<PullPlan> PullPlanner::load(std::int64_t number) const {
    const fs::path file =
        fs::path(m_config.state_dir) / "pulls" / (std::to_string(number) + ".json");
    if (!fs::exists(file)) return std::nullopt;
    auto p = pipeline::parse_pull_plan(read_file(file));
    if (!p) return std::nullopt;
    return *p;
}

std::vector<PullPlan> PullPlanner::plans() const {
    std::vector<PullPlan> out;
    std::error_code ec;
    std::lock_guard lock(m_mutex);
    for (const auto& f : fs::directory_iterator(fs::path(m_config.state_dir) / "pulls", ec)) {
        if (f.path().extension() != ".json") continue;
        if (auto p = pipeline::parse_pull_plan(read_file(f.path()))) out.push_back(std::move(*p));
    }
    std::sort(out.begin(), out.end(), [](const PullPlan& a, const PullPlan& b) {
        if ((a.state == "open") != (b.state == "open")) return a.state == "open";
        return a.number > b.number;
    });
    return out;
}

std::optional<PullPlan> PullPlanner::plan(std::int64_t number) const {
    std::lock_guard lock(m_mutex);
    return load(number);
}

bool PullPlanner::idle(std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    {
        std::unique_lock lock(m_mutex);
        if (!m_settled.wait_until(lock, until,
                                  [&] { return m_waiting.empty() && m_running.empty(); }))
            return false;
    }
    std::unique_lock lock(m_github_mutex);
    return m_github_wake.wait_until(lock, until,
                                    [&] { return m_github_queue.empty() && !m_github_busy; });
}

// --- GitHub's thread ---------------------------------------------------------------------

void PullPlanner::tell_github(std::function<void(Posted&)> task, std::int64_t number) {
    if (!m_github) return;
    {
        std::lock_guard lock(m_github_mutex);
        m_github_queue.emplace_back(number, std::move(task));
    }
    m_github_wake.notify_all();
}

void PullPlanner::github_loop() {
    std::unique_lock lock(m_github_mutex);
    for (;;) {
        m_github_wake.wait(lock, [&] {
            bool stopping;
            {
                std::lock_guard inner(m_mutex);
                stopping = m_stopping;
            }
            return stopping || !m_github_queue.empty();
        });
        if (m_github_queue.empty()) return;  // stopping
        auto [number, task] = std::move(m_github_queue.front());
        m_github_queue.pop_front();
        m_github_busy = true;
        lock.unlock();
        task(m_posted[number]);
        lock.lock();
        m_github_busy = false;
        m_github_wake.notify_all();
    }
}

void PullPlanner::counted(const char* what, const common::Result<void>& done) {
    m_metrics.count_github(done ? "sent" : "failed");
    if (!done) spdlog::warn("github: {}: {}", what, done.error().message);
}

void PullPlanner::post_checks(const PullPlan& p, const std::string& status) {
    const std::string url = page_url(p.number);
    tell_github(
        [this, p, status, url](Posted& posted) {
            for (const auto& env : p.envs) {
                const std::string name = pipeline::plan_check_name(env.env);
                const auto verdict = pipeline::check_verdict(env, url);
                if (!m_github->checks_allowed()) {
                    const std::string state = status != "completed"               ? "pending"
                                              : verdict.conclusion == "failure"   ? "failure"
                                              : verdict.conclusion == "cancelled" ? "error"
                                                                                  : "success";
                    counted("the commit status of a plan",
                            m_github->create_status(
                                {p.head_sha, state, name, verdict.output.title, url}));
                    continue;
                }
                github::CheckRun run;
                run.name = name;
                run.head_sha = p.head_sha;
                run.status = status;
                run.details_url = url;
                run.external_id = "pull-" + std::to_string(p.number) + "-" + env.env;
                if (status == "completed") {
                    run.conclusion = verdict.conclusion.empty() ? "neutral" : verdict.conclusion;
                    run.output = verdict.output;
                }
                const std::string key = p.head_sha + " " + env.env;
                auto known = posted.check_runs.find(key);
                if (known == posted.check_runs.end()) {
                    auto id = m_github->create_check_run(run);
                    counted("the check run of a plan",
                            id ? common::Result<void>{} : std::unexpected(id.error()));
                    if (id) posted.check_runs[key] = *id;
                } else {
                    counted("the check run of a plan",
                            m_github->update_check_run(known->second, run));
                }
            }
        },
        p.number);
}

void PullPlanner::post_comment(const PullPlan& p) {
    const std::string body = pipeline::plan_comment(p, page_url(p.number));
    tell_github(
        [this, p, body](Posted& posted) {
            auto id = m_github->upsert_comment(p.number, std::string(pipeline::k_plan_marker), body,
                                               posted.comment);
            counted("the plan's comment",
                    id ? common::Result<void>{} : std::unexpected(id.error()));
            if (id) posted.comment = *id;
        },
        p.number);
}

}  // namespace service
