// Making an environment's plan: one DeployPlan per (stack, target) node. See stacks.hpp.
#include <algorithm>
#include <set>

#include "pipeline/deploys.hpp"
#include "pipeline/stacks.hpp"

namespace pipeline {

using common::ErrorCode;

common::Result<KnownImages> known_images(const Project& p, const components::Environment& env,
                                         versioning::VersionStore& store) {
    KnownImages known;
    auto current = store.current_deployments(env.name);
    if (!current) return std::unexpected(current.error());
    known.current = std::move(*current);
    for (const auto& comp : p.manifest.components) {
        if (comp.kind != components::ComponentKind::image) continue;
        auto builds = store.builds_of(comp.name, 50);
        if (!builds) return std::unexpected(builds.error());
        for (const auto& b : *builds) {
            if (b.status == versioning::BuildStatus::succeeded && b.build_number > 0) {
                known.latest_built[comp.name] = {b.build_number, b.image_uri, b.commit};
                break;
            }
        }
    }
    return known;
}

const versioning::DeploymentRecord* current_of(const KnownImages& known,
                                               const components::Stack& stack,
                                               const components::Target& target) {
    for (const auto& d : known.current) {
        if (d.stack == stack.name && d.region == target.recorded_region() &&
            d.account == target.recorded_account())
            return &d;
    }
    return nullptr;
}

std::map<std::string, deploy::KnownImage> deployed_images(const KnownImages& known,
                                                          const components::Stack& stack,
                                                          const components::Target& target) {
    std::map<std::string, deploy::KnownImage> out;
    // Elsewhere in the same place first (newest deployment wins), then the stack's own.
    std::vector<const versioning::DeploymentRecord*> same_place;
    for (const auto& d : known.current) {
        if (d.region == target.recorded_region() && d.account == target.recorded_account())
            same_place.push_back(&d);
    }
    std::sort(same_place.begin(), same_place.end(),
              [](const auto* a, const auto* b) { return a->id < b->id; });
    for (const auto* d : same_place) {
        for (const auto& i : d->images) out[i.component] = {i.build_number, i.image_uri, i.commit};
    }
    if (const auto* own = current_of(known, stack, target)) {
        for (const auto& i : own->images)
            out[i.component] = {i.build_number, i.image_uri, i.commit};
    }
    return out;
}

namespace {

// The deployments of one run (one environment deployment), from `at` on; returns the end.
std::size_t group_end(const std::vector<versioning::DeploymentRecord>& rows, std::size_t at) {
    auto key = [](const versioning::DeploymentRecord& d) {
        return d.run_id.empty() ? "#" + std::to_string(d.id) : d.run_id;
    };
    std::size_t end = at + 1;
    while (end < rows.size() && key(rows[end]) == key(rows[at])) ++end;
    return end;
}

bool succeeded(const versioning::DeploymentRecord& d) {
    return d.status == versioning::deployment_status::succeeded;
}

}  // namespace

std::optional<versioning::DeploymentRecord> last_complete(
    const std::vector<versioning::DeploymentRecord>& newest_first) {
    for (std::size_t at = 0; at < newest_first.size();) {
        const std::size_t end = group_end(newest_first, at);
        bool complete = true;
        for (std::size_t i = at; i < end; ++i)
            complete = complete && succeeded(newest_first[i]) && newest_first[i].scope.empty();
        if (complete) return newest_first[at];
        at = end;
    }
    return std::nullopt;
}

bool partially_deployed(const std::vector<versioning::DeploymentRecord>& newest_first) {
    if (newest_first.empty()) return false;
    const std::size_t end = group_end(newest_first, 0);
    std::size_t ok = 0;
    for (std::size_t i = 0; i < end; ++i) ok += succeeded(newest_first[i]) ? 1 : 0;
    return ok > 0 && (ok < end || !newest_first[0].scope.empty());
}

common::Result<std::optional<versioning::DeploymentRecord>> last_complete_deployment(
    versioning::VersionStore& store, const std::string& env) {
    auto rows = store.deployments_in(env, 500);
    if (!rows) return std::unexpected(rows.error());
    if (auto found = last_complete(*rows)) return found;
    // Older than the rows read (or none complete): the latest succeeded one.
    auto current = store.current_deployments(env);
    if (!current) return std::unexpected(current.error());
    std::optional<versioning::DeploymentRecord> newest;
    for (auto& d : *current) {
        if (!newest || d.id > newest->id) newest = std::move(d);
    }
    if (newest && rows->size() < 500) return std::nullopt;  // every row was read: none complete
    return newest;
}

namespace {

// The parameter inputs of one stack at one target.
deploy::ParameterInputs inputs_for(const KnownImages& known, const NewImages& images,
                                   const components::Stack& stack,
                                   const components::Target& target) {
    deploy::ParameterInputs in;
    in.deployed = deployed_images(known, stack, target);
    in.latest_built = known.latest_built;
    in.new_images = images.all;
    auto by_stack = images.by_stack.find(stack.name + "#" + target.recorded_region() + "#" +
                                         target.recorded_account());
    if (by_stack != images.by_stack.end()) {
        for (const auto& [name, image] : by_stack->second) in.new_images[name] = image;
    }
    return in;
}

// Shared parameters (the stacks form's environment `parameters`) each name a parameter some
// stack's template declares.
common::Result<void> check_shared_parameters(const components::Environment& env,
                                             const std::vector<deploy::DeployPlan>& deploys) {
    for (const auto& [name, value] : env.parameters) {
        bool declared = false;
        for (const auto& d : deploys) declared = declared || d.tmpl.parameters.contains(name);
        if (!declared && !deploys.empty())
            return common::fail(ErrorCode::input,
                                env.parameters_pos.str() + ": environment '" + env.name +
                                    "'.parameters." + name +
                                    ": no template of the stacks deployed declares it");
    }
    return {};
}

}  // namespace

common::Result<EnvironmentPlan> plan_environment(
    const Project& p, const components::Environment& env, const deploy::StackSelection& stacks,
    const std::vector<bool>& targets, const KnownImages& known, const NewImages& images,
    const DeploySettings& settings, const std::string& scope) {
    EnvironmentPlan out{deploy::StackPlan::make(env, stacks, targets), {}};
    for (std::size_t i = 0; i < out.plan.size(); ++i) {
        const auto& node = out.plan.at(i);
        const auto& stack = env.stacks[node.stack];
        const auto& target = env.targets[node.target];
        auto params = deploy::compute_parameters(p.manifest, env, stack,
                                                 inputs_for(known, images, stack, target));
        if (!params) return std::unexpected(params.error());
        auto plan = make_deploy_plan(p, env, stack, target, std::move(*params), settings);
        if (!plan) return std::unexpected(plan.error());
        plan->label = node.label;
        plan->scope = scope;
        if (auto ok = deploy::validate_plan(*plan); !ok) {
            const bool one = env.stacks.size() == 1 && env.targets.size() == 1;
            return std::unexpected(one ? ok.error()
                                       : ok.error().with_context("stack " + node.label));
        }
        out.deploys.push_back(std::move(*plan));
    }
    if (auto ok = check_shared_parameters(env, out.deploys); !ok)
        return std::unexpected(ok.error());
    return out;
}

}  // namespace pipeline
