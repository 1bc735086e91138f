#include "components/builder.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>
#include <utility>

#include "common/process.hpp"
#include "components/build_graph.hpp"

namespace components {

using versioning::BuildStatus;

bool BuildReport::all_succeeded() const {
    return !interrupted && std::all_of(builds.begin(), builds.end(), [](const BuildOutcome& b) {
        return b.status == BuildStatus::succeeded || b.status == BuildStatus::reused;
    });
}

std::shared_ptr<const std::vector<std::string>> shared_environment(const BuildSettings& s) {
    auto env = std::make_shared<std::vector<std::string>>();
    env->reserve(s.base_env.size() + 5);
    for (const auto& e : s.base_env) {
        if (!e.starts_with("SLIPWAY_")) env->push_back(e);
    }
    env->push_back("SLIPWAY_COMMIT=" + s.commit);
    env->push_back("SLIPWAY_SHORT_COMMIT=" + s.commit.substr(0, 12));
    env->push_back("SLIPWAY_REPO_ROOT=" + s.repo_root);
    env->push_back("SLIPWAY_RUN_ID=" + s.run_id);
    if (!s.env.empty()) env->push_back("SLIPWAY_ENV=" + s.env);
    return env;
}

BuildEnv build_environment(std::shared_ptr<const std::vector<std::string>> shared,
                           const BuildOutcome& b) {
    return BuildEnv(std::move(shared), {"SLIPWAY_COMPONENT=" + b.component,
                                        "SLIPWAY_BUILD_NUMBER=" + std::to_string(b.build_number),
                                        "SLIPWAY_IMAGE_URI=" + b.image_uri});
}

common::Result<std::vector<std::optional<Reusable>>> find_reusable_builds(
    const BuildPlan& plan, const std::vector<std::string>& input_hashes,
    versioning::VersionStore& store) {
    std::vector<std::optional<Reusable>> out(plan.size());
    for (std::size_t i = 0; i < plan.size(); ++i) {
        auto earlier = store.find_reusable(plan.at(i).component, input_hashes[i]);
        if (!earlier) return std::unexpected(earlier.error());
        if (!*earlier) continue;
        auto run = store.run((*earlier)->run_id);
        if (!run) return std::unexpected(run.error());
        std::string by;
        if (*run)
            by = (*run)->trigger.empty() || (*run)->trigger == "cli" ? (*run)->host
                                                                     : (*run)->trigger;
        out[i] = Reusable{std::move(**earlier), std::move(by)};
    }
    return out;
}

std::vector<std::optional<versioning::BuildRecord>> adoptable_builds(
    const BuildPlan& plan, const std::vector<std::string>& input_hashes,
    const std::vector<versioning::BuildRecord>& orphans, bool reuse,
    std::vector<versioning::BuildRecord>& unwanted) {
    std::vector<std::optional<versioning::BuildRecord>> adopt(plan.size());
    for (const auto& o : orphans) {
        bool taken = false;
        for (std::size_t i = 0; reuse && !taken && i < plan.size(); ++i) {
            if (!adopt[i] && plan.at(i).runner == k_codebuild &&
                plan.at(i).component == o.component && input_hashes[i] == o.input_hash) {
                adopt[i] = o;
                taken = true;
            }
        }
        if (!taken) unwanted.push_back(o);
    }
    return adopt;
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

// How a build stands with the store: nothing yet, a reserved number, an earlier build to
// reuse, or an interrupted run's remote build to await.
enum class Taken { none, reserved, reusable, adopted };

// What the flow graph hands over to the executor. The graph runs its tasks on the
// executor's own thread (build_graph.cpp: inside start() and ended()), so a handoff is
// normally pushed by the thread that takes it, and wait() does not block while the inbox
// holds any: no wake-up is needed. A push from any other thread (a oneTBB worker, were
// there one) writes the eventfd when the queue stops being empty, and take() reads it
// before taking the queue, so such a handoff is never left without a wake-up.
class Inbox {
  public:
    Inbox() : m_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)), m_owner(std::this_thread::get_id()) {}
    ~Inbox() {
        if (m_fd >= 0) ::close(m_fd);
    }
    Inbox(const Inbox&) = delete;
    Inbox& operator=(const Inbox&) = delete;

