// See worker.hpp.
#include "service/worker.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <fmt/format.h>

#include <filesystem>

#include "common/process.hpp"
#include "diff/remote.hpp"
#include "pipeline/deploys.hpp"
#include "pipeline/host.hpp"
#include "pipeline/ledger.hpp"
#include "pipeline/run.hpp"

namespace service {
namespace {

using versioning::JobRecord;
using versioning::JobStatus;

// The pipeline's events, to the service's log (the builds' output is in their log files).
class LogObserver final : public pipeline::Observer,
                          components::BuildObserver,
                          deploy::DeployReporter {
  public:
    explicit LogObserver(std::string prefix) : m_prefix(std::move(prefix)) {}
    void note(const std::string& line) override { spdlog::info("{}: {}", m_prefix, line); }
    void warning(const std::string& line) override { spdlog::warn("{}: {}", m_prefix, line); }
    void run_started(const pipeline::RunStarted& r) override {
        spdlog::info("{}: run {} of {} at {}: {} to build", m_prefix, r.run_id, r.env,
                     r.head.substr(0, 12), r.to_build.size());
    }
    void phase_ended(const pipeline::Phase& p) override {
        spdlog::info("{}: {} took {} ms", m_prefix, p.name, p.millis);
    }
    components::BuildObserver& builds() override { return *this; }
    deploy::DeployReporter& deploy() override { return *this; }
    void started(std::size_t, const components::BuildOutcome& b) override {
        spdlog::info("{}: build {} #{} started", m_prefix, b.component, b.build_number);
    }
    void finished(std::size_t, const components::BuildOutcome& b) override {
        spdlog::info("{}: build {} #{} {}", m_prefix, b.component, b.build_number,
                     versioning::to_string(b.status));
    }
    void line(std::size_t, std::string_view) override {}
    [[nodiscard]] bool wants_lines() const override { return false; }
    void begin(const deploy::DeployPlan& plan) override {
        spdlog::info("{}: deploying {} to {}", m_prefix, plan.commit.substr(0, 12), plan.stack);
    }
    void preview(const deploy::Preview& p) override {
        spdlog::info("{}: change set with {} resource changes", m_prefix, p.changes.size());
    }
    bool confirm(const deploy::Preview&) override { return true; }
    void event(const deploy::StackEvent& e) override {
        spdlog::info("{}: {} {} {}", m_prefix, e.logical_id, e.status, e.reason);
    }
    void waiting(const std::string&, std::chrono::milliseconds) override {}

  private:
    std::string m_prefix;
};

struct JobEnd {
    JobStatus status = JobStatus::failed;
    std::string run_id;
    std::string reason;
    std::string result;  // for the metrics: the run's result, or "error"
};

JobEnd dropped(const std::string& why) {
    return {JobStatus::dropped, "", why, "dropped"};
}

JobEnd failed(const std::string& run_id, const common::Error& e) {
    const bool cancelled = e.code == common::ErrorCode::interrupted;
    return {cancelled ? JobStatus::interrupted : JobStatus::failed, run_id, e.message,
            cancelled ? "cancelled" : "error"};
}

// The run of a replica that died (its claim expired): what is left of its local builds' process
// groups on this host is stopped (the same pid + start-time check as the CLI's recovery, so a
// reused pid is never signalled), then the run and its builds are marked interrupted. Its
// remote builds are left to the next run of the environment, which awaits or stops them
// (pipeline/remote.hpp) before building.
void stop_dead_run(versioning::VersionStore& store, const std::string& run_id,
                   versioning::Millis now) {
    if (auto builds = store.builds_of_run(run_id)) {
        for (const auto& b : *builds) {
            if (b.status != versioning::BuildStatus::running || b.handle.pgid <= 0) continue;
            if (common::stop_process_group(b.handle.pgid, b.handle.pgid_start))
                spdlog::warn("serve: stopped what was left of build {} #{} of run {}", b.component,
                             b.build_number, run_id);
        }
    }
    (void)store.interrupt_run(run_id, now);
}

}  // namespace

struct Workers::Slot {
    std::thread thread;
    std::string owner;  // this slot's claims: the instance's owner id + "#" + its index
    std::atomic<bool> cancel{false};
    int pipe[2] = {-1, -1};  // a byte on it cancels the builds of the running job
    ~Slot() {
        for (int fd : pipe)
            if (fd >= 0) ::close(fd);
    }
};

Workers::Workers(WorkerConfig config, std::size_t count, Metrics& metrics)
    : m_config(std::move(config)), m_metrics(metrics) {
    for (std::size_t i = 0; i < std::max<std::size_t>(count, 1); ++i) {
        auto slot = std::make_unique<Slot>();
        slot->owner = m_config.owner + "#" + std::to_string(i);
        if (::pipe2(slot->pipe, O_CLOEXEC | O_NONBLOCK) != 0) slot->pipe[0] = slot->pipe[1] = -1;
        m_slots.push_back(std::move(slot));
    }
}

Workers::~Workers() {
    stop(std::chrono::milliseconds(0));
}

void Workers::start() {
    for (auto& slot : m_slots) slot->thread = std::thread([this, s = slot.get()] { loop(*s); });
}

void Workers::wake() {
    {
        std::lock_guard lock(m_mutex);
        ++m_wakes;
    }
    m_wake.notify_all();
}

void Workers::stop(std::chrono::milliseconds grace) {
    if (m_stopping.exchange(true) && m_slots.empty()) return;
    wake();
    const auto until = std::chrono::steady_clock::now() + grace;
    while (m_running.load() > 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (auto& slot : m_slots) {
        slot->cancel = true;
        if (slot->pipe[1] >= 0) (void)!::write(slot->pipe[1], "x", 1);
    }
    for (auto& slot : m_slots) {
        if (slot->thread.joinable()) slot->thread.join();
    }
    m_slots.clear();
}

void Workers::loop(Slot& slot) {
    std::unique_ptr<versioning::VersionStore> store;
    while (!m_stopping) {
        long seen;
        {
            std::lock_guard lock(m_mutex);
            seen = m_wakes;
        }
        if (!store) {
            auto opened = pipeline::open_store_at(m_config.store_url, m_config.state_dir, false);
            if (!opened) spdlog::error("serve: opening the store: {}", opened.error().message);
            if (opened) store = std::move(*opened);
        }
        std::optional<JobRecord> job;
        if (store) {
            std::vector<JobRecord> interrupted;
            const auto now = pipeline::now_millis();
            auto claimed =
                store->claim_job(slot.owner, now, m_config.claim_ttl.count(), interrupted);
            for (const auto& j : interrupted) {
                spdlog::warn("serve: job #{} of {} was interrupted ({})", j.id, j.env, j.reason);
                if (!j.run_id.empty()) stop_dead_run(*store, j.run_id, now);
            }
            if (!claimed) spdlog::error("serve: claiming a job: {}", claimed.error().message);
            if (claimed) job = std::move(*claimed);
        }
        if (job) {
            run_job(slot, *store, *job);
            continue;
        }
        std::unique_lock lock(m_mutex);
        m_wake.wait_for(lock, m_config.idle_poll, [&] { return m_stopping || m_wakes != seen; });
    }
}

namespace {

// Newest in history, checked again now that the fetch brought the commits: why the job is
// not to run ("" when it is). Dropped when its head is deployed already or older than what is
// deployed or waiting; when a later push it replaced (its order was unknown at intake) turns
// out newer, that head is queued again and this job dropped.
std::string stale_reason(const diff::Repository& repo, const JobRecord& job,
                         versioning::VersionStore& store) {
    const versioning::OlderThan older = [&repo](const std::string& head, const std::string& than) {
        return pipeline::older_in_history(&repo, head, than);
    };
    // Every stack in every place holds the head already (one behind still takes it).
    auto current = store.current_deployments(job.env);
    if (current && !current->empty()) {
        const versioning::DeploymentRecord* newer = nullptr;
        bool held = true;
        for (const auto& d : *current) {
            if (d.commit.empty() || (d.commit != job.head && !older(job.head, d.commit))) {
                held = false;
                break;
            }
            if (d.commit != job.head) newer = &d;
        }
        if (held) {
            const auto& d = newer ? *newer : current->front();
            return fmt::format("{} is {} {}, deployed to {} (deployment #{})",
                               job.head.substr(0, 12), newer ? "older than" : "already",
                               newer ? d.commit.substr(0, 12) : "deployed", job.env, d.id);
        }
    }
    auto open = store.jobs(job.env, 20);
    if (open) {
        for (const auto& w : *open) {
            if (w.status == JobStatus::pending && w.request_id == 0 && older(job.head, w.head))
                return fmt::format("older than {}, waiting as job #{}", w.head.substr(0, 12), w.id);
        }
    }
    // The newest of the heads it replaced, if it is newer than this job's.
    std::string newest;
    for (const auto& h : job.replaced) {
        if (older(job.head, h) && (newest.empty() || older(newest, h))) newest = h;
    }
    if (newest.empty()) return "";
    versioning::JobRecord again;
    again.env = job.env;
    again.branch = job.branch;
    again.head = newest;
    again.trigger = "requeued:job#" + std::to_string(job.id);
    again.actor = job.actor;
    again.created_at = pipeline::now_millis();
    auto queued = store.enqueue_job(again, older);
    const std::string where = !queued ? "queuing it again failed: " + queued.error().message
                              : queued->status == JobStatus::dropped
                                  ? queued->reason
                                  : "queued again as job #" + std::to_string(queued->id);
    return fmt::format("older than {}, a later push it replaced ({})", newest.substr(0, 12), where);
}

// The job's checkout: one per claim of the job (checkouts/<env>/<job>.<attempt>), so a replica
// that took the job over and the one it took it from never share a tree.
std::filesystem::path checkout_dir(const WorkerConfig& c, const JobRecord& job) {
    return std::filesystem::path(c.state_dir) / "checkouts" / job.env /
           (std::to_string(job.id) + "." + std::to_string(job.attempts));
}

// Why a run that ended without an error failed, for the job's "why": its result, its message,
// the builds that failed and the stack's failed resources.
std::string why_failed(const pipeline::RunSummary& s) {
    std::string out = s.result.empty() ? "failed" : s.result;
    if (!s.message.empty()) out += ": " + s.message;
    std::string builds;
    for (const auto& r : s.rows) {
        if (r.status != "failed" && r.status != "timed-out") continue;
        builds +=
            (builds.empty() ? "" : ", ") + r.component +
            (r.exit_code ? " (exit " + std::to_string(*r.exit_code) + ")" : " (" + r.status + ")");
    }
    if (!builds.empty()) out += ": " + builds;
    if (!s.failed_resources.empty())
        out += ": " + s.failed_resources.front().logical_id + " " +
               s.failed_resources.front().status + ": " + s.failed_resources.front().reason;
    else if (!s.stack_status.empty() && s.exit_code != 0)
        out += " (" + s.stack_status + ")";
    return out;
}

// A job that ships a promotion request or rolls an environment back: the deploy command, with
// the environment held (waiting for it) and the request's gates decided again now.
JobEnd deploy_job(const pipeline::Project& project, const JobRecord& job,
                  pipeline::Services& services,
                  const std::function<void(const std::string&)>& started) {
    pipeline::DeployRequest r;
    r.kind = job.kind;
    r.env = job.env;
    r.settings.wait = true;
    r.trigger = {job.trigger, job.head, "job #" + std::to_string(job.id), job.actor};
    if (job.kind == "promote") r.request_id = job.request_id;
    if (job.kind == "rollback") r.to_deployment = job.request_id, r.reason = job.note;
    LogObserver observer("job #" + std::to_string(job.id) + " " + job.env);
    auto done = pipeline::run_deploy_command(project, r, services, observer);
    if (!done) return failed("", done.error());
    started(done->summary.run_id);
    JobEnd end;
    end.run_id = done->summary.run_id;
    end.result = done->held ? "held" : done->summary.result;
    end.status = done->run.exit == 0 ? JobStatus::succeeded : JobStatus::failed;
    if (done->held && done->verdict && !done->verdict->unmet.empty())
        end.reason = "held by a gate: " + done->verdict->unmet.front().message;
    else if (done->run.exit != 0)
        end.reason = why_failed(done->summary);
    return end;
}

// The job's pipeline run, in a clean checkout of its commit.
JobEnd execute(const WorkerConfig& c, const JobRecord& job, pipeline::Services& services,
               const std::function<void(const std::string&)>& started) {
    auto repo = diff::Repository::open(c.repo);
    if (!repo) return failed("", repo.error());
    // Bad CA settings fail the job; a remote out of reach does not: the commit may be here.
    if (auto ok = diff::check_fetch_settings(*repo, c.remote); !ok) return failed("", ok.error());
    auto fetched = diff::fetch(*repo, c.remote, c.git_credentials);
    if (!fetched)
        spdlog::warn("serve: job #{}: {} (trying the commit as it is)", job.id,
                     fetched.error().message);
    else if (c.fetched)
        c.fetched();
    if (auto commit = repo->resolve_commit(job.head); !commit)
        return failed("", fetched ? commit.error() : fetched.error());
    // Only pushes are ordered by history: a promotion or a rollback ships what it names.
    if (job.request_id == 0 && job.kind == "run") {
        if (auto why = stale_reason(*repo, job, services.store); !why.empty()) return dropped(why);
    }
    // A checkout of its own (checkouts/<env>/<job>): a replica that took the job over, or one
    // that wakes from a stop, never writes into another's tree under its running builds.
    const auto dir = checkout_dir(c, job);
    if (auto ok = diff::checkout_to(*repo, job.head, dir); !ok) return failed("", ok.error());
    auto project =
        pipeline::open_project({c.repo, "", job.head, c.store_url, dir.string(), c.state_dir});
    if (!project) return failed("", project.error());
    if (job.kind == "promote" || job.kind == "rollback")
        return deploy_job(*project, job, services, started);
    pipeline::RunRequest request;
    request.env = job.env;
    request.wait = true;
    request.trigger = {job.trigger, job.head,
                       "job #" + std::to_string(job.id) + " (" + job.branch + ")", job.actor};
    LogObserver log("job #" + std::to_string(job.id) + " " + job.env);
    // GitHub hears of the run through the observer and at its end; it never holds it up.
    std::optional<pipeline::GithubObserver> reported;
    if (c.github) reported.emplace(log, *c.github);
    pipeline::Observer& observer = reported ? static_cast<pipeline::Observer&>(*reported) : log;
    auto plan = pipeline::plan_run(*project, request, services, observer);
    // A deploy that moved the environment past this head while the job waited for it.
    if (!plan && pipeline::is_older_head(plan.error())) return dropped(plan.error().message);
    if (!plan) return failed("", plan.error());
    started(plan->summary.run_id);
    auto outcome = pipeline::execute_run(*project, std::move(*plan), services, observer);
    if (c.github)
        c.github->run_ended(outcome.summary.run_id, outcome.summary.result,
                            outcome.error ? outcome.error->message : outcome.summary.message);
    JobEnd end;
    end.run_id = outcome.summary.run_id;
    end.result = outcome.summary.result;
    end.status = outcome.exit == 0     ? JobStatus::succeeded
                 : outcome.exit == 130 ? JobStatus::interrupted
                                       : JobStatus::failed;
    if (outcome.error) end.reason = outcome.error->message;
    if (end.reason.empty() && outcome.exit != 0) end.reason = why_failed(outcome.summary);
    return end;
}

}  // namespace

void Workers::run_job(Slot& slot, versioning::VersionStore& store, const JobRecord& job) {
    ++m_running;
    spdlog::info("serve: job #{}: {} at {} ({})", job.id, job.env, job.head.substr(0, 12),
                 job.trigger);
    slot.cancel = false;
    char drain[64];
    while (slot.pipe[0] >= 0 && ::read(slot.pipe[0], drain, sizeof drain) > 0) {
    }
    std::mutex mutex;
    std::string run_id;
    std::atomic<bool> done{false};
    std::condition_variable finished;
    // The claim holds until `claim_until`; a renewal moves it on. One that is refused (another
    // replica took the job) or that cannot be made before it ends (the store is out of reach, or
    // this process was stopped past it) counts as lost: the run is cancelled, and it never
    // reaches its deploy phase (pipeline::execute_run checks between the phases).
    std::atomic<versioning::Millis> claim_until{pipeline::now_millis() +
                                                m_config.claim_ttl.count()};
    std::atomic<bool> lost{false};
    const auto lose = [&](const char* why) {
        if (lost.exchange(true)) return;
        spdlog::warn("serve: job #{}: the claim was lost ({}): cancelling its run", job.id, why);
        slot.cancel = true;
        if (slot.pipe[1] >= 0) (void)!::write(slot.pipe[1], "x", 1);
    };
    // The claim is renewed every quarter of its time, through a store connection of its own.
    // One renewal through a store connection of its own: false when the claim is lost.
    const auto renew = [&](const std::string& id) {
        auto own = pipeline::open_store_at(m_config.store_url, m_config.state_dir, false);
        if (!own)
            return spdlog::warn("serve: job #{}: renewing the claim: {}", job.id,
                                own.error().message),
                   false;
        const auto now = pipeline::now_millis();
        auto held = (*own)->renew_job(job.id, slot.owner, now, m_config.claim_ttl.count(), id);
        if (!held)
            spdlog::warn("serve: job #{}: renewing the claim: {}", job.id, held.error().message);
        if (held && *held) claim_until = now + m_config.claim_ttl.count();
        return held && *held;
    };
    std::thread renewer([&] {
        std::unique_lock lock(mutex);
        while (!finished.wait_for(lock, m_config.claim_ttl / 4, [&] { return done.load(); })) {
            const std::string id = run_id;
            lock.unlock();
            const bool lapsed = pipeline::now_millis() > claim_until;
            if (!lost && !renew(id) && lapsed) lose("it lapsed and could not be renewed");
            lock.lock();
        }
    });
    auto services = pipeline::system_services(store, m_config.store_url, m_config.state_dir);
    services.teams = m_config.teams;
    // Checked between the phases: a claim past its time (this process was stopped, or the
    // renewals failed) is renewed now or lost -- never deployed on.
    services.clock.interrupted = [&] {
        if (!lost && pipeline::now_millis() > claim_until) {
            std::string id;
            {
                std::lock_guard lock(mutex);
                id = run_id;
            }
            if (!renew(id)) lose("it lapsed and could not be renewed");
        }
        return slot.cancel.load();
    };
    services.clock.interrupt_fd = slot.pipe[0];  // the job's cancel, not the process's signals
    auto end = execute(m_config, job, services, [&](const std::string& id) {
        {
            std::lock_guard lock(mutex);
            run_id = id;
        }
        // The run is the job's from now on: a replica taking the job over marks it interrupted.
        (void)store.renew_job(job.id, slot.owner, pipeline::now_millis(),
                              m_config.claim_ttl.count(), id);
    });
    {
        std::lock_guard lock(mutex);
        done = true;
    }
    finished.notify_all();
    renewer.join();
    if (end.run_id.empty()) end.run_id = run_id;
    if (lost && end.status == JobStatus::interrupted) end.reason = "the job's claim was lost";
    if (auto ok = store.finish_job(job.id, slot.owner, end.status, pipeline::now_millis(),
                                   end.run_id, end.reason);
        !ok)
        spdlog::error("serve: recording the end of job #{}: {}", job.id, ok.error().message);
    spdlog::info("serve: job #{} {} ({})", job.id, versioning::to_string(end.status),
                 end.result.empty() ? end.reason : end.result);
    m_metrics.count_run(end.result.empty() ? "error" : end.result);
    // The job's checkout: its builds have ended (the run returned only after them).
    std::error_code ec;
    std::filesystem::remove_all(checkout_dir(m_config, job), ec);
    --m_running;
}

}  // namespace service
