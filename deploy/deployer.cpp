#include "deploy/deployer.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fmt/format.h>

#include <ctime>
#include <random>
#include <set>

#include "deploy/events.hpp"
#include "deploy/stack_state.hpp"

namespace deploy {
namespace {

using common::ErrorCode;
using std::chrono::milliseconds;

// The name of the alarm (of `alarms`, by ARN or name) that a rollback's reason names, or "".
// CloudFormation names the rollback trigger that fired in the stack's *_ROLLBACK_IN_PROGRESS
// event.
std::string alarm_named_in(const std::string& reason, const std::vector<std::string>& alarms) {
    for (const auto& arn : alarms) {
        const std::string name = arn.substr(arn.rfind(':') + 1);
        if (reason.find(arn) != std::string::npos || reason.find(name) != std::string::npos)
            return name;
    }
    return "";
}

std::string random_hex(std::size_t n) {
    static thread_local std::mt19937_64 rng(std::random_device{}());
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += digits[rng() % 16];
    return out;
}

std::string utc_stamp(versioning::Millis at, const char* format) {
    const std::time_t t = static_cast<std::time_t>(at / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
}

bool change_set_pending(const std::string& status) {
    return status == "CREATE_PENDING" || status == "CREATE_IN_PROGRESS";
}

// One deploy in progress; each method is one step of deploy_stack.
class Deploy {
  public:
    Deploy(const DeployPlan& plan, DeployServices& services, DeployReporter& reporter)
        : p(plan), s(services), r(reporter) {}

    common::Result<DeployOutcome> run();

  private:
    common::Result<void> take_lease();
    common::Result<void> renew_lease();
    common::Result<std::optional<StackInfo>> settle_stack();
    common::Result<std::optional<StackInfo>> wait_for_stack(std::optional<StackInfo> stack);
    common::Result<void> replace_stack();
    common::Result<ChangeSetInfo> wait_for_change_set(const std::string& id);
    common::Result<std::string> read_mark();
    common::Result<StackEvent> follow(const std::string& token, const std::string& mark,
                                      versioning::Millis began);
    common::Result<void> sleep_between_polls(int attempt);
    common::Result<void> pause(int attempt);
    common::Result<DeployOutcome> execute(const std::string& id);
    common::Result<DeployOutcome> finish(const StackEvent& final);
    void read_outputs();
    common::Error outcome_unknown(const common::Error& why) const;
    common::Error execute_unanswered(const common::Error& why) const;
    void retag();
    common::Result<DeployOutcome> after_change_set(const std::optional<StackInfo>& stack,
                                                   const std::string& id);

    const DeployPlan& p;
    DeployServices& s;
    DeployReporter& r;
    DeployOutcome m_out;
    std::string m_rollback_reason;  // the stack's reason for rolling our operation back
    versioning::Millis m_started = 0;
    versioning::Millis m_renewed = 0;
    std::string m_template_body;  // as sent with the change set
};

common::Result<void> Deploy::take_lease() {
    const std::string name = "deploy/" + p.env;
    for (int attempt = 0;; ++attempt) {
        const auto now = s.now();
        auto held = s.store.acquire_lock(name, p.lock_owner, now, p.lock_ttl.count());
        if (!held) return std::unexpected(held.error().with_context("taking the deploy lease"));
        if (held->owner == p.lock_owner) {
            m_renewed = now;
            return {};
        }
        const std::string who = "environment '" + p.env + "' is being deployed by " + held->owner +
                                " (lease until " + utc_stamp(held->expires_at, "%FT%TZ") + ")";
        if (!p.wait_busy) return common::fail(ErrorCode::busy, who + "; use --wait to queue");
        if (attempt == 0) r.note(who + "; waiting");
        // Not pause(): there is no lease of ours to renew while waiting for it.
        if (auto ok = sleep_between_polls(attempt + 5); !ok) return ok;
    }
}

common::Result<void> Deploy::renew_lease() {
    if (p.lease_held) return {};
    const auto now = s.now();
    if (now - m_renewed < p.lock_ttl.count() / 4) return {};
    auto held = s.store.acquire_lock("deploy/" + p.env, p.lock_owner, now, p.lock_ttl.count());
    if (!held) return std::unexpected(held.error().with_context("renewing the deploy lease"));
    if (held->owner != p.lock_owner) {
        return common::fail(ErrorCode::busy, "lost the deploy lease of environment '" + p.env +
                                                 "' to " + held->owner);
    }
    m_renewed = now;
    return {};
}

common::Result<void> Deploy::sleep_between_polls(int attempt) {
    if (s.interrupted && s.interrupted())
        return common::fail(ErrorCode::interrupted, "interrupted");
    s.sleep(poll_delay(attempt, s.random()));
    if (s.interrupted && s.interrupted())
        return common::fail(ErrorCode::interrupted, "interrupted");
    return {};
}

common::Result<void> Deploy::pause(int attempt) {
    if (auto ok = sleep_between_polls(attempt); !ok) return ok;
    return renew_lease();
}

common::Result<std::optional<StackInfo>> Deploy::wait_for_stack(std::optional<StackInfo> stack) {
    for (int attempt = 0;; ++attempt) {
        auto decision = decide_stack_action(
            stack ? std::optional<std::string>(stack->status) : std::nullopt, p.replace_failed);
        if (decision.action != StackAction::wait) return stack;
        if (!p.wait_busy)
            return common::fail(ErrorCode::busy, p.stack + ": " + decision.explanation +
                                                     "; use --wait to wait for it");
        if (attempt == 0) r.note(p.stack + ": " + decision.explanation + "; waiting");
        if (auto ok = pause(attempt); !ok) return std::unexpected(ok.error());
        auto again = s.cloudformation.describe_stack(p.stack);
        if (!again) return std::unexpected(again.error());
        stack = std::move(*again);
    }
}

common::Result<void> Deploy::replace_stack() {
    if (auto ok = s.cloudformation.delete_stack(p.stack, "slipway-delete-" + random_hex(16)); !ok)
        return ok;
    for (int attempt = 0;; ++attempt) {
        auto stack = s.cloudformation.describe_stack(p.stack);
        if (!stack) return std::unexpected(stack.error());
        if (!*stack || (*stack)->status == "DELETE_COMPLETE") return {};
        if ((*stack)->status == "DELETE_FAILED")
            return common::fail(
                ErrorCode::failed,
                p.stack + ": could not delete the failed stack: " + (*stack)->status_reason);
        if (auto ok = pause(attempt); !ok) return ok;
    }
}

common::Result<std::optional<StackInfo>> Deploy::settle_stack() {
    auto stack = s.cloudformation.describe_stack(p.stack);
    if (!stack) return std::unexpected(stack.error());
    auto settled = wait_for_stack(std::move(*stack));
    if (!settled) return settled;
    auto decision = decide_stack_action(
        *settled ? std::optional<std::string>((*settled)->status) : std::nullopt, p.replace_failed);
    switch (decision.action) {
        case StackAction::refuse:
            return common::fail(ErrorCode::failed, p.stack + ": " + decision.explanation);
        case StackAction::replace:
            if (p.plan_only)
                return common::fail(ErrorCode::failed,
                                    p.stack + ": " + decision.explanation + " (not with --plan)");
            r.note(p.stack + ": " + decision.explanation);
            if (auto ok = replace_stack(); !ok) return std::unexpected(ok.error());
            return std::optional<StackInfo>{};
        default:
            return settled;
    }
}

common::Result<ChangeSetInfo> Deploy::wait_for_change_set(const std::string& id) {
    for (int attempt = 0;; ++attempt) {
        auto info = s.cloudformation.describe_change_set(p.stack, id);
        if (!info) return info;
        if (!change_set_pending(info->status)) return info;
        if (auto ok = pause(attempt); !ok) return std::unexpected(ok.error());
    }
}

// The id of the stack's newest event ("" when it has none), read before executing: what
// follows it is ours (deploy/events.hpp). Throttling and other transient errors are retried
// for `follow_error_budget`, as when following.
common::Result<std::string> Deploy::read_mark() {
    versioning::Millis failing_since = 0;
    for (int attempt = 0;; ++attempt) {
        auto page = s.cloudformation.stack_events(p.stack, "");
        if (!page && is_missing_stack_error(page.error())) return std::string();
        if (page) return page->empty() ? std::string() : page->front().id;
        if (!page.error().transient) return std::unexpected(page.error());
        if (failing_since == 0) failing_since = s.now();
        if (s.now() - failing_since > p.follow_error_budget.count())
            return std::unexpected(page.error());
        if (auto ok = pause(attempt + 3); !ok) return std::unexpected(ok.error());
    }
}

// Follows our operation's events to the stack-level event that ends it. Once the change set
// runs, a failed read is no reason to stop: transient errors (throttling, 5xx, timeouts)
// are retried with growing pauses for `follow_error_budget`; the lease is renewed on the
// way, and losing it does not stop the following (the operation is ours either way).
common::Result<StackEvent> Deploy::follow(const std::string& token, const std::string& mark,
                                          versioning::Millis began) {
    EventCursor cursor = cursor_after(mark);
    std::string status = "IN_PROGRESS";
    versioning::Millis failing_since = 0;
    for (int attempt = 0;; ++attempt) {
        auto page = s.cloudformation.stack_events(p.stack, cursor.last_seen);
        if (!page) {
            if (!page.error().transient) return std::unexpected(page.error());
            if (failing_since == 0) {
                failing_since = s.now();
                r.note("reading the stack's events: " + page.error().message + "; retrying");
            }
            if (s.now() - failing_since > p.follow_error_budget.count())
                return std::unexpected(page.error());
            if (auto ok = sleep_between_polls(attempt + 3); !ok) return std::unexpected(ok.error());
            continue;
        }
        failing_since = 0;
        auto fresh = take_new_events(*page, p.stack, token, cursor);
        for (const auto& e : fresh) {
            r.event(e);
            if (is_failure_status(e.status) && e.logical_id != p.stack) m_out.failures.push_back(e);
            if (e.logical_id == p.stack) status = e.status;
            if (e.logical_id == p.stack && e.status.ends_with("ROLLBACK_IN_PROGRESS") &&
                m_rollback_reason.empty())
                m_rollback_reason = e.reason;
        }
        if (auto done = final_status(fresh, p.stack)) {
            for (const auto& e : fresh) {
                if (e.logical_id == p.stack && e.status == *done) return e;
            }
        }
        if (!fresh.empty()) attempt = 0;
        r.waiting(status, milliseconds(s.now() - began));
        if (auto ok = sleep_between_polls(attempt); !ok) return std::unexpected(ok.error());
        (void)renew_lease();
    }
}

// The stack operation ran (or may have) but its end was not seen: the deployment stays
// pending and the next command that touches the environment reconciles it.
common::Error Deploy::outcome_unknown(const common::Error& why) const {
    common::Error e = why;
    if (e.code != ErrorCode::interrupted) e.code = ErrorCode::external;
    e.message = fmt::format(
        "{}; the change set was executed and the stack operation goes on: outcome unknown, "
        "deployment #{} stays pending and the next slipway command for '{}' reconciles it "
        "(or run 'slipway reconcile --env {}')",
        why.message, m_out.deployment_id, p.env, p.env);
    return e;
}

// ExecuteChangeSet itself failed transiently. Throttled, it was refused whole: the change set
// did not run. Otherwise (a timeout, a 5xx) it may or may not have run. Either way the
// deployment stays pending: reconciliation finds the stack operation with its token, or none.
common::Error Deploy::execute_unanswered(const common::Error& why) const {
    static constexpr std::string_view k_maybe_applied = "(after an attempt that may have";
    static constexpr std::string_view k_throttled[] = {"Throttling", "ThrottlingException",
                                                       "RequestLimitExceeded",
                                                       "TooManyRequestsException", "Rate exceeded"};
    bool throttled = false;
    for (auto code : k_throttled) throttled |= why.message.find(code) != std::string::npos;
    common::Error e = why;
    if (e.code != ErrorCode::interrupted) e.code = ErrorCode::external;
    e.message = fmt::format(
        "{}; {}: deployment #{} stays pending and the next slipway command for '{}' reconciles "
        "it (or run 'slipway reconcile --env {}')",
        why.message,
        throttled ? "ExecuteChangeSet was throttled: the change set was not executed"
        : why.message.find(k_maybe_applied) != std::string::npos
            ? "outcome unknown: ExecuteChangeSet was refused after an attempt that may have "
              "executed the change set"
            : "ExecuteChangeSet got no answer: the change set may or may not have been "
              "executed",
        m_out.deployment_id, p.env, p.env);
    return e;
}

common::Result<DeployOutcome> Deploy::finish(const StackEvent& final) {
    m_out.final_status = final.status;
    m_out.finished_at = event_time(final).value_or(s.now());
    const bool ok = is_deploy_success(final.status);
    std::string reason;
    if (!ok) {
        reason = final.status;
        if (auto alarm = alarm_named_in(m_rollback_reason, p.rollback_alarms); !alarm.empty())
            reason += ": rolled back by alarm " + alarm + ": " + m_rollback_reason;
        else if (!m_out.failures.empty())
            reason += ": " + m_out.failures.front().logical_id + " " +
                      m_out.failures.front().status + ": " + m_out.failures.front().reason;
    }
    auto done = s.store.finish_deployment(
        m_out.deployment_id,
        ok ? versioning::deployment_status::succeeded : versioning::deployment_status::failed,
        m_out.finished_at, reason);
    if (!done)
        return std::unexpected(outcome_unknown(done.error().with_context(
            "the stack is " + final.status + " but recording it failed")));
    m_out.result = ok ? DeployResult::deployed : DeployResult::failed;
    if (ok) retag(), read_outputs();
    return m_out;
}

// The stack's outputs once it is deployed (as `rain` prints them). The deployment is
// recorded already: a failed read is a warning, not a failed deploy.
void Deploy::read_outputs() {
    auto stack = s.cloudformation.describe_stack(p.stack);
    if (!stack) {
        m_out.warnings.push_back("reading the outputs of " + p.stack + ": " +
                                 stack.error().message);
    } else if (*stack) {
        m_out.outputs = (*stack)->outputs;
    }
}

// Intent first: the pending deployment (change set, token, every image) is in the store
// before the change set executes, so no stack update can happen unrecorded.
common::Result<DeployOutcome> Deploy::execute(const std::string& id) {
    // The last moment to stop: once executed, the stack changes whatever becomes of us.
    if (s.interrupted && s.interrupted()) {
        (void)s.cloudformation.delete_change_set(p.stack, id);
        return common::fail(ErrorCode::interrupted, "interrupted before executing the change set");
    }
    // The mark: the stack's newest event before ours (deploy/events.hpp).
    auto mark = read_mark();
    if (!mark) {
        (void)s.cloudformation.delete_change_set(p.stack, id);
        return std::unexpected(mark.error().with_context(
            "reading the stack's events before executing (nothing was executed)"));
    }
    auto intent =
        deployment_record(p, versioning::deployment_status::pending, m_started, m_template_body);
    intent.change_set = id;
    intent.client_token = "slipway-exec-" + random_hex(20);
    auto recorded = s.store.record_deployment(intent);
    if (!recorded) {
        (void)s.cloudformation.delete_change_set(p.stack, id);
        return std::unexpected(
            recorded.error().with_context("recording the deploy intent (nothing was executed)"));
    }
    m_out.deployment_id = *recorded;
    const auto began = s.now();
    if (auto ok = s.cloudformation.execute_change_set(p.stack, id, intent.client_token); !ok) {
        if (ok.error().transient) return std::unexpected(execute_unanswered(ok.error()));
        // A definite refusal: the change set did not run.
        (void)s.store.finish_deployment(m_out.deployment_id, versioning::deployment_status::failed,
                                        s.now(), "ExecuteChangeSet: " + ok.error().message);
        return std::unexpected(ok.error());
    }
    auto final = follow(intent.client_token, *mark, began);
    if (!final) return std::unexpected(outcome_unknown(final.error()));
    return finish(*final);
}

void Deploy::retag() {
    if (!p.promote_tags || !s.registry) return;
    const std::string stamp = utc_stamp(s.now(), "%Y%m%dT%H%M%S");
    for (const auto& i : p.parameters.images) {
        auto image = parse_ecr_uri(i.image_uri);
        if (!image) continue;
        std::vector<std::string> tags = {i.component + "-" + p.env};
        if (p.immutable) tags.push_back(i.component + "-" + p.env + "-" + stamp);
        for (const auto& tag : tags) {
            if (auto ok = s.registry->add_tag(*image, tag); !ok) {
                m_out.warnings.push_back("tagging " + i.component + " as " + tag + ": " +
                                         ok.error().message);
            } else {
                r.note("tagged " + image->repository + ":" + image->tag + " as " + tag);
            }
        }
    }
}

common::Result<DeployOutcome> Deploy::after_change_set(const std::optional<StackInfo>& stack,
                                                       const std::string& id) {
    auto info = wait_for_change_set(id);
    if (!info) return std::unexpected(info.error());
    if (is_empty_change_set(info->status, info->status_reason)) {
        (void)s.cloudformation.delete_change_set(p.stack, id);
        m_out.result = DeployResult::up_to_date;
        return m_out;
    }
    if (info->status != "CREATE_COMPLETE") {
        (void)s.cloudformation.delete_change_set(p.stack, id);
        return common::fail(ErrorCode::failed,
                            p.stack + ": change set " + info->status + ": " + info->status_reason);
    }
    Preview preview{
        !stack, id, info->changes,
        parameter_changes(stack ? stack->parameters : std::map<std::string, std::string>{},
                          p.parameters.values, p.tmpl)};
    r.preview(preview);
    if (p.plan_only || !r.confirm(preview)) {
        (void)s.cloudformation.delete_change_set(p.stack, id);
        if (!stack) (void)s.cloudformation.delete_stack(p.stack, "");  // the empty REVIEW stack
        m_out.result = p.plan_only ? DeployResult::planned : DeployResult::declined;
        return m_out;
    }
    return execute(id);
}

common::Result<DeployOutcome> Deploy::run() {
    m_started = s.now();
    // 1. Parameters against the template: before any call to AWS.
    auto warnings = validate_plan(p);
    if (!warnings) return std::unexpected(warnings.error());
    m_out.warnings = *warnings;
    // 2. One deploy per environment.
    if (!p.lease_held) {
        if (auto ok = take_lease(); !ok) return std::unexpected(ok.error());
    }
    struct Release {
        DeployServices& s;
        const DeployPlan& p;
        ~Release() {
            if (!p.lease_held) (void)s.store.release_lock("deploy/" + p.env, p.lock_owner);
        }
    } release{s, p};
    r.begin(p);
    // 3. Artifacts and template.
    PackagedTemplate packaged{p.tmpl.text, "", {}};
    if (!artifact_refs(p.tmpl).empty() || p.tmpl.text.size() > k_max_template_body) {
        if (!s.artifacts)
            return common::fail(ErrorCode::input,
                                p.tmpl.file + ": needs packaging but no S3 client");
        auto done = package_template(p.tmpl, p.template_dir, p.artifact_bucket, p.artifact_prefix,
                                     *s.artifacts);
        if (!done) return std::unexpected(done.error());
        packaged = std::move(*done);
        m_out.uploads = packaged.uploads;
    }
    m_template_body = packaged.body;
    // 4. The stack's state decides create or update.
    auto stack = settle_stack();
    if (!stack) return std::unexpected(stack.error());
    // 5. The change set.
    const std::string name =
        "slipway-" + p.env + "-" + utc_stamp(s.now(), "%Y%m%d%H%M%S") + "-" + random_hex(6);
    ChangeSetRequest request{p.stack,
                             name,
                             *stack ? "UPDATE" : "CREATE",
                             packaged.url.empty() ? packaged.body : "",
                             packaged.url,
                             p.parameters.values,
                             p.capabilities,
                             p.tags,
                             p.role_arn,
                             name,
                             "slipway " + p.kind + " of " + p.commit.substr(0, 12),
                             p.rollback_alarms,
                             p.monitoring_minutes};
    auto id = s.cloudformation.create_change_set(request);
    if (!id && is_no_updates_error(id.error())) {
        m_out.result = DeployResult::up_to_date;
        return m_out;
    }
    if (!id) return std::unexpected(id.error());
    m_out.change_set = *id;
    return after_change_set(*stack, *id);
}

}  // namespace

common::Result<std::vector<std::string>> validate_plan(const DeployPlan& plan) {
    std::map<std::string, std::string> owners;
    for (const auto& i : plan.parameters.images) owners[i.parameter] = i.component;
    std::set<std::string> pending;
    for (const auto& [name, p] : plan.parameters.outputs) pending.insert(name);
    return validate_parameters(plan.tmpl, plan.parameters.values, owners, pending);
}

versioning::DeploymentRecord deployment_record(const DeployPlan& plan, const std::string& status,
                                               versioning::Millis started,
                                               const std::string& template_body) {
    versioning::DeploymentRecord d;
    d.env = plan.env;
    d.stack = plan.stack;
    d.commit = plan.commit;
    d.template_commit = plan.template_commit;
    if (!template_body.empty()) d.template_hash = template_hash(template_body);
    for (const auto& [name, value] : plan.parameters.values) {
        auto declared = plan.tmpl.parameters.find(name);
        const bool secret = declared != plan.tmpl.parameters.end() && declared->second.no_echo;
        d.parameters[name] = secret ? "****" : value;
    }
    d.status = status;
    d.started_at = started;
    d.run_id = plan.run_id;
    d.kind = plan.kind;
    d.source = plan.source;
    d.actor = plan.actor;
    d.region = plan.region;
    d.account = plan.account;
    d.scope = plan.scope;
    d.note = plan.note;
    for (const auto& i : plan.parameters.images)
        d.images.push_back(
            {i.component, i.build_number, i.image_uri, i.changed, i.parameter, i.commit});
    return d;
}

common::Result<DeployOutcome> deploy_stack(const DeployPlan& plan, DeployServices& services,
                                           DeployReporter& reporter) {
    Deploy d(plan, services, reporter);
    return d.run();
}

std::vector<ParameterChange> parameter_changes(const std::map<std::string, std::string>& current,
                                               const std::map<std::string, std::string>& next,
                                               const Template& t) {
    std::vector<ParameterChange> out;
    for (const auto& [name, value] : next) {
        auto old = current.find(name);
        if (old != current.end() && old->second == value) continue;
        auto declared = t.parameters.find(name);
        const bool secret = declared != t.parameters.end() && declared->second.no_echo;
        out.push_back({name, old == current.end() ? "" : old->second, value, secret});
    }
    return out;
}

std::string template_configuration(const std::map<std::string, std::string>& parameters,
                                   const std::map<std::string, std::string>& tags) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    auto object = [&](const std::map<std::string, std::string>& m) {
        w.StartObject();
        for (const auto& [k, v] : m) {
            w.Key(k.c_str(), static_cast<rapidjson::SizeType>(k.size()));
            w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
        }
        w.EndObject();
    };
    w.StartObject();
    w.Key("Parameters");
    object(parameters);
    if (!tags.empty()) {
        w.Key("Tags");
        object(tags);
    }
    w.EndObject();
    return std::string(buffer.GetString()) + "\n";
}

}  // namespace deploy