    void push(const Handoff& h) {
        std::lock_guard lock(m_mutex);
        m_items.push_back(h);
        if (std::this_thread::get_id() != m_owner && !m_signalled) {
            m_signalled = true;
            const std::uint64_t one = 1;
            (void)!::write(m_fd, &one, sizeof one);
        }
    }
    // Swaps the queue with `into` (cleared first): two buffers take turns, and what is
    // pushed while the caller goes through `into` waits in the other.
    void take(std::vector<Handoff>& into) {
        into.clear();
        std::lock_guard lock(m_mutex);
        if (std::exchange(m_signalled, false)) {
            std::uint64_t count = 0;
            (void)!::read(m_fd, &count, sizeof count);
        }
        into.swap(m_items);
    }
    [[nodiscard]] bool empty() {
        std::lock_guard lock(m_mutex);
        return m_items.empty();
    }
    [[nodiscard]] int fd() const { return m_fd; }

  private:
    int m_fd;
    std::thread::id m_owner;  // the executor's
    std::mutex m_mutex;
    bool m_signalled = false;  // the eventfd holds a count take() has not read
    std::vector<Handoff> m_items;
};

class Run final : public RunnerEvents {
  public:
    Run(BuildPlan& plan, const std::vector<std::string>& hashes, versioning::VersionStore& store,
        const Runners& runners, BuildObserver& observer, const BuildSettings& settings)
        : m_plan(plan),
          m_store(store),
          m_runners(runners),
          m_observer(observer),
          m_s(settings),
          m_taken(plan.size(), Taken::none),
          m_reusable(plan.size()),
          m_rows(plan.size(), 0),
          m_is_pending(plan.size(), false),
          m_ahead_of(plan.size(), false),
          m_shared_env(shared_environment(settings)),
          m_graph(plan, {settings.jobs, settings.remote_jobs},
                  [this](const Handoff& h) { m_inbox.push(h); }) {
        m_report.builds.resize(plan.size());
        for (std::size_t i = 0; i < plan.size(); ++i) {
            m_report.builds[i].component = plan.at(i).component;
            m_report.builds[i].input_hash = hashes[i];
            if (i < m_s.adopt.size() && m_s.adopt[i]) adopt(i, *m_s.adopt[i]);
        }
        for (std::size_t r = 0; r < k_runners; ++r) {
            if (m_runners[r]) m_all_slots += r == k_local ? m_s.jobs : m_s.remote_jobs;
        }
    }

    common::Result<BuildReport> go() {
        m_observer.planned(m_plan.size());
        m_graph.start();
        while (m_done < m_plan.size()) {
            if (auto ok = take_handoffs(); !ok) return abort(ok.error());
            if (auto ok = top_up(); !ok) return abort(ok.error());
            if (m_done == m_plan.size()) break;
            if (auto ok = wait(); !ok) return abort(ok.error());
        }
        if (auto ok = flush(); !ok) return abort(ok.error());
        m_graph.wait();
        return std::move(m_report);
    }

    // --- what the runners report ------------------------------------------------------
    // A build runs. A remote one was queued until now (its runner may have waited for
    // CodeBuild's quota) and its id is written at once: a later run must find it.
    void started(std::size_t job, const versioning::BuildHandle& where) override {
        BuildOutcome& b = m_report.builds[job];
        b.handle = where;
        if (b.adopted) return;  // recorded as running by the run that started it
        if (!where.remote_id.empty()) b.started_at = m_s.now(), m_flush_now = true;
        defer(job);
    }

    void line(std::size_t job, std::string_view text) override { m_observer.line(job, text); }

