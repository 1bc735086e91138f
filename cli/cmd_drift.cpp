// `slipway drift`: whether an environment's stack still holds what its template says
// (pipeline/drift.hpp), printed and recorded. Exit 0 in sync, 1 drifted, 4 unknown or failed.
#include <iostream>

#include "cli/command.hpp"
#include "pipeline/drift.hpp"
#include "pipeline/project.hpp"

namespace cli {
namespace {

struct DriftOptions {
    pipeline::ProjectRequest project;
    std::string env;
    bool json = false;
};

common::Result<int> run_drift(const DriftOptions& o) {
    auto opened = pipeline::open_project_with_store(o.project);
    if (!opened) return std::unexpected(opened.error());
    const auto& p = opened->project;
    auto env = p.environment(o.env);
    if (!env) return std::unexpected(env.error());
    auto services = pipeline::system_services(*opened->store, p.store_url, p.root);
    auto d = pipeline::check_drift(**env, services);
    if (!d) return std::unexpected(d.error());
    if (o.json) {
        write_out(pipeline::drift_json(*d) + "\n");
        return pipeline::drift_exit(*d);
    }
    std::cout << d->env << " (" << d->stack << "): " << d->status
              << (d->reason.empty() ? "" : ": " + d->reason) << "\n";
    for (const auto& r : d->resources) {
        std::cout << "  " << r.status << " " << r.logical_id << " (" << r.resource_type << ")"
                  << (r.differences.empty() ? "" : ": " + r.differences) << "\n";
    }
    return pipeline::drift_exit(*d);
}

}  // namespace

Handler setup_drift(CLI::App& sub) {
    auto o = std::make_shared<DriftOptions>();
    add_project_options(sub, o->project.repo, &o->project.manifest);
    add_store_option(sub, o->project.store);
    sub.add_option("--env", o->env, "the environment whose stack is checked")
        ->required()
        ->type_name("ENV");
    sub.add_flag("--json", o->json, "print the check as JSON (docs/json.md)");
    sub.footer(examples({"slipway drift --env prod", "slipway drift --env prod --json"}));
    return [o] { return run_drift(*o); };
}

}  // namespace cli
