// See reconcile.hpp for the order of evidence.
#include "deploy/reconcile.hpp"

#include <fmt/format.h>

#include "deploy/events.hpp"
#include "deploy/stack_state.hpp"
#include "deploy/template.hpp"

namespace deploy {
namespace {

using versioning::DeploymentRecord;

PendingJudgement verdict(PendingVerdict v, versioning::Millis at, std::string reason) {
    return {v, at, std::move(reason)};
}

// The newest stack-level event of the page that ends an operation, for a finish time.
versioning::Millis last_terminal_event_time(const StackEvidence& e, const std::string& stack) {
    for (const auto& event : e.events) {
        if (event.logical_id == stack && is_terminal_stack_status(event.status))
            return event_time(event).value_or(0);
    }
    return 0;
}

// Step 1: the events that carry the deployment's token, when AWS stamps them.
std::optional<PendingJudgement> judge_by_token(const DeploymentRecord& d, const StackEvidence& e) {
    if (d.client_token.empty()) return std::nullopt;
    const StackEvent* newest = nullptr;
    const StackEvent* failure = nullptr;
    for (const auto& event : e.events) {
        if (event.client_request_token != d.client_token) continue;
        if (event.logical_id == d.stack && !newest) newest = &event;
        if (event.logical_id != d.stack && is_failure_status(event.status)) failure = &event;
    }
    if (!newest) return std::nullopt;
    const auto at = event_time(*newest).value_or(0);
    if (!is_terminal_stack_status(newest->status) || newest->status == "CREATE_FAILED")
        return verdict(PendingVerdict::running, 0, "the stack is " + newest->status);
    if (is_deploy_success(newest->status))
        return verdict(PendingVerdict::succeeded, at, "the stack reached " + newest->status);
    std::string reason = newest->status;
    if (failure)
        reason += ": " + failure->logical_id + " " + failure->status + ": " + failure->reason;
    return verdict(PendingVerdict::failed, at, reason);
}

// Step 2: what the change set says about its own execution.
std::optional<PendingJudgement> judge_by_change_set(const StackEvidence& e) {
    if (!e.change_set) return std::nullopt;
    const auto& status = e.change_set->execution_status;
    if (status == "AVAILABLE")
        return verdict(PendingVerdict::failed, 0, "its change set was never executed");
    if (status == "EXECUTE_IN_PROGRESS")
        return verdict(PendingVerdict::running, 0, "its change set is executing");
    if (status == "EXECUTE_FAILED")
        return verdict(PendingVerdict::failed, 0, "its change set failed to execute");
    return std::nullopt;
}

// Step 3: the stack's state, its last change set, its parameters and template.
std::optional<PendingJudgement> judge_by_stack(const DeploymentRecord& d, const StackEvidence& e) {
    if (!e.stack) return std::nullopt;
    const auto& status = e.stack->status;
    if (status == "REVIEW_IN_PROGRESS")
        return verdict(PendingVerdict::failed, 0,
                       "never executed: the stack is REVIEW_IN_PROGRESS without its change set");
    if (!is_terminal_stack_status(status))
        return verdict(PendingVerdict::running, 0, "the stack is " + status);
    if (is_deploy_success(status)) {
        const auto at = last_terminal_event_time(e, d.stack);
        if (!d.change_set.empty() && e.stack->change_set_id == d.change_set)
            return verdict(PendingVerdict::succeeded, at,
                           "the stack is " + status + " from its change set");
        if (stack_holds(*e.stack, d, e.template_body))
            return verdict(PendingVerdict::succeeded, at,
                           "the stack is " + status + " with its parameters and template");
    }
    if (status.find("ROLLBACK") != std::string::npos || is_failure_status(status))
        return verdict(PendingVerdict::failed, last_terminal_event_time(e, d.stack),
                       "the stack is " + status);
    return std::nullopt;
}

// How far the stack's clock and ours may differ when its last update is compared with the
// time the intent was written.
constexpr versioning::Millis k_clock_skew = 5 * 60 * 1000;

}  // namespace

std::string_view to_string(PendingVerdict verdict) {
    switch (verdict) {
        case PendingVerdict::succeeded:
            return "succeeded";
        case PendingVerdict::failed:
            return "failed";
        case PendingVerdict::superseded:
            return "superseded";
        case PendingVerdict::running:
            return "running";
        case PendingVerdict::unconfirmed:
            return "unconfirmed";
    }
    return "unconfirmed";
}

bool stack_holds_images(const StackInfo& stack, const DeploymentRecord& d) {
    for (const auto& image : d.images) {
        if (image.parameter.empty()) continue;
        auto value = stack.parameters.find(image.parameter);
        if (value == stack.parameters.end() || value->second != image.image_uri) return false;
    }
    return true;
}

bool stack_holds(const StackInfo& stack, const DeploymentRecord& d,
                 const std::optional<std::string>& template_body) {
    if (d.parameters.empty() && !stack_holds_images(stack, d)) return false;
    for (const auto& [name, value] : d.parameters) {
        if (value == "****") continue;  // NoEcho: neither stored nor shown
        auto held = stack.parameters.find(name);
        if (held == stack.parameters.end() || held->second != value) return false;
    }
    if (!d.template_hash.empty() && template_body &&
        template_hash(*template_body) != d.template_hash)
        return false;
    const auto updated = iso_millis(stack.last_updated);
    return !updated || *updated + k_clock_skew >= d.started_at;
}

PendingJudgement judge_pending(const DeploymentRecord& d, const StackEvidence& e,
                               bool later_success) {
    const bool by_pipeline = d.executed_by == "codepipeline";
    if (!by_pipeline) {
        if (auto j = judge_by_token(d, e)) return *j;
        if (auto j = judge_by_change_set(e)) return *j;
    }
    if (auto j = judge_by_stack(d, e)) {
        // CodePipeline's stack may fail or roll back for another reason before it runs ours.
        if (!by_pipeline || j->verdict != PendingVerdict::failed) return *j;
    }
    if (later_success)
        return verdict(PendingVerdict::superseded, 0,
                       "never confirmed; a later deployment of the environment succeeded");
    if (by_pipeline)
        return verdict(PendingVerdict::unconfirmed, 0,
                       "CodePipeline has not deployed these parameters yet");
    return verdict(PendingVerdict::failed, 0,
                   e.stack ? "the stack (" + e.stack->status + ") does not hold its images"
                           : "the stack does not exist");
}

namespace {

bool is_missing_change_set(const common::Error& e) {
    return e.message.find("ChangeSetNotFound") != std::string::npos ||
           e.message.find("does not exist") != std::string::npos;
}

common::Result<StackEvidence> gather(const DeploymentRecord& d, CloudFormationApi& cf) {
    StackEvidence e;
    auto stack = cf.describe_stack(d.stack);
    if (!stack) return std::unexpected(stack.error());
    e.stack = std::move(*stack);
    if (!e.stack) return e;
    auto events = cf.stack_events(d.stack, "");
    if (!events) return std::unexpected(events.error());
    e.events = std::move(*events);
    if (!d.change_set.empty() && d.executed_by != "codepipeline") {
        auto change_set = cf.describe_change_set(d.stack, d.change_set);
        if (change_set) {
            e.change_set = std::move(*change_set);
        } else if (!is_missing_change_set(change_set.error())) {
            return std::unexpected(change_set.error());
        }
    }
    // The template only when the stack's state has to say whether it holds the deployment.
    const bool ours = !d.change_set.empty() && e.stack->change_set_id == d.change_set;
    if (!d.template_hash.empty() && is_deploy_success(e.stack->status) && !ours) {
        auto body = cf.get_template(d.stack);
        if (!body) return std::unexpected(body.error());
        e.template_body = std::move(*body);
    }
    return e;
}

common::Result<bool> later_success(versioning::VersionStore& store, const DeploymentRecord& d) {
    auto current = store.current_deployments(d.env);
    if (!current) return std::unexpected(current.error());
    for (const auto& c : *current) {
        if (versioning::stack_key(c) == versioning::stack_key(d) && c.id > d.id) return true;
    }
    return false;
}

const char* recorded_status(PendingVerdict v) {
    switch (v) {
        case PendingVerdict::succeeded:
            return versioning::deployment_status::succeeded;
        case PendingVerdict::superseded:
            return versioning::deployment_status::superseded;
        default:
            return versioning::deployment_status::failed;
    }
}

// Judges one pending deployment, waiting while its stack operation runs (with `wait`).
common::Result<PendingJudgement> settle(const DeploymentRecord& d, ReconcileServices& s, bool wait,
                                        const std::function<void(const std::string&)>& note) {
    for (int attempt = 0;; ++attempt) {
        auto evidence = gather(d, s.cloudformation);
        if (!evidence) return std::unexpected(evidence.error());
        auto later = later_success(s.store, d);
        if (!later) return std::unexpected(later.error());
        auto j = judge_pending(d, *evidence, *later);
        if (j.verdict != PendingVerdict::running) return j;
        const std::string what = fmt::format("deployment #{} of '{}' (run {}) is not finished: {}",
                                             d.id, d.env, d.run_id, j.reason);
        if (!wait)
            return common::fail(common::ErrorCode::busy, what + "; use --wait to wait for it");
        if (attempt == 0) note(what + "; waiting");
        if (s.interrupted && s.interrupted())
            return common::fail(common::ErrorCode::interrupted, "interrupted");
        s.sleep(poll_delay(attempt, s.random()));
    }
}

}  // namespace

common::Result<std::vector<Reconciled>> reconcile_pending(
    const std::string& env, const StackPlace& place, ReconcileServices& s, bool wait,
    const std::function<void(const std::string&)>& note) {
    auto pending = s.store.pending_deployments(env);
    if (!pending) return std::unexpected(pending.error());
    std::vector<Reconciled> out;
    for (auto& d : *pending) {
        if (d.stack.empty()) d.stack = place.stack;  // recorded before stacks were
        if (d.stack != place.stack || d.region != place.region || d.account != place.account)
            continue;
        auto j = settle(d, s, wait, note);
        if (!j)
            return std::unexpected(j.error().with_context(
                fmt::format("reconciling deployment #{} of '{}'", d.id, env)));
        if (j->verdict != PendingVerdict::unconfirmed) {
            const auto at = j->finished_at > 0 ? j->finished_at : s.now();
            const std::string reason = j->verdict == PendingVerdict::succeeded ? "" : j->reason;
            auto done = s.store.finish_deployment(d.id, recorded_status(j->verdict), at, reason);
            if (!done) return std::unexpected(done.error());
            if (!*done) continue;  // another process recorded it first
            j->finished_at = at;
        }
        out.push_back({std::move(d), std::move(*j)});
    }
    return out;
}

}  // namespace deploy