    // A build ended: the store hears of it with the next batch, and the graph lets what
    // waited for it go ahead (or skips it). A lost build's record stays as it is (running),
    // for a later run to await.
    void finished(const Finished& f) override {
        BuildOutcome& b = m_report.builds[f.job];
        b.status = f.lost ? BuildStatus::interrupted : status_of(f);
        b.finished_at = m_s.now();
        if (f.kind == ExitKind::exited) b.exit_code = f.code;
        if (f.kind == ExitKind::signaled) b.exit_code = 128 + f.code;
        b.image_digest = f.image_digest;
        if (!f.lost) defer(f.job);
        m_observer.finished(f.job, b);
        const bool ok = b.status == BuildStatus::succeeded;
        if (!ok && m_s.fail_fast && !m_stopping) {
            stop();  // local builds finish; remote ones are stopped (they bill)
            if (m_runners[k_codebuild]) m_runners[k_codebuild]->cancel_all();
        }
        end(f.job, ok);
    }

  private:
    // --- what the graph hands over --------------------------------------------------------
    common::Result<void> take_handoffs() {
        m_inbox.take(m_handoffs);
        for (const Handoff& h : m_handoffs) {
            switch (h.kind) {
                case Handoff::queued:
                    m_queued.insert(key_of(h.build));
                    break;
                case Handoff::start:
                    if (auto ok = begin(h.build); !ok) return ok;
                    break;
                case Handoff::skip:
                    not_started(h.build);
                    break;
            }
        }
        return {};
    }

    // Orders queued builds as the graph does: longer chains first, then by name.
    using QueueKey = std::tuple<std::int64_t, std::size_t, std::size_t>;
    [[nodiscard]] QueueKey key_of(std::size_t i) const {
        return {-m_plan.at(i).chain, m_plan.at(i).name_rank, i};
    }

    // The graph gave build `i` a slot. A build without a number gets one first (take_batch):
    // a running build always has its number on disk.
    common::Result<void> begin(std::size_t i) {
        m_queued.erase(key_of(i));
        if (m_stopping || m_report.interrupted) {
            not_started(i);  // handed over just before the run stopped
            return {};
        }
        if (m_ahead_of[i]) {
            m_ahead_of[i] = false;
            --m_ahead;
        } else if (m_taken[i] == Taken::none) {
            if (auto ok = take_batch(i); !ok) {
                not_started(i);
                return ok;
            }
        }
        if (m_taken[i] == Taken::reusable) {
            reuse(i);
            return {};
        }
        return start(i);
    }

    // Build `i` has an outcome: the graph hears of it.
    void end(std::size_t i, bool succeeded) {
        ++m_done;
        m_graph.ended(i, succeeded);
    }

    // Nothing new starts: the graph hands every build still to come over as skipped.
    void stop() {
        m_stopping = true;
        m_graph.stop();
    }

    // While every slot is busy, a batching store takes the numbers of the next queued
    // builds before a free slot has to wait for them.
    common::Result<void> top_up() {
        if (!m_store.batches_writes() || m_stopping || m_report.interrupted) return {};
        if (m_ahead >= m_all_slots || m_queued.size() <= m_ahead) return {};
        return take_batch(std::nullopt);
    }

    // One commit: the writes still pending, the number (or reuse) of `first`, and on a
    // batching store numbers for the next queued builds as well. Nothing is kept of a batch
    // that failed.
    common::Result<void> take_batch(std::optional<std::size_t> first) {
        std::vector<std::size_t> wanted;
        if (first) wanted.push_back(*first);
        if (m_store.batches_writes()) {
            for (const auto& key : m_queued) {
                if (wanted.size() >= k_reserve_ahead) break;
                const std::size_t j = std::get<2>(key);
                if (m_taken[j] == Taken::none) wanted.push_back(j);
            }
        }
        std::vector<std::pair<Taken, versioning::BuildRecord>> taken;
        auto written = m_store.batch([&]() -> common::Result<void> {
            if (auto ok = write_pending(); !ok) return ok;
            for (std::size_t j : wanted) {
                auto took = take(j);
                if (!took) return std::unexpected(took.error());
                taken.push_back(std::move(*took));
            }
            return {};
        });
        if (!written) return written;
        clear_pending();
        for (std::size_t k = 0; k < wanted.size(); ++k) {
            const std::size_t j = wanted[k];
            if (!first || j != *first) m_ahead_of[j] = true, ++m_ahead;
            m_taken[j] = taken[k].first;
            if (taken[k].first == Taken::reusable) {
                m_reusable[j] = std::move(taken[k].second);
            } else {
                m_report.builds[j].build_number = taken[k].second.build_number;
                m_report.builds[j].image_uri = taken[k].second.image_uri;
                m_report.builds[j].log_path = taken[k].second.log_path;
                m_rows[j] = taken[k].second.row;
            }
        }
        return {};
    }

