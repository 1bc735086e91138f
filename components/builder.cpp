#include "components/builder.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

namespace components {

using versioning::BuildStatus;

bool BuildReport::all_succeeded() const {
    return !interrupted && std::all_of(builds.begin(), builds.end(), [](const BuildOutcome& b) {
        return b.status == BuildStatus::succeeded || b.status == BuildStatus::reused;
    });
}

std::vector<std::string> build_environment(const std::vector<std::string>& base,
                                           const BuildSettings& s, const BuildOutcome& b) {
    std::vector<std::string> env;
    for (const auto& e : base) {
        if (!e.starts_with("SLIPWAY_")) env.push_back(e);
    }
    env.push_back("SLIPWAY_COMPONENT=" + b.component);
    env.push_back("SLIPWAY_BUILD_NUMBER=" + std::to_string(b.build_number));
    env.push_back("SLIPWAY_IMAGE_URI=" + b.image_uri);
    env.push_back("SLIPWAY_COMMIT=" + s.commit);
    env.push_back("SLIPWAY_SHORT_COMMIT=" + s.commit.substr(0, 12));
    env.push_back("SLIPWAY_REPO_ROOT=" + s.repo_root);
    env.push_back("SLIPWAY_RUN_ID=" + s.run_id);
    if (!s.env.empty()) env.push_back("SLIPWAY_ENV=" + s.env);
    return env;
}

namespace {

BuildStatus status_of(const Finished& f) {
    switch (f.kind) {
        case ExitKind::exited:
            return f.code == 0 ? BuildStatus::succeeded : BuildStatus::failed;
        case ExitKind::timed_out:
            return BuildStatus::timed_out;
        case ExitKind::cancelled:
            return BuildStatus::cancelled;
        case ExitKind::signaled:
        case ExitKind::spawn_failed:
            return BuildStatus::failed;
    }
    return BuildStatus::failed;
}

// Numbers a batching store reserves at once: the build about to start and the next ready
// ones, so one commit serves many builds.
constexpr std::size_t k_reserve_ahead = 32;
// The longest a build's start or end waits before it is written.
constexpr auto k_write_delay = std::chrono::milliseconds(100);

// How a build stands with the store: nothing yet, a reserved number, or an earlier build
// to reuse.
enum class Taken { none, reserved, reusable };

class Run {
  public:
    Run(BuildPlan& plan, const std::vector<std::string>& hashes, versioning::VersionStore& store,
        CommandRunner& runner, BuildObserver& observer, const BuildSettings& settings)
        : m_plan(plan),
          m_store(store),
          m_runner(runner),
          m_observer(observer),
          m_s(settings),
          m_taken(plan.size(), Taken::none),
          m_reusable(plan.size()),
          m_is_pending(plan.size(), false) {
        m_report.builds.resize(plan.size());
        for (std::size_t i = 0; i < plan.size(); ++i) {
            m_report.builds[i].component = plan.at(i).component;
            m_report.builds[i].input_hash = hashes[i];
        }
    }

    common::Result<BuildReport> go() {
        m_observer.planned(m_plan.size());
        for (;;) {
            if (auto ok = fill(); !ok) return abort(ok.error());
            if (m_runner.running() == 0) break;
            if (auto ok = top_up(); !ok) return abort(ok.error());
            auto waited = m_runner.wait_one(write_deadline());
            if (!waited) return abort(waited.error());
            if (auto ok = handle(*waited); !ok) return abort(ok.error());
        }
        if (auto ok = flush(); !ok) return abort(ok.error());
        return std::move(m_report);
    }

  private:
    common::Result<void> handle(const Waited& waited) {
        switch (waited.kind) {
            case WaitKind::deadline:
                return flush();
            case WaitKind::interrupted:  // stop everything, then collect what ends
                m_runner.cancel_all();
                if (!m_report.interrupted) {
                    m_report.interrupted = true;
                    mark_not_started(m_plan.skip_pending(), BuildStatus::cancelled);
                }
                return {};
            case WaitKind::finished:
                finish(waited.build);
                return {};
        }
        return {};
    }

    // Starts ready builds while slots are free, most urgent first. A build without a number
    // gets one first (take_batch); a running build always has its number on disk.
    common::Result<void> fill() {
        while (!m_stopping && !m_report.interrupted && m_runner.running() < m_s.jobs) {
            auto next = m_plan.next_ready();
            if (!next) break;
            if (m_taken[*next] != Taken::none) {
                --m_ahead;
            } else if (auto ok = take_batch(*next); !ok) {
                return ok;
            }
            if (m_taken[*next] == Taken::reusable) {
                reuse(*next);
            } else if (auto ok = start(*next); !ok) {
                return ok;
            }
        }
        return {};
    }

