// See promotion.hpp.
#include "pipeline/promotion.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "common/json.hpp"
#include "pipeline/host.hpp"
#include "pipeline/stacks.hpp"
#include "pipeline/teams.hpp"

namespace pipeline {
namespace {

using common::ErrorCode;
using versioning::Millis;
using versioning::PromotionRequest;

// The commit a component's build was made from (the deployment's commit when the store no
// longer lists the build among the component's latest).
std::string build_commit(versioning::VersionStore& store, const std::string& component,
                         std::int64_t build, const std::string& fallback) {
    auto builds = store.builds_of(component, 200);
    if (builds) {
        for (const auto& b : *builds) {
            if (b.build_number == build && !b.commit.empty()) return b.commit;
        }
    }
    return fallback;
}

void write_verdict(common::JsonOut& j, const GateVerdict& v) {
    j.begin_object().key("met").begin_array();
    for (const auto& m : v.met) j.value(m);
    j.end_array().field("passed", v.passed()).key("unmet").begin_array();
    for (const auto& u : v.unmet) {
        j.begin_object().field("gate", u.gate).field("message", u.message);
        j.field_or_null("until", u.until.has_value(), iso_time(u.until.value_or(0)));
        j.end_object();
    }
    j.end_array().end_object();
}

std::unexpected<common::Error> not_an_approver(const components::Environment& env,
                                               const std::string& actor) {
    return common::fail(ErrorCode::input,
                        actor + " is not an approver of '" + env.name + "' (gates.approvers: " +
                            fmt::format("{}", fmt::join(env.gates.approvers, ", ")) + ")");
}

// A decision as the trail says it.
std::string verdict_words(const std::string& verdict) {
    if (verdict == "approve") return "approved";
    if (verdict == "reject") return "rejected";
    if (verdict == "override-freeze") return "freeze overridden";
    return verdict;
}

}  // namespace

common::Result<void> check_override(const components::Manifest& m,
                                    const components::Environment& env, const std::string& actor,
                                    const std::string& reason, TeamDirectory* directory) {
    auto teams = resolve_teams(m, env, {actor}, directory);
    if (!teams) return std::unexpected(teams.error());
    if (!may_approve(env.gates, *teams, actor)) return not_an_approver(env, actor);
    if (reason.empty())
        return common::fail(ErrorCode::usage, "--override-freeze needs --reason (why now)");
    if (env.gates.freeze.empty())
        return common::fail(ErrorCode::input,
                            "environment '" + env.name + "' has no freeze windows to override");
    return {};
}

common::Result<GateVerdict> check_gates(const components::Manifest& m,
                                        const components::Environment& env,
                                        const PromotionRequest& r, versioning::VersionStore& store,
                                        Millis now, TeamDirectory* directory) {
    auto zones = load_zones(env.gates);
    if (!zones) return std::unexpected(zones.error());
    std::vector<versioning::DeploymentRecord> history;
    if (env.gates.soak.count() > 0) {
        auto all = store.deployments_in(r.from, 1000);
        if (!all) return std::unexpected(all.error());
        for (auto it = all->rbegin(); it != all->rend(); ++it) {
            if (it->id >= r.source_deployment) history.push_back(std::move(*it));
        }
    }
    // The teams of the people who approved. A directory that cannot answer counts only the
    // manifest's teams: the request stays held rather than pass on an unchecked approval.
    std::vector<std::string> approvers;
    for (const auto& d : r.decisions)
        if (d.verdict == "approve") approvers.push_back(d.actor);
    auto teams = resolve_teams(m, env, approvers, directory);
    if (!teams) {
        spdlog::warn("gates of request #{}: {}", r.id, teams.error().message);
        teams = resolve_teams(m, env, {}, nullptr);
    }
    return evaluate_gates({env.gates, *teams, r, history, *zones, now});
}

common::Result<PromotionRequest> new_request(const components::Manifest& m,
                                             const components::Environment& env,
                                             versioning::VersionStore& store,
                                             const std::string& actor, Millis now) {
    const std::string& from = env.promote_from;
    if (from.empty())
        return common::fail(ErrorCode::input,
                            "environment '" + env.name + "' has no promote_from to request from");
    auto source = store.current_deployments(from);
    if (!source) return std::unexpected(source.error());
    if (source->empty())
        return common::fail(ErrorCode::input,
                            "environment '" + from + "' has no succeeded deployment to promote");
    auto target = store.current_deployments(env.name);
    if (!target) return std::unexpected(target.error());
    // The source's images over every stack and place (each component the same everywhere,
    // else it is partially deployed and nothing is requested from it); its commit and
    // deployment are those of its latest complete environment deployment.
    std::map<std::string, const versioning::DeploymentImage*> images;
    for (const auto& d : *source) {
        for (const auto& i : d.images) {
            auto [at, fresh] = images.emplace(i.component, &i);
            if (!fresh && at->second->image_uri != i.image_uri)
                return common::fail(ErrorCode::input,
                                    "environment '" + from +
                                        "' is partially deployed: component '" + i.component +
                                        "' runs " + at->second->image_uri + " in one place and " +
                                        i.image_uri + " in another; finish its deploy first");
        }
    }
    auto last = last_complete_deployment(store, from);
    if (!last) return std::unexpected(last.error());
    const versioning::DeploymentRecord& d = *last ? **last : source->front();
    PromotionRequest r;
    r.env = env.name;
    r.from = from;
    r.requested_by = actor;
    r.requested_at = now;
    r.source_deployment = d.id;
    r.base_deployment = 0;
    for (const auto& t : *target) r.base_deployment = std::max(r.base_deployment, t.id);
    r.commit = d.commit;
    for (const auto& [name, i] : images) {
        const auto* comp = m.find(name);
        if (!comp || comp->kind != components::ComponentKind::image) continue;
        // The commit the deployed image is current for (the ledger's); else its build's.
        versioning::RequestImage image{
            i->component, i->build_number, i->image_uri,
            i->commit.empty() ? build_commit(store, i->component, i->build_number, d.commit)
                              : i->commit,
            true};
        if (!target->empty()) {
            bool differs = false;
            for (const auto& t : *target) {
                for (const auto& ti : t.images) {
                    if (ti.component == name && ti.image_uri != i->image_uri) differs = true;
                }
            }
            image.changed = differs;
        }
        r.images.push_back(std::move(image));
    }
    return r;
}

common::Result<std::optional<PromotionRequest>> open_request(versioning::VersionStore& store,
                                                             const std::string& env) {
    auto recent = store.requests(env, 50);
    if (!recent) return std::unexpected(recent.error());
    for (auto& r : *recent) {
        if (r.status == versioning::request_status::open)
            return std::optional<PromotionRequest>{std::move(r)};
    }
    return std::optional<PromotionRequest>{};
}

common::Result<PromotionRequest> decide(const components::Manifest& m, const Decision& d,
                                        versioning::VersionStore& store, Millis now,
                                        TeamDirectory* directory) {
    auto env = std::find_if(m.environments.begin(), m.environments.end(),
                            [&](const auto& e) { return e.name == d.env; });
    if (env == m.environments.end())
        return common::fail(ErrorCode::input, "unknown environment '" + d.env + "'");
    auto found = store.request(d.request);
    if (!found) return std::unexpected(found.error());
    const std::string id = "#" + std::to_string(d.request);
    if (!*found || (*found)->env != d.env)
        return common::fail(ErrorCode::input,
                            "no promotion request " + id + " into environment '" + d.env + "'");
    const PromotionRequest& r = **found;
    if (d.verdict != "approve" && d.verdict != "reject" && d.verdict != "override-freeze")
        return common::fail(ErrorCode::input, "unknown decision '" + d.verdict + "'");
    if (r.status != versioning::request_status::open)
        return common::fail(ErrorCode::input, "request " + id + " is " + r.status +
                                                  " already: only an open request takes decisions");
    const auto& gates = env->gates;
    const bool requester = person_of(d.actor) == person_of(r.requested_by);
    auto teams = resolve_teams(m, *env, {d.actor}, directory);
    if (!teams) return std::unexpected(teams.error());
    const bool approver = may_approve(gates, *teams, d.actor);
    if (d.verdict == "approve" && requester)
        return common::fail(ErrorCode::input, "request " + id + " was asked for by " +
                                                  r.requested_by + ": " + d.actor +
                                                  " cannot approve their own request");
    if (d.verdict == "override-freeze") {
        if (auto ok = check_override(m, *env, d.actor, d.reason, directory); !ok)
            return std::unexpected(ok.error());
    }
    if (d.verdict == "approve" && !approver) return not_an_approver(*env, d.actor);
    if (d.verdict == "reject" && !approver && !requester)
        return common::fail(ErrorCode::input, d.actor + " may not reject request " + id +
                                                  ": only an approver of '" + d.env +
                                                  "' or its requester may");
    if (d.verdict == "reject" && d.reason.empty())
        return common::fail(ErrorCode::usage, "reject: give --reason (why not)");
    auto ok = store.decide_request(d.request, {d.actor, d.verdict, d.reason, now});
    if (!ok) return std::unexpected(ok.error());
    if (!*ok) return common::fail(ErrorCode::input, "request " + id + " was ended meanwhile");
    if (d.verdict == "reject") {
        auto ended = store.finish_request(d.request, versioning::request_status::rejected, now, 0,
                                          "", "rejected by " + d.actor + ": " + d.reason);
        if (!ended) return std::unexpected(ended.error());
    }
    auto after = store.request(d.request);
    if (!after) return std::unexpected(after.error());
    return **after;
}

std::vector<std::string> describe_request(const PromotionRequest& r, const GateVerdict* verdict) {
    std::vector<std::string> out;
    out.push_back(
        fmt::format("request #{}: {} -> {} ({}), deployment #{} of {} at {}, asked by {}{}", r.id,
                    r.from, r.env, r.status, r.source_deployment, r.from, r.commit.substr(0, 12),
                    r.requested_by, r.reason.empty() ? "" : ": " + r.reason));
    for (const auto& i : r.images) {
        out.push_back(fmt::format("  {} #{} {} ({}){}", i.component, i.build_number, i.image_uri,
                                  i.commit.substr(0, 12), i.changed ? "  new" : ""));
    }
    for (const auto& d : r.decisions) {
        out.push_back(fmt::format("  {} by {} at {}{}", d.verdict, d.actor, iso_time(d.at),
                                  d.reason.empty() ? "" : ": " + d.reason));
    }
    if (!r.outcome.empty() && r.status != versioning::request_status::rejected)
        out.push_back("  " + r.outcome);
    if (!verdict) return out;
    for (const auto& m : verdict->met) out.push_back("  met: " + m);
    for (const auto& u : verdict->unmet) out.push_back("  held: " + u.message);
    return out;
}

std::string request_json(const PromotionRequest& r, const GateVerdict* verdict) {
    common::JsonOut j;
    j.begin_object()
        .field("auto_deploy", r.auto_deploy)
        .field("base_deployment", r.base_deployment);
    j.field("commit", r.commit).key("decisions").begin_array();
    for (const auto& d : r.decisions) {
        j.begin_object().field("actor", d.actor).field("at", iso_time(d.at));
        j.field("reason", d.reason).field("verdict", d.verdict).end_object();
    }
    j.end_array().field_or_null("deployment_id", r.deployment_id != 0, r.deployment_id);
    j.field("env", r.env)
        .field_or_null("finished_at", r.finished_at.has_value(),
                       iso_time(r.finished_at.value_or(0)));
    j.field("from", r.from).key("gates");
    verdict ? write_verdict(j, *verdict) : (void)j.null();
    j.field("id", r.id).key("images").begin_array();
    for (const auto& i : r.images) {
        j.begin_object().field("build_number", i.build_number).field("changed", i.changed);
        j.field("commit", i.commit).field("component", i.component);
        j.field("image_uri", i.image_uri).end_object();
    }
    j.end_array().field("outcome", r.outcome).field("reason", r.reason);
    j.field("requested_at", iso_time(r.requested_at));
    j.field("requested_by", r.requested_by).field("run_id", r.run_id);
    j.field("source_deployment", r.source_deployment).field("status", r.status).end_object();
    std::string out = j.str();
    out.pop_back();
    return out;
}

std::vector<std::string> request_trail(const PromotionRequest& r) {
    std::vector<std::string> out;
    out.push_back(fmt::format("requested by {} at {}{}", r.requested_by, iso_time(r.requested_at),
                              r.reason.empty() ? "" : ": " + r.reason));
    for (const auto& d : r.decisions) {
        out.push_back(fmt::format("{} by {} at {}{}", verdict_words(d.verdict), d.actor,
                                  iso_time(d.at), d.reason.empty() ? "" : ": " + d.reason));
    }
    if (r.finished_at && r.status != versioning::request_status::rejected) {
        out.push_back(fmt::format("{} at {}{}", r.status, iso_time(*r.finished_at),
                                  r.outcome.empty() ? "" : ": " + r.outcome));
    }
    return out;
}

std::string request_trail_json(const PromotionRequest& r) {
    common::JsonOut j;
    j.begin_object().key("decisions").begin_array();
    for (const auto& d : r.decisions) {
        j.begin_object().field("actor", d.actor).field("at", iso_time(d.at));
        j.field("reason", d.reason).field("verdict", d.verdict).end_object();
    }
    j.end_array().field("id", r.id).field("outcome", r.outcome).field("reason", r.reason);
    j.field("requested_at", iso_time(r.requested_at)).field("requested_by", r.requested_by);
    j.field("status", r.status).end_object();
    std::string out = j.str();
    out.pop_back();
    return out;
}

std::string request_note(const PromotionRequest& r, const GateVerdict& verdict) {
    std::string note = fmt::format("request #{} (requested by {}", r.id, r.requested_by);
    if (!verdict.approvers.empty())
        note += fmt::format("; approved by {}", fmt::join(verdict.approvers, ", "));
    for (const auto& d : r.decisions) {
        if (d.verdict == "override-freeze")
            note += fmt::format("; freeze overridden by {}: {}", d.actor, d.reason);
    }
    return note + ")";
}

}  // namespace pipeline