    // An earlier build to reuse (settings.reusable), or a newly reserved number (the
    // build is then queued).
    common::Result<std::pair<Taken, versioning::BuildRecord>> take(std::size_t j) {
        const BuildOutcome& b = m_report.builds[j];
        if (m_s.reuse && j < m_s.reusable.size() && m_s.reusable[j])
            return std::pair{Taken::reusable, m_s.reusable[j]->build};
        auto reserved = m_store.reserve_build(
            {b.component, m_s.commit, b.input_hash, m_s.run_id, m_s.now(),
             m_s.log_dir + "/" + b.component + ".log", m_s.shareable},
            [&](std::int64_t n) {
                auto uri = render_image_uri(m_s.image,
                                            {b.component, n, m_s.commit, m_s.env, m_s.timestamp});
                return uri ? *uri : std::string();
            });
        if (!reserved) return std::unexpected(reserved.error());
        return std::pair{Taken::reserved, std::move(*reserved)};
    }

    // An interrupted run's remote build of the same inputs: its number and image are this
    // run's, and the CodeBuild runner follows it instead of starting another.
    void adopt(std::size_t i, const versioning::BuildRecord& earlier) {
        BuildOutcome& b = m_report.builds[i];
        m_taken[i] = Taken::adopted;
        b.build_number = earlier.build_number;
        b.image_uri = earlier.image_uri;
        b.log_path = earlier.log_path;
        b.handle = earlier.handle;
        b.adopted = true;
    }

    common::Result<void> start(std::size_t i) {
        BuildOutcome& b = m_report.builds[i];
        const PlannedBuild& p = m_plan.at(i);
        BuildRunner* runner = m_runners[p.runner];
        b.status = BuildStatus::running;
        b.started_at = m_s.now();  // the store hears of it once the runner says it runs
        m_observer.started(i, b);
        Command c{p.command,
                  build_environment(m_shared_env, b),
                  m_s.repo_root,
                  b.log_path,
                  m_observer.wants_lines(),
                  std::chrono::duration_cast<std::chrono::milliseconds>(p.timeout),
                  b.component,
                  b.handle.remote_id,
                  m_s.run_id + ":" + b.component + ":1"};
        if (!runner) {
            return common::fail(common::ErrorCode::usage,
                                "no runner for the build of '" + b.component + "'");
        }
        return runner->start(i, c, *this);
    }

    void reuse(std::size_t i) {
        BuildOutcome& b = m_report.builds[i];
        const versioning::BuildRecord& earlier = *m_reusable[i];
        b.status = BuildStatus::reused;
        b.build_number = earlier.build_number;
        b.image_uri = earlier.image_uri;
        b.started_at = b.finished_at = m_s.now();
        b.log_path = earlier.log_path;
        b.image_digest = earlier.image_digest;
        b.reused_from = m_s.reusable[i]->built_by;
        defer(i);
        m_observer.finished(i, b);
        end(i, true);
    }

    // A build that will not run: skipped (a dependency failed, --fail-fast), or cancelled
    // (Ctrl-C, the run failed). One that was reserved ahead keeps its number.
    void not_started(std::size_t j) {
        m_queued.erase(key_of(j));
        if (m_ahead_of[j]) m_ahead_of[j] = false, --m_ahead;
        BuildOutcome& b = m_report.builds[j];
        b.status =
            m_report.interrupted || m_aborting ? BuildStatus::cancelled : BuildStatus::skipped;
        b.started_at = b.finished_at = m_s.now();
        if (!b.adopted) defer(j);
        m_observer.finished(j, b);
        end(j, false);
    }