    // While every slot is busy, a batching store takes the numbers of the next ready builds
    // before a free slot has to wait for them.
    common::Result<void> top_up() {
        if (!m_store.batches_writes() || m_stopping || m_report.interrupted) return {};
        if (m_ahead >= m_s.jobs || m_plan.ready_count() <= m_ahead) return {};
        return take_batch(std::nullopt);
    }

    // One commit: the writes still pending, the number (or reuse) of `first`, and on a
    // batching store numbers for the next ready builds as well. Nothing is kept of a batch
    // that failed.
    common::Result<void> take_batch(std::optional<std::size_t> first) {
        std::vector<std::size_t> wanted;
        if (first) wanted.push_back(*first);
        if (m_store.batches_writes()) {
            for (std::size_t j : m_plan.ready()) {
                if (wanted.size() >= k_reserve_ahead) break;
                if (m_taken[j] == Taken::none) wanted.push_back(j);
            }
        }
        std::vector<std::pair<Taken, versioning::BuildRecord>> taken;
        auto written = m_store.batch([&]() -> common::Result<void> {
            if (auto ok = write_pending(); !ok) return ok;
            for (std::size_t j : wanted) {
                auto took = take(m_report.builds[j]);
                if (!took) return std::unexpected(took.error());
                taken.push_back(std::move(*took));
            }
            return {};
        });
        if (!written) return written;
        clear_pending();
        m_ahead += wanted.size() - (first ? 1 : 0);
        for (std::size_t k = 0; k < wanted.size(); ++k) {
            const std::size_t j = wanted[k];
            m_taken[j] = taken[k].first;
            if (taken[k].first == Taken::reusable) {
                m_reusable[j] = std::move(taken[k].second);
            } else {
                m_report.builds[j].build_number = taken[k].second.build_number;
                m_report.builds[j].image_uri = taken[k].second.image_uri;
                m_report.builds[j].log_path = taken[k].second.log_path;
            }
        }
        return {};
    }

    // An earlier build to reuse, or a newly reserved number (the build is then queued).
    common::Result<std::pair<Taken, versioning::BuildRecord>> take(const BuildOutcome& b) {
        if (m_s.reuse) {
            auto earlier = m_store.find_reusable(b.component, b.input_hash);
            if (!earlier) return std::unexpected(earlier.error());
            if (*earlier) return std::pair{Taken::reusable, std::move(**earlier)};
        }
        auto reserved = m_store.reserve_build(
            {b.component, m_s.commit, b.input_hash, m_s.run_id, m_s.now(),
             m_s.log_dir + "/" + b.component + ".log"},
            [&](std::int64_t n) {
                auto uri = render_image_uri(m_s.image,
                                            {b.component, n, m_s.commit, m_s.env, m_s.timestamp});
                return uri ? *uri : std::string();
            });
        if (!reserved) return std::unexpected(reserved.error());
        return std::pair{Taken::reserved, std::move(*reserved)};
    }

    common::Result<void> start(std::size_t i) {
        BuildOutcome& b = m_report.builds[i];
        b.status = BuildStatus::running;
        b.started_at = m_s.now();
        defer(i);
        m_observer.started(i, b);
        const PlannedBuild& p = m_plan.at(i);
        return m_runner.start(
            i, {p.command, build_environment(m_s.base_env, m_s, b), m_s.repo_root, b.log_path,
                std::chrono::duration_cast<std::chrono::milliseconds>(p.timeout)});
    }

    void reuse(std::size_t i) {
        BuildOutcome& b = m_report.builds[i];
        const versioning::BuildRecord& earlier = *m_reusable[i];
        b.status = BuildStatus::reused;
        b.build_number = earlier.build_number;
        b.image_uri = earlier.image_uri;
        b.started_at = b.finished_at = m_s.now();
        b.log_path = earlier.log_path;
        defer(i);
        m_observer.finished(i, b);
        m_plan.mark_done(i, true);
    }

