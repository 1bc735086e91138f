// The scheduler: a plan's oneTBB flow graph decides which build starts, when, and on which
// runner's slot; here a test plays the executor (it takes the handoffs and says when a build
// ended), with no processes and no store.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>

#include "components/build_graph.hpp"

namespace {

using components::BuildGraph;
using components::BuildPlan;
using components::Handoff;

const char* k_manifest = R"(
image: {repository: repo}
components:
  base: {paths: [base/], kind: library, build: make base}
  nobuild: {paths: [nb/], kind: library, depends_on: [base]}
  api: {paths: [api/], depends_on: [nobuild], parameter: A, build: make api}
  worker: {paths: [worker/], depends_on: [base], parameter: W, build: make worker}
  leaf: {paths: [leaf/], depends_on: [api], parameter: L, build: make leaf}
  alone: {paths: [alone/], parameter: X, build: make alone}
)";

// Takes the graph's handoffs (from whatever thread) and hands them to the test in order.
class Executor {
  public:
    void push(const Handoff& h) {
        std::lock_guard lock(m_mutex);
        if (h.kind != Handoff::queued) m_got.push_back(h);
        m_changed.notify_all();
    }
    // The next start or skip, "start name" / "skip name"; "" if none comes within `within`.
    std::string next(const BuildPlan& plan,
                     std::chrono::milliseconds within = std::chrono::seconds(10)) {
        std::unique_lock lock(m_mutex);
        if (!m_changed.wait_for(lock, within, [&] { return !m_got.empty(); })) return "";
        Handoff h = m_got.front();
        m_got.pop_front();
        last = h.build;
        return (h.kind == Handoff::start ? "start " : "skip ") + plan.at(h.build).component;
    }
    std::size_t last = 0;

  private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<Handoff> m_got;
};

struct Fixture {
    components::Manifest manifest = *components::parse_manifest(k_manifest, "m.yml");
    components::ComponentGraph graph = *components::build_graph(manifest);
    BuildPlan plan = BuildPlan::make(manifest, graph, manifest.component_names());
    Executor executor;
    std::size_t index_of(const std::string& name) const {
        for (std::size_t i = 0; i < plan.size(); ++i) {
            if (plan.at(i).component == name) return i;
        }
        return SIZE_MAX;
    }
    BuildGraph make(std::array<std::size_t, components::k_runners> slots) {
        return BuildGraph(plan, slots, [this](const Handoff& h) { executor.push(h); });
    }
};

constexpr auto k_quiet = std::chrono::milliseconds(100);

// One slot: whenever it frees, the ready build heading the longest chain starts (api heads
// api -> leaf), ties by name; dependents wait for what they depend on.
TEST(BuildGraph, TheMostUrgentReadyBuildTakesAFreeSlot) {
    Fixture f;
    auto g = f.make({1, 1});
    g.start();
    std::vector<std::string> order;
    for (int i = 0; i < 5; ++i) {
        order.push_back(f.executor.next(f.plan));
        EXPECT_EQ(f.executor.next(f.plan, k_quiet), "");  // one at a time
        g.ended(f.executor.last, true);
    }
    EXPECT_EQ(order, (std::vector<std::string>{"start base", "start api", "start alone",
                                               "start leaf", "start worker"}));
}

TEST(BuildGraph, NeverMoreThanARunnersSlotsAtOnce) {
    Fixture f;
    auto g = f.make({2, 1});
    g.start();
    EXPECT_EQ(f.executor.next(f.plan), "start base");
    EXPECT_EQ(f.executor.next(f.plan), "start alone");
    EXPECT_EQ(f.executor.next(f.plan, k_quiet), "");
    g.ended(f.index_of("alone"), true);
    EXPECT_EQ(f.executor.next(f.plan, k_quiet), "");  // the rest waits for base
    g.ended(f.index_of("base"), true);
    EXPECT_EQ(f.executor.next(f.plan), "start api");
    EXPECT_EQ(f.executor.next(f.plan), "start worker");
    EXPECT_EQ(f.executor.next(f.plan, k_quiet), "");
    g.ended(f.index_of("worker"), true);
    g.ended(f.index_of("api"), true);
    EXPECT_EQ(f.executor.next(f.plan), "start leaf");
    g.ended(f.index_of("leaf"), true);
}

// A runner's slots are its own: a remote build does not wait for a local slot.
TEST(BuildGraph, EachRunnerHasItsOwnSlots) {
    Fixture f;
    f.manifest.codebuild.emplace().project = "p";
    for (auto& c : f.manifest.components) {
        if (c.name == "alone") c.remote = "codebuild";
    }
    f.plan = BuildPlan::make(f.manifest, f.graph, f.manifest.component_names());
    auto g = f.make({1, 1});
    g.start();
    std::set<std::string> first{f.executor.next(f.plan), f.executor.next(f.plan)};
    EXPECT_EQ(first, (std::set<std::string>{"start base", "start alone"}));
    g.ended(f.index_of("alone"), true);
    g.ended(f.index_of("base"), true);
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(f.executor.next(f.plan).starts_with("start"));
        g.ended(f.executor.last, true);
    }
}

// A failure skips what waits on it, down the graph (leaf through api); independent work
// goes on. Skips take no slot.
TEST(BuildGraph, AFailureSkipsEverythingThatWaitsOnIt) {
    // base fails: api and worker (waiting on it) and leaf (on them) are skipped, leaf only
    // after both; alone, waiting on nothing, runs whenever a slot lets it -- concurrently
    // with base and the skips, so its place among them is not fixed.
    Fixture f;
    auto g = f.make({1, 1});
    g.start();
    std::vector<std::string> order;
    for (int i = 0; i < 5; ++i) {
        order.push_back(f.executor.next(f.plan));
        g.ended(f.executor.last, order.back() == "start alone");
    }
    EXPECT_EQ(std::set<std::string>(order.begin(), order.end()),
              (std::set<std::string>{"start base", "skip api", "skip worker", "skip leaf",
                                     "start alone"}));
    const auto at = [&](const char* what) { return std::find(order.begin(), order.end(), what); };
    EXPECT_GT(at("skip api"), at("start base"));
    EXPECT_GT(at("skip worker"), at("start base"));
    EXPECT_GT(at("skip leaf"), at("skip api"));
    EXPECT_GT(at("skip leaf"), at("skip worker"));
}

// Once stopped, nothing starts: what is queued and what becomes ready is handed over as
// skipped.
TEST(BuildGraph, StopSkipsWhatHasNotStarted) {
    Fixture f;
    auto g = f.make({1, 1});
    g.start();
    EXPECT_EQ(f.executor.next(f.plan), "start base");
    g.stop();
    g.ended(f.index_of("base"), true);
    std::set<std::string> rest;
    for (int i = 0; i < 4; ++i) {
        rest.insert(f.executor.next(f.plan));
        g.ended(f.executor.last, false);
    }
    EXPECT_EQ(rest, (std::set<std::string>{"skip alone", "skip api", "skip worker", "skip leaf"}));
}

}  // namespace