    // --- waiting --------------------------------------------------------------------------
    // One poll over the interrupt pipe, the graph's handoffs and every runner's descriptors,
    // until the nearest of the write deadline, the display tick and the runners' deadlines;
    // then each runner handles what is ready.
    common::Result<void> wait() {
        std::vector<Watched>& fds = m_fds;
        fds.clear();
        if (m_s.interrupt_fd >= 0) fds.push_back({m_s.interrupt_fd, false});
        fds.push_back({m_inbox.fd(), false});
        std::array<std::size_t, k_runners + 1> first{};
        Deadline until = write_deadline();
        // A handoff made on this thread since the last take (a reused or skipped build ended,
        // and the graph handed over what waited for it) has no wake-up: do not block.
        if (!m_inbox.empty()) until = Clock::now();
        const auto tick = m_observer.tick_interval();
        if (tick.count() > 0) until = earliest(until, Clock::now() + tick);
        for (std::size_t r = 0; r < k_runners; ++r) {
            first[r] = fds.size();
            if (m_runners[r]) until = earliest(until, m_runners[r]->watch(fds));
        }
        first[k_runners] = fds.size();
        m_observer.flush();
        if (auto ok = poll(fds, m_pollfds, until); !ok) return ok;
        if (tick.count() > 0) m_observer.tick();
        if (m_s.interrupt_fd >= 0 && fds[0].ready) interrupt();
        for (std::size_t r = 0; r < k_runners; ++r) {
            if (!m_runners[r]) continue;
            std::span<const Watched> mine(fds.data() + first[r], first[r + 1] - first[r]);
            if (auto ok = m_runners[r]->collect(mine, *this); !ok) return ok;
        }
        const Deadline written_by = write_deadline();
        if (std::exchange(m_flush_now, false) || (written_by && Clock::now() >= *written_by))
            return flush();
        return {};
    }

    using Clock = std::chrono::steady_clock;

    static Deadline earliest(Deadline a, Deadline b) {
        if (!a) return b;
        if (!b) return a;
        return std::min(*a, *b);
    }

    static common::Result<void> poll(std::vector<Watched>& fds, std::vector<pollfd>& p,
                                     Deadline until) {
        p.clear();
        for (const auto& w : fds) p.push_back({w.fd, POLLIN, 0});
        int timeout = -1;
        if (until) {
            const auto ms =
                std::chrono::duration_cast<std::chrono::milliseconds>(*until - Clock::now());
            timeout = static_cast<int>(std::clamp<long long>(ms.count() + 1, 0, 60000));
        }
        if (::poll(p.data(), p.size(), timeout) < 0 && errno != EINTR) {
            return common::fail(common::ErrorCode::external,
                                std::string("poll: ") + std::strerror(errno));
        }
        for (std::size_t k = 0; k < p.size(); ++k) fds[k].ready = p[k].revents != 0;
        return {};
    }

    // Ctrl-C: stop everything; what runs ends as cancelled through the runners.
    void interrupt() {
        char byte;
        (void)!::read(m_s.interrupt_fd, &byte, 1);
        if (m_report.interrupted) return;
        m_report.interrupted = true;
        stop();
        cancel_runners();
    }

    void cancel_runners() {
        for (auto* r : m_runners) {
            if (r) r->cancel_all();
        }
    }

    // --- writing --------------------------------------------------------------------------
    // Starts, ends and builds without a number of their own are written in batches: with
    // the next reservation, or once the oldest has waited k_write_delay, or at the end.
    void defer(std::size_t i) {
        if (m_is_pending[i]) return;
        if (m_pending.empty()) m_oldest_pending = Clock::now();
        m_is_pending[i] = true;
        m_pending.push_back(i);
    }

    [[nodiscard]] Deadline write_deadline() const {
        if (m_pending.empty() || m_aborting) return std::nullopt;  // abort() writes once, last
        return m_oldest_pending + k_write_delay;
    }

    common::Result<void> flush() {
        if (m_pending.empty()) return {};
        if (auto ok = m_store.batch([&] { return write_pending(); }); !ok) return ok;
        clear_pending();
        return {};
    }

