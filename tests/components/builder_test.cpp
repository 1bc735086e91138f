// The Builder's scheduling with a fake runner (commands "finish" in the order the test
// says) on a real SQLite store: the -j limit, skips, fail-fast, reuse and interrupts.
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <map>
#include <utility>

#include <unistd.h>

#include "components/builder.hpp"
#include "support/forwarding_store.hpp"
#include "support/git_repo.hpp"

namespace {

using versioning::BuildStatus;

// Finishes commands in start order, one per collect; a command's exit code comes from
// `exit_codes`. An interrupt is a byte on a real pipe, as Ctrl-C is.
class FakeRunner final : public components::BuildRunner {
  public:
    FakeRunner() {
        int fds[2];
        EXPECT_EQ(::pipe(fds), 0);
        interrupt_read = fds[0], m_interrupt_write = fds[1];
    }
    ~FakeRunner() override { ::close(interrupt_read), ::close(m_interrupt_write); }

    std::map<std::string, int> exit_codes;  // by shell command
    std::size_t max_running = 0;
    std::vector<std::string> started;
    std::vector<std::string> envs;  // SLIPWAY_COMPONENT of each start
    int interrupt_after = -1;       // interrupt once this many commands started
    int interrupt_read = -1;
    std::chrono::milliseconds hold{0};  // finish nothing for this long after the first start
    std::function<void()> after_hold;   // runs once the hold is over
    bool cancelled = false;

    common::Result<void> start(std::size_t job, const components::Command& c,
                               components::RunnerEvents& events) override {
        m_queue.push_back({job, c.shell_command});
        started.push_back(c.shell_command);
        max_running = std::max(max_running, m_queue.size());
        m_env = c.env.all();
        events.started(job, {});
        if (hold.count() > 0 && !m_hold_until) m_hold_until = Clock::now() + hold;
        if (interrupt_after >= 0 && started.size() == static_cast<std::size_t>(interrupt_after))
            (void)!::write(m_interrupt_write, "x", 1);
        return {};
    }
    components::Deadline watch(std::vector<components::Watched>&) override {
        if (m_queue.empty()) return std::nullopt;
        if (m_hold_until && Clock::now() < *m_hold_until) return *m_hold_until;
        return Clock::now();
    }
    common::Result<void> collect(std::span<const components::Watched>,
                                 components::RunnerEvents& events) override {
        if (m_queue.empty() || (m_hold_until && Clock::now() < *m_hold_until)) return {};
        if (after_hold) std::exchange(after_hold, nullptr)();
        auto [job, command] = m_queue.front();
        m_queue.pop_front();
        if (cancelled) {
            events.finished({job, components::ExitKind::cancelled, 0});
        } else {
            events.finished({job, components::ExitKind::exited, exit_codes[command]});
        }
        return {};
    }
    void cancel_all() override { cancelled = true; }
    [[nodiscard]] std::size_t running() const override { return m_queue.size(); }
    const std::vector<std::string>& last_env() const { return m_env; }

  private:
    using Clock = std::chrono::steady_clock;
    std::deque<std::pair<std::size_t, std::string>> m_queue;
    std::vector<std::string> m_env;
    std::optional<Clock::time_point> m_hold_until;
    int m_interrupt_write = -1;
};

// The real store, except that reservations fail once `reservations_left` is spent.
class FailingStore final : public support::ForwardingStore {
  public:
    using ForwardingStore::ForwardingStore;
    int reservations_left = 1000;

