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
#include <map>
#include <mutex>
#include <optional>
#include <set>
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
        seen = p;
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

    std::optional<deploy::Preview> seen;  // this stack's preview, once shown

  private:
    SharedReporter& m_shared;
    std::string m_label;
};

// The stacks a node's plan deploys before it in its target, by name: their outputs may not
// exist yet when a plan reads them.
using EarlierStacks = std::map<std::string, const deploy::DeployPlan*>;

// How a plan shows a parameter whose output does not exist yet.
std::string known_after(const components::StackParameter& p) {
    return "<output " + p.output + " of " + p.stack + ", known after it deploys>";
}

// A plan's parameter `name` reading an output that is not there yet, of `producer`, which
// the plan deploys first: a stand-in value, or (no stand-in fits) why the stack is not
// previewed. Fails when the producer's template does not declare the output at all.
common::Result<std::string> stand_in(deploy::DeployPlan& plan, const std::string& name,
                                     const components::StackParameter& p,
                                     const deploy::DeployPlan& producer) {
    if (!producer.tmpl.outputs.contains(p.output))
        return common::fail(ErrorCode::input, p.pos.str() + ": parameter " + name +
                                                  " reads output " + p.output + " of stack " +
                                                  p.stack + ", whose template " +
                                                  producer.tmpl.file + " declares no such output");
    auto declared = plan.tmpl.parameters.find(name);
    auto value = declared == plan.tmpl.parameters.end()
                     ? std::optional<std::string>()
                     : deploy::placeholder_value(declared->second);
    if (!value) {
        const std::string type =
            declared == plan.tmpl.parameters.end() ? "undeclared" : declared->second.type;
        return "parameter " + name + " (" + type +
               (type == "String" || type == "Number" ? ", constrained" : "") + ") reads output " +
               p.output + " of " + p.stack +
               ", known only after it deploys, and no stand-in value fits it: no change set";
    }
    plan.parameters.values[name] = *value;
    plan.parameters.unknown[name] = known_after(p);
    return std::string();
}

// Parameters read from other stacks' outputs, from those stacks as they are now (in the same
// region and account), then the plan checked again with their values. A plan (`preview`)
// reading an output that does not exist yet of a stack in `earlier` -- the stack is not
// there, or lacks the output (this change adds it) -- previews with a stand-in (see
// stand_in); the answer is then why the stack is not previewed, or "" when it is. Anywhere
// else a missing stack or output is an error: a real deploy never uses a stand-in.
common::Result<std::string> resolve_outputs(deploy::DeployPlan& plan, deploy::CloudFormationApi& cf,
                                            bool preview, const EarlierStacks& earlier) {
    std::map<std::string, std::optional<std::map<std::string, std::string>>> outputs;  // by stack
    std::string not_previewed;
    std::set<std::string> unvalued;  // no stand-in fits
    for (const auto& [name, p] : plan.parameters.outputs) {
        auto found = outputs.find(p.stack);
        if (found == outputs.end()) {
            auto stack = cf.describe_stack(p.stack);
            if (!stack)
                return std::unexpected(
                    stack.error().with_context("reading the outputs of stack " + p.stack));
            found = outputs.emplace(p.stack, std::nullopt).first;
            if (*stack) found->second = (*stack)->outputs;
        }
        if (found->second) {
            if (auto value = found->second->find(p.output); value != found->second->end()) {
                plan.parameters.values[name] = value->second;
                continue;
            }
        }
        auto producer = earlier.find(p.stack);
        if (!preview || producer == earlier.end())
            return common::fail(
                ErrorCode::failed,
                p.pos.str() + ": parameter " + name + " reads output " + p.output + " of stack " +
                    p.stack +
                    (found->second ? ", which has no such output" : ", which does not exist here"));
        auto why = stand_in(plan, name, p, *producer->second);
        if (!why) return std::unexpected(why.error());
        if (!why->empty()) unvalued.insert(name);
        if (not_previewed.empty()) not_previewed = *why;
    }
    // What has no value yet stays pending (a stack not previewed): the others are checked.
    std::erase_if(plan.parameters.outputs,
                  [&](const auto& o) { return !unvalued.contains(o.first); });
    if (auto ok = deploy::validate_plan(plan); !ok) return std::unexpected(ok.error());
    return not_previewed;
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
        enum Kind {
            start = components::Handoff::start,
            skip = components::Handoff::skip,
            finished
        };
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
        m_threads.emplace_back([this, i, target] {
            post({Event::finished, i, deploy_one(i, *target)});
        });
    }

    // On the runner thread: one stack, with a store connection and AWS clients of its own.
    common::Result<DeployRun> deploy_one(std::size_t i, const components::Target& target) {
        auto store = m_s.open_store();
        if (!store) return std::unexpected(store.error());
        auto cloud = m_s.cloud(target);
        deploy::DeployPlan plan = m_deploys[i];
        if (!plan.parameters.outputs.empty()) {
            const bool preview = m_settings.plan && m_settings.write_overrides.empty();
            auto not_previewed = resolve_outputs(plan, *cloud.cloudformation, preview, earlier(i));
            if (!not_previewed) return std::unexpected(not_previewed.error());
            if (!not_previewed->empty()) {
                DeployRun run;
                run.plan = std::move(plan);
                run.not_previewed = std::move(*not_previewed);
                return run;
            }
        }
        StackReporter reporter(m_reporter, m_plan.at(i).label);
        auto run = execute_deploy(std::move(plan), m_settings, **store, cloud, m_s.clock, reporter);
        if (run) run->preview = std::move(reporter.seen);
        return run;
    }

    // The stacks the plan deploys before node `i` in its target (those it waits for there).
    EarlierStacks earlier(std::size_t i) const {
        EarlierStacks out;
        const auto& node = m_plan.at(i);
        for (std::size_t w : node.waits_for) {
            if (m_plan.at(w).target == node.target)
                out.emplace(m_env.stacks[m_plan.at(w).stack].name, &m_deploys[w]);
        }
        return out;
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
        r.result = r.run->outcome                  ? result_name(*r.run->outcome)
                   : !r.run->not_previewed.empty() ? "not-previewed"
                                                   : "overrides-written";
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
