// See worker.hpp.
#include "service/worker.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>

#include "diff/remote.hpp"
#include "pipeline/host.hpp"
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

JobEnd failed(const std::string& run_id, const common::Error& e) {
    const bool cancelled = e.code == common::ErrorCode::interrupted;
    return {cancelled ? JobStatus::interrupted : JobStatus::failed, run_id, e.message,
            cancelled ? "cancelled" : "error"};
}

}  // namespace

struct Workers::Slot {
    std::thread thread;
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
                store->claim_job(m_config.owner, now, m_config.claim_ttl.count(), interrupted);
            for (const auto& j : interrupted) {
                spdlog::warn("serve: job #{} of {} was interrupted ({})", j.id, j.env, j.reason);
                if (!j.run_id.empty()) (void)store->interrupt_run(j.run_id, now);
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

// The job's pipeline run, in a clean checkout of its commit.
JobEnd execute(const WorkerConfig& c, const JobRecord& job, pipeline::Services& services,
               const std::function<void(const std::string&)>& started) {
    auto repo = diff::Repository::open(c.repo);
    if (!repo) return failed("", repo.error());
    // Bad CA settings fail the job; a remote out of reach does not: the commit may be here.
    if (auto ok = diff::check_fetch_settings(*repo, c.remote); !ok) return failed("", ok.error());
    auto fetched = diff::fetch(*repo, c.remote);
    if (!fetched)
        spdlog::warn("serve: job #{}: {} (trying the commit as it is)", job.id,
                     fetched.error().message);
    else if (c.fetched)
        c.fetched();
    if (auto commit = repo->resolve_commit(job.head); !commit)
        return failed("", fetched ? commit.error() : fetched.error());
    const auto dir = std::filesystem::path(c.state_dir) / "checkouts" / job.env;
    if (auto ok = diff::checkout_to(*repo, job.head, dir); !ok) return failed("", ok.error());
    auto project =
        pipeline::open_project({c.repo, "", job.head, c.store_url, dir.string(), c.state_dir});
    if (!project) return failed("", project.error());
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
    // The claim is renewed every quarter of its time, through a store connection of its own.
    std::thread renewer([&] {
        auto own = pipeline::open_store_at(m_config.store_url, m_config.state_dir, false);
        std::unique_lock lock(mutex);
        while (!finished.wait_for(lock, m_config.claim_ttl / 4, [&] { return done.load(); })) {
            const std::string id = run_id;
            lock.unlock();
            if (own) {
                auto held = (*own)->renew_job(job.id, m_config.owner, pipeline::now_millis(),
                                              m_config.claim_ttl.count(), id);
                if (held && !*held) spdlog::warn("serve: job #{}: the claim was lost", job.id);
            }
            lock.lock();
        }
    });
    auto services = pipeline::system_services(store, m_config.store_url, m_config.state_dir);
    services.clock.interrupted = [&slot] { return slot.cancel.load(); };
    services.clock.interrupt_fd = slot.pipe[0];  // the job's cancel, not the process's signals
    auto end = execute(m_config, job, services, [&](const std::string& id) {
        {
            std::lock_guard lock(mutex);
            run_id = id;
        }
        // The run is the job's from now on: a replica taking the job over marks it interrupted.
        (void)store.renew_job(job.id, m_config.owner, pipeline::now_millis(),
                              m_config.claim_ttl.count(), id);
    });
    {
        std::lock_guard lock(mutex);
        done = true;
    }
    finished.notify_all();
    renewer.join();
    if (end.run_id.empty()) end.run_id = run_id;
    if (auto ok = store.finish_job(job.id, m_config.owner, end.status, pipeline::now_millis(),
                                   end.run_id, end.reason);
        !ok)
        spdlog::error("serve: recording the end of job #{}: {}", job.id, ok.error().message);
    spdlog::info("serve: job #{} {} ({})", job.id, versioning::to_string(end.status),
                 end.result.empty() ? end.reason : end.result);
    m_metrics.count_run(end.result.empty() ? "error" : end.result);
    --m_running;
}

}  // namespace service
