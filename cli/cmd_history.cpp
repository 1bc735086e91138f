// Queries over the version store: `slipway history`, `slipway status`, `slipway diffs`. The
// values come from pipeline/history.hpp; each is rendered here as text, or as JSON
// (pipeline/documents.hpp, docs/json.md) from the same value.
#include <fmt/format.h>

#include "cli/command.hpp"
#include "common/path_text.hpp"
#include "deploy/stack_plan.hpp"
#include "pipeline/documents.hpp"
#include "pipeline/history.hpp"
#include "pipeline/host.hpp"
#include "pipeline/promotion.hpp"

namespace cli {
namespace {

using pipeline::iso_time;

struct QueryOptions {
    pipeline::ProjectRequest project;
    std::string env;
    std::string subject;  // the component or the commit
    std::size_t limit = 20;
    bool json = false;
};

std::string history_text(const pipeline::ComponentHistory& h) {
    std::string out = h.component + "\nbuilds:\n";
    for (const auto& b : h.builds) {
        const std::string number = b.build_number ? "#" + std::to_string(b.build_number) : "-";
        out += fmt::format("  {:<7} {:<11} {}  {}  {}\n", number, versioning::to_string(b.status),
                           iso_time(b.started_at), b.commit.substr(0, 12),
                           b.image_uri.empty() ? "-" : b.image_uri);
    }
    if (h.builds.empty()) out += "  none\n";
    out += "deployments:\n";
    for (const auto& d : h.deployments) {
        // "new": this deployment changed the component's image; "kept": it redeployed the
        // image the environment already had (a deploy carries every component).
        out += fmt::format("  {:<10} #{:<5} {:<10} {:<8} {:<4}  {}  {}  {}\n", d.env,
                           d.build_number, d.status, d.kind, d.changed ? "new" : "kept",
                           d.finished_at ? iso_time(*d.finished_at) : "-", d.image_uri,
                           d.actor.empty() ? "-" : d.actor);
        if (!d.note.empty()) out += "             why: " + d.note + "\n";
        if (const auto* r = h.request_of(d)) {
            for (const auto& line : pipeline::request_trail(*r))
                out += "               " + line + "\n";
        }
    }
    if (h.deployments.empty()) out += "  none\n";
    return out;
}

common::Result<int> run_history(const QueryOptions& o) {
    auto c = pipeline::open_for_query(o.project);
    if (!c) return std::unexpected(c.error());
    auto h = pipeline::component_history(c->manifest_or_null(), c->store.get(), o.subject, o.env,
                                         o.limit);
    if (!h) return std::unexpected(h.error());
    write_out(o.json ? pipeline::history_json(*h) : history_text(*h));
    return 0;
}

// What a component without builds is: a library or config component has none to have.
std::string never_built(const pipeline::ComponentStatus& c) {
    if (!c.kind.empty() && c.kind != "image") return "(" + c.kind + ")";
    return "never built";
}

// A deployment's commit (its environment's place in history), or why there is none: an image
// of unknown commit (docs/deploy.md, "What counts as deployed").
std::string short_commit(const versioning::DeploymentRecord& d) {
    return d.commit.empty() ? "(commit unknown)" : d.commit.substr(0, 12);
}

// Per environment: the deployment it has (commit, time, who) and any not confirmed yet.
std::string environment_lines(const pipeline::StatusView& v) {
    std::string out;
    for (const auto& e : v.environments) {
        for (const auto& d : e.stacks) {
            const std::string where =
                e.stacks.size() == 1 && d.region.empty()
                    ? d.env
                    : d.env + " " +
                          deploy::stack_label(d.stack,
                                              components::Target::recorded(d.region, d.account));
            out += fmt::format("{}: deployment #{} of {} at {} by {}\n", where, d.id,
                               short_commit(d), d.finished_at ? iso_time(*d.finished_at) : "-",
                               d.actor.empty() ? "-" : d.actor);
            if (!d.note.empty()) out += "  why: " + d.note + "\n";
        }
        if (e.partially_deployed)
            out += e.name +
                   ": partially deployed (its latest deployment did not reach every "
                   "stack: see 'slipway history' and run it again)\n";
    }
    for (const auto& d : v.pending) {
        out += fmt::format(
            "{}: deployment #{} of {} pending since {} ({}, run {}; 'slipway "
            "reconcile' records its outcome)\n",
            d.env, d.id, short_commit(d), iso_time(d.started_at),
            d.executed_by == "codepipeline" ? "executed by CodePipeline" : "outcome not confirmed",
            d.run_id);
    }
    return out;
}

std::string status_text(const pipeline::StatusView& v) {
    std::string out = fmt::format("{:<24} {:<8} {:<11}", "component", "latest", "status");
    for (const auto& e : v.environments) out += fmt::format(" {:<10}", e.name);
    out += "\n";
    for (const auto& c : v.components) {
        const auto& b = c.latest;
        out += fmt::format("{:<24} {:<8} {:<11}", c.name,
                           b && b->build_number ? "#" + std::to_string(b->build_number) : "-",
                           b ? std::string(versioning::to_string(b->status)) : never_built(c));
        for (const auto& e : v.environments) {
            auto it = c.deployed.find(e.name);
            out += fmt::format(" {:<10}", it != c.deployed.end()
                                              ? "#" + std::to_string(it->second.build_number) +
                                                    (it->second.differs ? "*" : "")
                                              : "-");
        }
        out += "\n";
    }
    return out + environment_lines(v);
}

common::Result<int> run_status(const QueryOptions& o) {
    auto c = pipeline::open_for_query(o.project);
    if (!c) return std::unexpected(c.error());
    auto v = pipeline::status_view(c->manifest_or_null(), c->store.get(), o.env);
    if (!v) return std::unexpected(v.error());
    write_out(o.json ? pipeline::status_json(*v) : status_text(*v));
    return 0;
}

std::string diffs_text(const std::string& commit,
                       const std::vector<versioning::DiffRecord>& diffs) {
    if (diffs.empty()) return "no recorded changes for " + commit + "\n";
    std::string out;
    for (const auto& d : diffs) {
        out += d.component + "\n";
        for (const auto& p : d.paths) out += "  " + common::quote_path(p) + "\n";
    }
    return out;
}

common::Result<int> run_diffs(const QueryOptions& o) {
    auto c = pipeline::open_for_query(o.project);
    if (!c) return std::unexpected(c.error());
    auto d = pipeline::recorded_diffs(*c, o.subject);
    if (!d) return std::unexpected(d.error());
    write_out(o.json ? pipeline::diffs_json(d->commit, d->diffs) : diffs_text(d->commit, d->diffs));
    return 0;
}

std::shared_ptr<QueryOptions> common_options(CLI::App& sub) {
    auto o = std::make_shared<QueryOptions>();
    add_project_options(sub, o->project.repo, &o->project.manifest);
    add_store_option(sub, o->project.store);
    sub.add_flag("--json", o->json, "print JSON (docs/json.md)");
    return o;
}

}  // namespace

Handler setup_history(CLI::App& sub) {
    auto o = common_options(sub);
    sub.add_option("component", o->subject, "the component")->required()->type_name("COMPONENT");
    sub.add_option("--env", o->env, "deployments to this environment only")->type_name("ENV");
    sub.add_option("--limit", o->limit, "at most this many builds and deployments (default 20)")
        ->type_name("N");
    sub.footer(
        examples({"slipway history api", "slipway history api --env prod --limit 5 --json"}));
    return [o] { return run_history(*o); };
}

Handler setup_status(CLI::App& sub) {
    auto o = common_options(sub);
    sub.add_option("--env", o->env, "this environment only")->type_name("ENV");
    sub.footer(examples({"slipway status", "slipway status --env prod --json"}));
    return [o] { return run_status(*o); };
}

Handler setup_diffs(CLI::App& sub) {
    auto o = common_options(sub);
    sub.add_option("commit", o->subject, "a commit (any ref inside a repository)")
        ->required()
        ->type_name("REF");
    sub.footer(examples({"slipway diffs HEAD", "slipway diffs 3f2a9c1 --json"}));
    return [o] { return run_diffs(*o); };
}

}  // namespace cli