    common::Result<versioning::BuildRecord> reserve_build(
        const versioning::BuildStart& s,
        const std::function<std::string(std::int64_t)>& image) override {
        if (reservations_left-- <= 0)
            return common::fail(common::ErrorCode::external, "the store went away");
        return m.reserve_build(s, image);
    }
};

class NullObserver final : public components::BuildObserver {
  public:
    void started(std::size_t, const components::BuildOutcome&) override {}
    void finished(std::size_t, const components::BuildOutcome& b) override {
        order.push_back(b.component);
    }
    void line(std::size_t, std::string_view) override {}
    std::vector<std::string> order;
};

class Builder : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string yaml = "image: {repository: r}\ncomponents:\n";
        for (int i = 0; i < 6; ++i) {
            yaml += "  c" + std::to_string(i) + ": {paths: [c" + std::to_string(i) +
                    "/], parameter: P" + std::to_string(i) + ", build: 'build " +
                    std::to_string(i) + "'" + (i >= 4 ? ", depends_on: [c0]" : "") + "}\n";
        }
        manifest = *components::parse_manifest(yaml, "m.yml");
        graph = *components::build_graph(manifest);
        store = std::move(*versioning::open_store("sqlite:state.db", dir.path().string()));
        settings.run_id = "run-1";
        settings.commit = "0123456789abcdef0123456789abcdef01234567";
        settings.repo_root = dir.path().string();
        settings.log_dir = dir.path().string();
        settings.image = manifest.image;
        settings.jobs = 2;
        settings.interrupt_fd = runner.interrupt_read;
        settings.now = [] { return 1000; };
    }
    components::BuildReport run(std::vector<std::string> hashes = {}) {
        auto plan = components::BuildPlan::make(manifest, graph, manifest.component_names());
        if (hashes.empty()) hashes.assign(plan.size(), "h");
        settings.reusable = *components::find_reusable_builds(plan, hashes, *store);
        auto report = components::run_builds(plan, hashes, *store, runners, observer, settings);
        EXPECT_TRUE(report) << report.error().message;
        return *report;
    }
    BuildStatus status_of(const components::BuildReport& r, const std::string& name) {
        for (const auto& b : r.builds) {
            if (b.component == name) return b.status;
        }
        return BuildStatus::running;
    }

    support::TempDir dir;
    components::Manifest manifest;
    components::ComponentGraph graph;
    std::unique_ptr<versioning::VersionStore> store;
    components::BuildSettings settings;
    FakeRunner runner;
    components::Runners runners{&runner, nullptr};
    NullObserver observer;
};

TEST_F(Builder, NeverRunsMoreThanJobsAtOnce) {
    auto r = run();
    EXPECT_EQ(runner.max_running, 2u);
    EXPECT_TRUE(r.all_succeeded());
    EXPECT_EQ(runner.started.size(), 6u);
    EXPECT_EQ(runner.started[0], "build 0");  // c0 heads the longest chain
}

TEST_F(Builder, EveryBuildGetsItsNumberImageAndEnvironment) {
    run();
    auto history = *store->builds_of("c3", 5);
    ASSERT_EQ(history.size(), 1u);
    EXPECT_EQ(history[0].build_number, 1);
    EXPECT_EQ(history[0].status, BuildStatus::succeeded);
    EXPECT_EQ(history[0].image_uri, "r:c3-1");
    EXPECT_EQ(history[0].run_id, "run-1");
    const auto& env = runner.last_env();
    for (const char* name :
         {"SLIPWAY_COMPONENT=", "SLIPWAY_BUILD_NUMBER=", "SLIPWAY_IMAGE_URI=", "SLIPWAY_COMMIT=",
          "SLIPWAY_SHORT_COMMIT=0123456789ab", "SLIPWAY_REPO_ROOT="}) {
        EXPECT_TRUE(std::any_of(env.begin(), env.end(), [&](auto& e) {
            return e.starts_with(name);
        })) << name;
    }
}

TEST_F(Builder, AFailureSkipsDependentsAndIndependentWorkGoesOn) {
    runner.exit_codes["build 0"] = 2;
    auto r = run();
    EXPECT_FALSE(r.all_succeeded());
    EXPECT_EQ(status_of(r, "c0"), BuildStatus::failed);
    EXPECT_EQ(status_of(r, "c4"), BuildStatus::skipped);
    EXPECT_EQ(status_of(r, "c5"), BuildStatus::skipped);
    EXPECT_EQ(status_of(r, "c1"), BuildStatus::succeeded);
    EXPECT_EQ((*store->builds_of("c0", 1))[0].exit_code, 2);
    EXPECT_EQ((*store->builds_of("c4", 1))[0].status, BuildStatus::skipped);
    EXPECT_EQ(*store->peek_next_number("c4"), 1);  // a skipped build takes no number
}

TEST_F(Builder, FailFastStartsNothingNew) {
    runner.exit_codes["build 0"] = 1;
    settings.fail_fast = true;
    auto r = run();
    EXPECT_EQ(runner.started.size(), 2u);  // c0 and the one started beside it
    EXPECT_EQ(std::count_if(r.builds.begin(), r.builds.end(),
                            [](auto& b) { return b.status == BuildStatus::skipped; }),
              4);
}

