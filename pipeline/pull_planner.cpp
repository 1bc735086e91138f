// See pull_planner.hpp.
#include "pipeline/pull_planner.hpp"

#include <algorithm>

namespace pipeline {

EnvPlan env_plan_of(const std::string& env, const std::string& stack, const RunOutcome& outcome,
                    const std::optional<deploy::Preview>& preview) {
    EnvPlan e;
    e.env = env;
    e.stack = stack;
    const RunSummary& s = outcome.summary;
    e.base = s.base;
    e.base_reason = s.base_reason;
    for (const auto& r : s.rows) {
        if (!r.reason.empty()) e.affected.push_back({r.component, r.reason});
    }
    for (const auto& b : outcome.prospective)
        e.builds.push_back({b.component, b.build_number(), b.image_uri(), b.reused_number != 0});
    if (preview) {
        e.parameters = preview->parameters;
        e.resources = preview->changes;
    }
    if (outcome.error) {
        e.result = outcome.error->code == common::ErrorCode::input ||
                           outcome.error->code == common::ErrorCode::usage ||
                           outcome.error->code == common::ErrorCode::failed
                       ? "failed"
                       : "error";
        e.message = outcome.error->message;
    } else if (s.result == "nothing-affected") {
        e.result = "nothing-affected";
    } else if (outcome.deploy && !outcome.deploy->stacks.empty() &&
               std::all_of(outcome.deploy->stacks.begin(), outcome.deploy->stacks.end(),
                           [](const StackRun& st) {
                               return st.run && st.run->outcome &&
                                      st.run->outcome->result == deploy::DeployResult::up_to_date;
                           })) {
        e.result = "up-to-date";
    } else {
        e.result = "planned";
    }
    return e;
}

EnvPlan env_plan_failed(const std::string& env, const std::string& stack, const common::Error& e,
                        const std::string& root) {
    EnvPlan out;
    out.env = env;
    out.stack = stack;
    out.message = e.message;
    const bool bad_input = e.code == common::ErrorCode::input || e.code == common::ErrorCode::usage;
    out.result = bad_input ? "failed" : e.code == common::ErrorCode::failed ? "conflict" : "error";
    if (bad_input) out.problems = problem_locations(e.message, root);
    return out;
}

EnvPlan plan_environment(const Project& p, const std::string& env, const Trigger& trigger,
                         Services& s, Observer& o, const std::atomic<bool>& cancelled) {
    auto known = p.environment(env);
    std::string stack;  // the environment's stacks, by name
    if (known) {
        for (const auto& st : (*known)->stacks) stack += (stack.empty() ? "" : ", ") + st.name;
    }
    const auto started = s.clock.now();
    PreviewCatcher catcher(o);
    // Cancelled only until the change set exists: from then on the plan runs to its end, so
    // the change set it made is deleted.
    Services own = s;
    own.clock.interrupted = [&cancelled, &catcher, outer = s.clock.interrupted] {
        return (cancelled.load() && !catcher.began.load()) || (outer && outer());
    };
    RunRequest request;
    request.env = env;
    request.plan = true;
    request.wait = true;
    request.trigger = trigger;
    auto plan = plan_run(p, request, own, catcher);
    EnvPlan out;
    if (!plan) {
        out = env_plan_failed(env, stack, plan.error(), p.root);
    } else {
        auto outcome = execute_run(p, std::move(*plan), own, catcher);
        out = env_plan_of(env, stack, outcome, catcher.preview_seen);
        if (outcome.error) out.problems = problem_locations(outcome.error->message, p.root);
    }
    if (cancelled.load() && out.result == "error" && !catcher.began.load())
        out.result = "superseded";
    out.planned_at = s.clock.now();
    out.millis = out.planned_at - started;
    return out;
}

}  // namespace pipeline