    // Each pending build as it stands now: queued or running builds their start (with
    // where they run), ended ones their end (with their start), the rest a record of their
    // own.
    common::Result<void> write_pending() {
        for (std::size_t i : m_pending) {
            const BuildOutcome& b = m_report.builds[i];
            common::Result<void> ok;
            if (m_taken[i] == Taken::none || m_taken[i] == Taken::reusable) {
                ok = m_store.record_build(record_of(b));
            } else if (b.status == BuildStatus::running) {
                ok = m_store.start_build(b.component, b.build_number, b.started_at, where(i));
            } else {
                versioning::BuildEnd end{b.status, b.exit_code, b.finished_at, b.started_at};
                end.image_digest = b.image_digest;
                end.row = m_rows[i];
                ok = m_store.finish_build(b.component, b.build_number, end);
            }
            if (!ok) return ok;
        }
        return {};
    }

    // A local build's process group with its leader's start time, read now: only builds
    // still running when their start is written pay for it. A leader already gone leaves
    // nothing to record (its end is about to be).
    versioning::BuildHandle where(std::size_t i) {
        versioning::BuildHandle& h = m_report.builds[i].handle;
        if (h.pgid > 0 && h.pgid_start == 0) {
            h.pgid_start = common::process_start(h.pgid);
            if (h.pgid_start < 0) h = {};
        }
        return h;
    }

    void clear_pending() {
        for (std::size_t i : m_pending) m_is_pending[i] = false;
        m_pending.clear();
    }

    versioning::BuildRecord record_of(const BuildOutcome& b) const {
        return {b.component, b.build_number, m_s.commit,    b.input_hash, b.image_uri, b.status,
                b.exit_code, b.started_at,   b.finished_at, b.log_path,   m_s.run_id};
    }

    // A store or runner failure: cancel what runs, let every build reach an outcome (the
    // graph hands the rest over as skipped), try once more to write how each ended, and
    // report the failure.
    std::unexpected<common::Error> abort(const common::Error& error) {
        m_aborting = true;
        stop();
        cancel_runners();
        while (m_done < m_plan.size()) {
            std::vector<Handoff> handed;
            m_inbox.take(handed);
            for (const Handoff& h : handed) {
                if (h.kind != Handoff::queued) not_started(h.build);
            }
            if (m_done == m_plan.size()) break;
            (void)wait();  // the runners report their ends; a write that fails again waits
        }
        (void)flush();  // the store may have just failed; this may fail too
        m_graph.wait();
        return std::unexpected(error);
    }

    BuildPlan& m_plan;
    versioning::VersionStore& m_store;
    const Runners& m_runners;
    BuildObserver& m_observer;
    const BuildSettings& m_s;
    BuildReport m_report;
    std::size_t m_all_slots = 0;  // of the runners there are
    bool m_stopping = false;
    bool m_aborting = false;
    bool m_flush_now = false;
    std::vector<Taken> m_taken;
    std::vector<std::optional<versioning::BuildRecord>> m_reusable;
    std::vector<std::int64_t> m_rows;    // the store's row of each build reserved here
    std::vector<std::size_t> m_pending;  // builds whose latest state is not written yet
    std::vector<bool> m_is_pending;
    std::set<QueueKey> m_queued;   // waiting for a slot, as the graph said (for take_batch)
    std::vector<bool> m_ahead_of;  // queued builds whose numbers were taken ahead
    std::size_t m_ahead = 0;
    std::shared_ptr<const std::vector<std::string>> m_shared_env;  // every build's
    Clock::time_point m_oldest_pending;
    std::size_t m_done = 0;  // builds with an outcome
    Inbox m_inbox;
    std::vector<Handoff> m_handoffs;  // the ones take_handoffs() goes through
    std::vector<Watched> m_fds;       // wait()'s, kept for their capacity
    std::vector<pollfd> m_pollfds;
    BuildGraph m_graph;  // last: its nodes report into the members above
};

}  // namespace

common::Result<BuildReport> run_builds(BuildPlan& plan,
                                       const std::vector<std::string>& input_hashes,
                                       versioning::VersionStore& store, const Runners& runners,
                                       BuildObserver& observer, const BuildSettings& settings) {
    auto report = Run(plan, input_hashes, store, runners, observer, settings).go();
    observer.flush();
    return report;
}

}  // namespace components