    // A build ended: what its failure skips is settled now; the store hears of both with
    // the next batch.
    void finish(const Finished& f) {
        BuildOutcome& b = m_report.builds[f.job];
        b.status = status_of(f);
        b.finished_at = m_s.now();
        if (f.kind == ExitKind::exited) b.exit_code = f.code;
        if (f.kind == ExitKind::signaled) b.exit_code = 128 + f.code;
        defer(f.job);
        m_observer.finished(f.job, b);
        const bool ok = b.status == BuildStatus::succeeded;
        auto skipped = m_plan.mark_done(f.job, ok);
        if (!ok && m_s.fail_fast) {
            m_stopping = true;
            auto rest = m_plan.skip_pending();
            skipped.insert(skipped.end(), rest.begin(), rest.end());
        }
        mark_not_started(skipped, b.status == BuildStatus::cancelled ? BuildStatus::cancelled
                                                                     : BuildStatus::skipped);
    }

    // Builds that will not run. One that was reserved ahead keeps its number.
    void mark_not_started(const std::vector<std::size_t>& jobs, BuildStatus status) {
        for (std::size_t j : jobs) {
            BuildOutcome& b = m_report.builds[j];
            b.status = status;
            b.started_at = b.finished_at = m_s.now();
            defer(j);
            m_observer.finished(j, b);
        }
    }

    // Starts, ends and builds without a number of their own are written in batches: with
    // the next reservation, or once the oldest has waited k_write_delay, or at the end.
    void defer(std::size_t i) {
        if (m_is_pending[i]) return;
        if (m_pending.empty()) m_oldest_pending = std::chrono::steady_clock::now();
        m_is_pending[i] = true;
        m_pending.push_back(i);
    }

    [[nodiscard]] Deadline write_deadline() const {
        if (m_pending.empty()) return std::nullopt;
        return m_oldest_pending + k_write_delay;
    }

    common::Result<void> flush() {
        if (m_pending.empty()) return {};
        if (auto ok = m_store.batch([&] { return write_pending(); }); !ok) return ok;
        clear_pending();
        return {};
    }

    // Each pending build as it stands now: queued or running builds their start, ended ones
    // their end (with their start), the rest a record of their own.
    common::Result<void> write_pending() {
        for (std::size_t i : m_pending) {
            const BuildOutcome& b = m_report.builds[i];
            common::Result<void> ok;
            if (m_taken[i] != Taken::reserved) {
                ok = m_store.record_build(record_of(b));
            } else if (b.status == BuildStatus::running) {
                ok = m_store.start_build(b.component, b.build_number, b.started_at);
            } else {
                ok = m_store.finish_build(b.component, b.build_number,
                                          {b.status, b.exit_code, b.finished_at, b.started_at});
            }
            if (!ok) return ok;
        }
        return {};
    }

    void clear_pending() {
        for (std::size_t i : m_pending) m_is_pending[i] = false;
        m_pending.clear();
    }

    versioning::BuildRecord record_of(const BuildOutcome& b) const {
        return {b.component, b.build_number, m_s.commit,    b.input_hash, b.image_uri, b.status,
                b.exit_code, b.started_at,   b.finished_at, b.log_path,   m_s.run_id};
    }

    // A store failure: cancel what runs, wait for it, try once more to write how every
    // build ended, and report the failure.
    std::unexpected<common::Error> abort(const common::Error& error) {
        m_runner.cancel_all();
        while (m_runner.running() > 0) {
            auto waited = m_runner.wait_one(std::nullopt);
            if (!waited) break;
            if (waited->kind == WaitKind::finished) finish(waited->build);
        }
        mark_not_started(m_plan.skip_pending(), BuildStatus::cancelled);
        (void)flush();  // the store just failed; this may fail too
        return std::unexpected(error);
    }

    BuildPlan& m_plan;
    versioning::VersionStore& m_store;
    CommandRunner& m_runner;
    BuildObserver& m_observer;
    const BuildSettings& m_s;
    BuildReport m_report;
    bool m_stopping = false;
    std::vector<Taken> m_taken;
    std::size_t m_ahead = 0;  // ready builds that are taken already (not handed out yet)
    std::vector<std::optional<versioning::BuildRecord>> m_reusable;
    std::vector<std::size_t> m_pending;  // builds whose latest state is not written yet
    std::vector<bool> m_is_pending;
    std::chrono::steady_clock::time_point m_oldest_pending;
};

}  // namespace

common::Result<BuildReport> run_builds(BuildPlan& plan,
                                       const std::vector<std::string>& input_hashes,
                                       versioning::VersionStore& store, CommandRunner& runner,
                                       BuildObserver& observer, const BuildSettings& settings) {
    return Run(plan, input_hashes, store, runner, observer, settings).go();
}

}  // namespace components