TEST_F(Builder, SameInputsAreReusedUnlessDisabled) {
    run();
    runner.started.clear();
    auto again = run();
    EXPECT_TRUE(runner.started.empty());
    EXPECT_EQ(status_of(again, "c2"), BuildStatus::reused);
    EXPECT_EQ(again.builds[0].build_number, 1);
    EXPECT_TRUE(again.all_succeeded());
    settings.reuse = false;
    auto forced = run();
    EXPECT_EQ(runner.started.size(), 6u);
    EXPECT_EQ((*store->builds_of("c2", 1))[0].build_number, 2);
    EXPECT_EQ(status_of(forced, "c2"), BuildStatus::succeeded);
}

TEST_F(Builder, AnInterruptCancelsRunningAndPendingBuilds) {
    runner.interrupt_after = 2;
    auto r = run();
    EXPECT_TRUE(r.interrupted);
    EXPECT_FALSE(r.all_succeeded());
    EXPECT_EQ(runner.started.size(), 2u);
    for (const auto& b : r.builds) EXPECT_EQ(b.status, BuildStatus::cancelled) << b.component;
    EXPECT_EQ((*store->builds_of("c0", 1))[0].status, BuildStatus::cancelled);
}

// Builds that were queued with a number when the run stopped keep the number; builds that
// were never ready take none.
TEST_F(Builder, QueuedBuildsKeepTheirNumbersWhenARunStops) {
    runner.interrupt_after = 2;
    auto r = run();
    EXPECT_EQ(runner.started.size(), 2u);
    for (const char* c : {"c1", "c2", "c3"}) {  // ready beside c0: reserved ahead
        auto b = (*store->builds_of(c, 1))[0];
        EXPECT_EQ(b.status, BuildStatus::cancelled) << c;
        EXPECT_EQ(b.build_number, 1) << c;
        EXPECT_EQ(*store->peek_next_number(c), 2) << c;
    }
    for (const char* c : {"c4", "c5"}) {  // waited for c0
        EXPECT_EQ((*store->builds_of(c, 1))[0].status, BuildStatus::cancelled) << c;
        EXPECT_EQ(*store->peek_next_number(c), 1) << c;
    }
}

// Starts and ends are written in batches, but none waits longer than the write delay: while
// no build ends for longer than that, the store hears of the running builds (queued ones
// stay queued).
TEST_F(Builder, StartsReachTheStoreByTheWriteDeadline) {
    runner.hold = std::chrono::milliseconds(300);
    runner.after_hold = [&] {
        auto status = [&](const char* c) { return (*store->builds_of(c, 1))[0].status; };
        EXPECT_EQ(status("c0"), BuildStatus::running);
        EXPECT_EQ(status("c1"), BuildStatus::running);
        EXPECT_EQ(status("c2"), BuildStatus::queued);
    };
    auto r = run();
    EXPECT_FALSE(runner.after_hold);  // it ran
    EXPECT_TRUE(r.all_succeeded());
    EXPECT_EQ((*store->builds_of("c2", 1))[0].status, BuildStatus::succeeded);
}

// A store failure mid-run stops the run with the error; what ran and what never will are
// still recorded (one last attempt), so nothing is left queued or running.
TEST_F(Builder, AStoreFailureStopsTheRunAndRecordsWhatItCan) {
    FailingStore failing(*store);
    failing.reservations_left = 4;  // c0 and the ready c1..c3; c4 and c5 get none
    auto plan = components::BuildPlan::make(manifest, graph, manifest.component_names());
    std::vector<std::string> hashes(plan.size(), "h");
    auto report = components::run_builds(plan, hashes, failing, runners, observer, settings);
    ASSERT_FALSE(report);
    EXPECT_EQ(report.error().message, "the store went away");
    EXPECT_EQ((*store->builds_of("c0", 1))[0].status, BuildStatus::succeeded);
    for (const char* c : {"c1", "c2", "c3", "c4", "c5"}) {
        auto history = *store->builds_of(c, 1);
        ASSERT_EQ(history.size(), 1u) << c;
        EXPECT_NE(history[0].status, BuildStatus::queued) << c;
        EXPECT_NE(history[0].status, BuildStatus::running) << c;
    }
    EXPECT_EQ(*store->peek_next_number("c4"), 1);
}

}  // namespace
