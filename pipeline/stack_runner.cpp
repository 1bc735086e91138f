// The executor of an environment's stack plan (see stacks.hpp), on the builds' scheduler
// (components/build_graph.hpp): the graph hands each node over to start or to skip (a wait of
// it did not deploy, or the command was interrupted) and at most k_max_parallel through its
// limiter at once; its bodies only post to this thread's inbox and return. This thread starts
// a node's deploy on a runner thread of its own (a stack deploy waits on CloudFormation for
// minutes), the runner posts its end back, and the graph hears of every end. So the graph
// alone decides readiness and what a failure skips; TBB threads never block and never touch
// the store; each runner has its own store connection and AWS clients.
#include <fmt/format.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "components/build_graph.hpp"
#include "pipeline/deploys.hpp"
#include "pipeline/stacks.hpp"

namespace pipeline {

using common::ErrorCode;

namespace {

// At most this many stacks deploy at once (CloudFormation's own limits are per account and
// region, far above this).
constexpr std::size_t k_max_parallel = 16;

// The observer's reporter shared by parallel deploys: one call at a time, and when several
// stacks deploy, each block of lines headed by the stack it is about.
class SharedReporter {
  public:
    SharedReporter(deploy::DeployReporter& inner, bool several)
        : m_inner(inner), m_several(several) {}

    template <typename F>
    auto with(const std::string& label, F&& call) {
        std::lock_guard lock(m_mutex);
        if (m_several && label != m_last) {
            m_inner.note("[" + label + "]");
            m_last = label;
        }
        return call(m_inner);
    }
    [[nodiscard]] bool several() const { return m_several; }

  private:
    deploy::DeployReporter& m_inner;
    bool m_several;
    std::mutex m_mutex;
    std::string m_last;
};

// One stack's view of the shared reporter.
class StackReporter final : public deploy::DeployReporter {
  public:
    StackReporter(SharedReporter& shared, std::string label)
        : m_shared(shared), m_label(std::move(label)) {}
    void begin(const deploy::DeployPlan& plan) override {
        m_shared.with(m_label, [&](auto& r) { r.begin(plan); });
    }
    void note(const std::string& line) override {
        m_shared.with(m_label, [&](auto& r) { r.note(line); });
    }
    void preview(const deploy::Preview& p) override {
        m_shared.with(m_label, [&](auto& r) { r.preview(p); });
    }
    bool confirm(const deploy::Preview& p) override {
        return m_shared.with(m_label, [&](auto& r) { return r.confirm(p); });
    }
    void event(const deploy::StackEvent& e) override {
        m_shared.with(m_label, [&](auto& r) { r.event(e); });
    }
    void waiting(const std::string& status, std::chrono::milliseconds elapsed) override {
        if (m_shared.several()) return;  // one status line cannot speak for several stacks
        m_shared.with(m_label, [&](auto& r) { r.waiting(status, elapsed); });
    }

  private:
    SharedReporter& m_shared;
    std::string m_label;
};

// Parameters read from other stacks' outputs, from those stacks as they are now (in the same
// region and account), then the plan checked again with their values.
common::Result<void> resolve_outputs(deploy::DeployPlan& plan, deploy::CloudFormationApi& cf) {
    std::map<std::string, std::map<std::string, std::string>> outputs;  // by stack
    for (const auto& [name, p] : plan.parameters.outputs) {
        auto found = outputs.find(p.stack);
        if (found == outputs.end()) {
            auto stack = cf.describe_stack(p.stack);
            if (!stack)
                return std::unexpected(
                    stack.error().with_context("reading the outputs of stack " + p.stack));
            if (!*stack)
                return common::fail(ErrorCode::failed, p.pos.str() + ": parameter " + name +
                                                           " reads output " + p.output +
                                                           " of stack " + p.stack +
                                                           ", which does not exist here");
            found = outputs.emplace(p.stack, (*stack)->outputs).first;
        }
        auto value = found->second.find(p.output);
        if (value == found->second.end())
            return common::fail(ErrorCode::failed, p.pos.str() + ": parameter " + name +
                                                       " reads output " + p.output + " of stack " +
                                                       p.stack + ", which has no such output");
        plan.parameters.values[name] = value->second;
    }
    plan.parameters.outputs.clear();
    if (auto ok = deploy::validate_plan(plan); !ok) return std::unexpected(ok.error());
    return {};
}

class StackExecutor {
  public:
    StackExecutor(const components::Environment& env, EnvironmentPlan& env_plan,
                  const DeploySettings& settings, Services& s, Observer& o)
        : m_env(env),
          m_plan(env_plan.plan),
          m_deploys(env_plan.deploys),
          m_settings(settings),
          m_s(s),
          m_reporter(o.deploy(), env_plan.plan.size() > 1),
          m_runs(env_plan.plan.size()),
          m_cause(env_plan.plan.size()),
          m_ok(env_plan.plan.size(), false),
          m_graph(deploy::schedule_of(env_plan.plan), {k_max_parallel, 1},
                  [this](const components::Handoff& h) {
                      if (h.kind != components::Handoff::queued) post({h.kind, h.build, {}});
                  }) {}

    ~StackExecutor() {
        for (auto& t : m_threads) {
            if (t.joinable()) t.join();
        }
    }

