#include "components/builder.hpp"

#include <algorithm>

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

class Run {
  public:
    Run(BuildPlan& plan, const std::vector<std::string>& hashes, versioning::VersionStore& store,
        CommandRunner& runner, BuildObserver& observer, const BuildSettings& settings)
        : m_plan(plan), m_store(store), m_runner(runner), m_observer(observer), m_s(settings) {
        m_report.builds.resize(plan.size());
        for (std::size_t i = 0; i < plan.size(); ++i) {
            m_report.builds[i].component = plan.at(i).component;
            m_report.builds[i].input_hash = hashes[i];
        }
    }

    common::Result<BuildReport> go() {
        for (;;) {
            if (auto ok = advance([] { return common::Result<void>{}; }); !ok)
                return abort(ok.error());
            if (m_runner.running() == 0) break;
            auto f = m_runner.wait_one();
            if (!f) return abort(f.error());
            if (!*f) {  // an interrupt: stop everything, then collect what ends
                if (!m_report.interrupted) {
                    m_report.interrupted = true;
                    m_runner.cancel_all();
                    if (auto ok = record_not_started(m_plan.skip_pending(), BuildStatus::cancelled);
                        !ok)
                        return abort(ok.error());
                } else {
                    m_runner.cancel_all();
                }
                continue;
            }
            if (auto ok = finish(**f); !ok) return abort(ok.error());
        }
        return std::move(m_report);
    }

  private:
    // One step: `record` (what just happened) and the reservation of every ready build that
    // fits in the free slots go to the store as one batch -- one commit for a build's end and
    // its successor's number -- and only then do the reserved builds start, so a running build
    // always has its number on disk.
    template <typename Record>
    common::Result<void> advance(const Record& record) {
        std::vector<std::size_t> reserved;
        auto written = m_store.batch([&]() -> common::Result<void> {
            if (auto ok = record(); !ok) return ok;
            while (!m_stopping && !m_report.interrupted &&
                   m_runner.running() + reserved.size() < m_s.jobs) {
                auto next = m_plan.next_ready();
                if (!next) break;
                auto took = take(*next);
                if (!took) return std::unexpected(took.error());
                if (*took) reserved.push_back(*next);
            }
            return {};
        });
        if (!written) return written;
        for (std::size_t i : reserved) {
            if (auto ok = start(i); !ok) return ok;
        }
        return {};
    }

    // Reuses an earlier build (false) or reserves a number for a new one (true).
    common::Result<bool> take(std::size_t i) {
        BuildOutcome& b = m_report.builds[i];
        if (m_s.reuse) {
            auto earlier = m_store.find_reusable(b.component, b.input_hash);
            if (!earlier) return std::unexpected(earlier.error());
            if (*earlier) {
                if (auto ok = reuse(i, **earlier); !ok) return std::unexpected(ok.error());
                return false;
            }
        }
        b.started_at = m_s.now();
        b.log_path = m_s.log_dir + "/" + b.component + ".log";
        auto reserved = m_store.reserve_build(
            {b.component, m_s.commit, b.input_hash, m_s.run_id, b.started_at, b.log_path},
            [&](std::int64_t n) {
                auto uri = render_image_uri(m_s.image,
                                            {b.component, n, m_s.commit, m_s.env, m_s.timestamp});
                return uri ? *uri : std::string();
            });
        if (!reserved) return std::unexpected(reserved.error());
        b.build_number = reserved->build_number;
        b.image_uri = reserved->image_uri;
        return true;
    }

    common::Result<void> start(std::size_t i) {
        BuildOutcome& b = m_report.builds[i];
        b.status = BuildStatus::running;
        m_observer.started(i, b);
        const PlannedBuild& p = m_plan.at(i);
        return m_runner.start(
            i, {p.command, build_environment(m_s.base_env, m_s, b), m_s.repo_root, b.log_path,
                std::chrono::duration_cast<std::chrono::milliseconds>(p.timeout)});
    }

    common::Result<void> reuse(std::size_t i, const versioning::BuildRecord& earlier) {
        BuildOutcome& b = m_report.builds[i];
        b.status = BuildStatus::reused;
        b.build_number = earlier.build_number;
        b.image_uri = earlier.image_uri;
        b.started_at = b.finished_at = m_s.now();
        b.log_path = earlier.log_path;
        if (auto ok = m_store.record_build(record_of(b)); !ok) return ok;
        m_observer.finished(i, b);
        m_plan.mark_done(i, true);
        return {};
    }

    // A build ended: its end, the builds its failure skips, and the builds that can start
    // now are written in one batch (see advance).
    common::Result<void> finish(const Finished& f) {
        BuildOutcome& b = m_report.builds[f.job];
        b.status = status_of(f);
        b.finished_at = m_s.now();
        if (f.kind == ExitKind::exited) b.exit_code = f.code;
        if (f.kind == ExitKind::signaled) b.exit_code = 128 + f.code;
        m_observer.finished(f.job, b);
        const bool ok = b.status == BuildStatus::succeeded;
        auto skipped = m_plan.mark_done(f.job, ok);
        if (!ok && m_s.fail_fast) {
            m_stopping = true;
            auto rest = m_plan.skip_pending();
            skipped.insert(skipped.end(), rest.begin(), rest.end());
        }
        return advance([&]() -> common::Result<void> {
            if (auto written = m_store.finish_build(b.component, b.build_number,
                                                    {b.status, b.exit_code, b.finished_at});
                !written) {
                return written;
            }
            return record_not_started(skipped, b.status == BuildStatus::cancelled
                                                   ? BuildStatus::cancelled
                                                   : BuildStatus::skipped);
        });
    }

    common::Result<void> record_not_started(const std::vector<std::size_t>& jobs,
                                            BuildStatus status) {
        for (std::size_t j : jobs) {
            BuildOutcome& b = m_report.builds[j];
            b.status = status;
            b.started_at = b.finished_at = m_s.now();
            if (auto ok = m_store.record_build(record_of(b)); !ok) return ok;
            m_observer.finished(j, b);
        }
        return {};
    }

    versioning::BuildRecord record_of(const BuildOutcome& b) const {
        return {b.component, b.build_number, m_s.commit,    b.input_hash, b.image_uri, b.status,
                b.exit_code, b.started_at,   b.finished_at, b.log_path,   m_s.run_id};
    }

    // A store failure: cancel what runs, wait for it, and report the failure.
    std::unexpected<common::Error> abort(const common::Error& error) {
        m_runner.cancel_all();
        while (m_runner.running() > 0) {
            if (!m_runner.wait_one()) break;
        }
        return std::unexpected(error);
    }

    BuildPlan& m_plan;
    versioning::VersionStore& m_store;
    CommandRunner& m_runner;
    BuildObserver& m_observer;
    const BuildSettings& m_s;
    BuildReport m_report;
    bool m_stopping = false;
};

}  // namespace

common::Result<BuildReport> run_builds(BuildPlan& plan,
                                       const std::vector<std::string>& input_hashes,
                                       versioning::VersionStore& store, CommandRunner& runner,
                                       BuildObserver& observer, const BuildSettings& settings) {
    return Run(plan, input_hashes, store, runner, observer, settings).go();
}

}  // namespace components
