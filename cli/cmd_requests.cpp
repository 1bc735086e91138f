// `slipway approve`, `reject` and `requests`: the decisions people take on promotion requests
// (pipeline/promotion.hpp) and the list of requests with the state of their gates. The actor
// is the one every command records (GITHUB_ACTOR, CodeBuild's initiator, else user@host).
#include <fmt/format.h>

#include <iostream>

#include "cli/command.hpp"
#include "cli/github_cli.hpp"
#include "pipeline/host.hpp"
#include "pipeline/promotion.hpp"
#include "pipeline/trigger.hpp"

namespace cli {
namespace {

struct DecideOptions {
    pipeline::ProjectRequest project;
    pipeline::Decision decision;
    bool override_freeze = false;
    bool json = false;
    GithubOptions github;
};

// The request and its gates now, as JSON or lines.
common::Result<void> show(const pipeline::Project& p, versioning::VersionStore& store,
                          const versioning::PromotionRequest& r, bool json,
                          pipeline::TeamDirectory* teams) {
    std::optional<pipeline::GateVerdict> verdict;
    if (r.status == versioning::request_status::open) {
        auto env = p.environment(r.env);
        if (!env) return std::unexpected(env.error());
        auto v = pipeline::check_gates(p.manifest, **env, r, store, pipeline::now_millis(), teams);
        if (!v) return std::unexpected(v.error());
        verdict = std::move(*v);
    }
    if (json) {
        write_out(pipeline::request_json(r, verdict ? &*verdict : nullptr) + "\n");
        return {};
    }
    for (const auto& line : pipeline::describe_request(r, verdict ? &*verdict : nullptr))
        std::cout << line << "\n";
    if (verdict && verdict->passed())
        std::cout << "gates pass: deploy it with 'slipway promote --to " << r.env << " --request "
                  << r.id << "'\n";
    return {};
}

common::Result<int> run_decide(DecideOptions o, const std::string& verdict) {
    auto teams = teams_of(o.github);
    if (!teams) return std::unexpected(teams.error());
    auto opened = pipeline::open_project_with_store(o.project);
    if (!opened) return std::unexpected(opened.error());
    o.decision.actor = pipeline::current_trigger().actor;
    auto& store = *opened->store;
    const auto& p = opened->project;
    if (auto env = p.environment(o.decision.env); !env) return std::unexpected(env.error());
    if (o.override_freeze) {
        auto d = o.decision;
        d.verdict = "override-freeze";
        auto done = pipeline::decide(p.manifest, d, store, pipeline::now_millis(), teams->get());
        if (!done) return std::unexpected(done.error());
        std::cerr << "slipway: warning: the freeze of " << d.env << " is overridden by " << d.actor
                  << " for request #" << d.request << ": " << d.reason << "\n";
    }
    o.decision.verdict = verdict;
    auto done =
        pipeline::decide(p.manifest, o.decision, store, pipeline::now_millis(), teams->get());
    if (!done) return std::unexpected(done.error());
    if (auto ok = show(p, store, *done, o.json, teams->get()); !ok)
        return std::unexpected(ok.error());
    return 0;
}

std::shared_ptr<DecideOptions> decide_options(CLI::App& sub, bool reason_required) {
    auto o = std::make_shared<DecideOptions>();
    add_project_options(sub, o->project.repo, &o->project.manifest);
    add_store_option(sub, o->project.store);
    sub.add_option("--env", o->decision.env, "the environment the request promotes into")
        ->required()
        ->type_name("ENV");
    sub.add_option("--request", o->decision.request, "the promotion request")
        ->required()
        ->type_name("ID");
    auto reason =
        sub.add_option("--reason", o->decision.reason, "why (recorded, shown)")->type_name("WHY");
    if (reason_required) reason->required();
    sub.add_flag("--json", o->json, "print the request as JSON");
    add_github_teams_flag(sub, o->github);
    return o;
}

struct ListOptions {
    pipeline::ProjectRequest project;
    std::string env;
    std::size_t limit = 20;
    bool json = false;
    GithubOptions github;
};

common::Result<int> run_list(const ListOptions& o) {
    auto teams = teams_of(o.github);
    if (!teams) return std::unexpected(teams.error());
    auto opened = pipeline::open_project_with_store(o.project);
    if (!opened) return std::unexpected(opened.error());
    const auto& p = opened->project;
    if (!o.env.empty()) {
        if (auto env = p.environment(o.env); !env) return std::unexpected(env.error());
    }
    auto requests = opened->store->requests(o.env, o.limit);
    if (!requests) return std::unexpected(requests.error());
    std::string json = "{\"requests\":[";
    for (std::size_t i = 0; i < requests->size(); ++i) {
        const auto& r = (*requests)[i];
        std::optional<pipeline::GateVerdict> verdict;
        auto env = p.environment(r.env);
        if (r.status == versioning::request_status::open && env) {
            auto v = pipeline::check_gates(p.manifest, **env, r, *opened->store,
                                           pipeline::now_millis(), teams->get());
            if (!v) return std::unexpected(v.error());
            verdict = std::move(*v);
        }
        const auto* v = verdict ? &*verdict : nullptr;
        if (o.json) {
            json += (i ? "," : "") + pipeline::request_json(r, v);
            continue;
        }
        for (const auto& line : pipeline::describe_request(r, v)) std::cout << line << "\n";
    }
    if (o.json) write_out(json + "]}\n");
    if (!o.json && requests->empty()) std::cout << "no promotion requests\n";
    return 0;
}

}  // namespace

Handler setup_approve(CLI::App& sub) {
    auto o = decide_options(sub, false);
    sub.add_flag("--override-freeze", o->override_freeze,
                 "also let it through a freeze window (needs --reason; recorded)");
    sub.footer(examples({"slipway approve --env prod --request 7",
                         "slipway approve --env prod --request 7 --reason 'checked the canary'"}));
    return [o] {
        if (o->override_freeze && o->decision.reason.empty())
            return common::Result<int>(
                common::fail(common::ErrorCode::usage, "--override-freeze needs --reason"));
        return run_decide(*o, "approve");
    };
}

Handler setup_reject(CLI::App& sub) {
    auto o = decide_options(sub, true);
    sub.footer(examples({"slipway reject --env prod --request 7 --reason 'breaks the v1 API'"}));
    return [o] { return run_decide(*o, "reject"); };
}

Handler setup_requests(CLI::App& sub) {
    auto o = std::make_shared<ListOptions>();
    add_project_options(sub, o->project.repo, &o->project.manifest);
    add_store_option(sub, o->project.store);
    sub.add_option("--env", o->env, "one environment's requests")->type_name("ENV");
    sub.add_option("--limit", o->limit, "at most N requests, newest first (default 20)")
        ->type_name("N");
    sub.add_flag("--json", o->json, "print {\"requests\": [...]} (docs/json.md)");
    add_github_teams_flag(sub, o->github);
    sub.footer(examples({"slipway requests --env prod", "slipway requests --json"}));
    return [o] { return run_list(*o); };
}

}  // namespace cli