    EnvironmentRun run() {
        for (std::size_t i = 0; i < m_plan.size(); ++i) {
            m_runs[i] = describe(i);
            m_cause[i] = i;
        }
        m_graph.start();
        for (std::size_t ended = 0; ended < m_plan.size(); ++ended) {
            Event e = take();
            if (e.kind == Event::start && m_s.clock.interrupted()) m_graph.stop();
            if (e.kind == Event::start && !m_s.clock.interrupted()) {
                start(e.node);
                --ended;  // it ends when its deploy does
                continue;
            }
            m_ok[e.node] = e.kind == Event::finished ? finished(e.node, std::move(e.result))
                                                     : not_started(e.node);
            m_graph.ended(e.node, m_ok[e.node]);
        }
        m_graph.wait();
        return outcome();
    }

  private:
    struct Event {
        enum Kind { start = components::Handoff::start, skip = components::Handoff::skip, finished };
        int kind = start;
        std::size_t node = 0;
        common::Result<DeployRun> result;
    };

    void post(Event e) {
        {
            std::lock_guard lock(m_mutex);
            m_events.push_back(std::move(e));
        }
        m_wake.notify_one();
    }

    Event take() {
        std::unique_lock lock(m_mutex);
        m_wake.wait(lock, [&] { return !m_events.empty(); });
        Event e = std::move(m_events.front());
        m_events.pop_front();
        return e;
    }

    StackRun describe(std::size_t i) const {
        const auto& node = m_plan.at(i);
        const auto& target = m_env.targets[node.target];
        StackRun r;
        r.node = i;
        r.label = node.label;
        r.stack = m_env.stacks[node.stack].name;
        r.region = target.region;
        r.account = target.account;
        r.reason = node.reason;
        r.wave = node.wave;
        r.result = "skipped";
        return r;
    }

    void start(std::size_t i) {
        const components::Target* target = &m_env.targets[m_plan.at(i).target];
        m_threads.emplace_back(
            [this, i, target] { post({Event::finished, i, deploy_one(i, *target)}); });
    }

    // On the runner thread: one stack, with a store connection and AWS clients of its own.
    common::Result<DeployRun> deploy_one(std::size_t i, const components::Target& target) {
        auto store = m_s.open_store();
        if (!store) return std::unexpected(store.error());
        auto cloud = m_s.cloud(target);
        deploy::DeployPlan plan = m_deploys[i];
        if (!plan.parameters.outputs.empty()) {
            if (auto ok = resolve_outputs(plan, *cloud.cloudformation); !ok)
                return std::unexpected(ok.error());
        }
        StackReporter reporter(m_reporter, m_plan.at(i).label);
        return execute_deploy(std::move(plan), m_settings, **store, cloud, m_s.clock, reporter);
    }

    // A node the graph handed over as skipped (a wait of it did not deploy: named by the node
    // where that began), or that was to start when the command was interrupted.
    bool not_started(std::size_t i) {
        auto& r = m_runs[i];
        if (m_s.clock.interrupted()) {
            r.result = "interrupted";
            r.error = common::Error{ErrorCode::interrupted, "interrupted before " + r.label};
            return false;
        }
        for (std::size_t w : m_plan.at(i).waits_for) {
            if (m_ok[w]) continue;
            m_cause[i] = m_cause[w];
            const auto& cause = m_runs[m_cause[i]];
            r.reason = "waits for " + cause.label + ", which " +
                       (cause.error ? "stopped with an error" : "did not deploy");
            break;
        }
        return false;
    }

    bool finished(std::size_t i, common::Result<DeployRun> result) {
        auto& r = m_runs[i];
        if (!result) {
            r.result = result.error().code == ErrorCode::interrupted ? "interrupted" : "error";
            r.error = result.error();
            return false;
        }
        r.run = std::move(*result);
        r.result = r.run->outcome ? result_name(*r.run->outcome) : "overrides-written";
        return r.run->exit == 0;
    }

    EnvironmentRun outcome() {
        EnvironmentRun out;
        for (auto& r : m_runs) {
            if (r.error && !out.error) out.error = r.error;
            if (r.result == "skipped" || r.result == "deploy-failed" || r.result == "declined" ||
                r.result == "error" || r.result == "interrupted")
                out.exit = std::max(out.exit, 1);
            out.stacks.push_back(std::move(r));
        }
        if (out.error) out.exit = common::exit_code(out.error->code);
        return out;
    }

    const components::Environment& m_env;
    const deploy::StackPlan& m_plan;
    const std::vector<deploy::DeployPlan>& m_deploys;
    const DeploySettings& m_settings;
    Services& m_s;
    SharedReporter m_reporter;
    std::vector<StackRun> m_runs;
    std::vector<std::size_t> m_cause;  // the node where a skip began (itself otherwise)
    std::vector<bool> m_ok;            // ended and deployed (or planned, or up to date)
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Event> m_events;
    std::vector<std::thread> m_threads;
    components::BuildGraph m_graph;  // last: its nodes post into the members above
};

}  // namespace

EnvironmentRun deploy_stacks(const components::Environment& env, EnvironmentPlan env_plan,
                             const DeploySettings& settings, Services& s, Observer& o) {
    if (env_plan.plan.empty()) return {};
    StackExecutor executor(env, env_plan, settings, s, o);
    return executor.run();
}

}  // namespace pipeline
