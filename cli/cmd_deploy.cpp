// `slipway deploy`, `slipway promote`, `slipway rollback`: one CloudFormation deploy of an
// environment's stack with a parameter for every component. They differ only in where the
// new images come from: given with --images or built earlier (deploy), the images deployed
// in another environment (promote), or an earlier deployment or build (rollback).
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include "aws/credentials.hpp"
#include "cli/command.hpp"
#include "cli/console.hpp"
#include "cli/deploy_session.hpp"
#include "cli/project.hpp"
#include "cli/runtime.hpp"
#include "common/interrupt.hpp"
#include "common/text.hpp"
#include "deploy/deployer.hpp"

namespace cli {
namespace {

using common::ErrorCode;
namespace fs = std::filesystem;

// --images comp=uri,...: the build number is the store's when it knows that image.
common::Result<std::map<std::string, deploy::KnownImage>> parse_images(
    const std::vector<std::string>& given, versioning::VersionStore& store) {
    std::map<std::string, deploy::KnownImage> out;
    for (const auto& item : given) {
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
            return common::fail(ErrorCode::usage,
                                "--images: expected COMPONENT=IMAGE_URI, got '" + item + "'");
        deploy::KnownImage image{0, item.substr(eq + 1)};
        auto builds = store.builds_of(item.substr(0, eq), 200);
        if (!builds) return std::unexpected(builds.error());
        for (const auto& b : *builds) {
            if (b.image_uri == image.image_uri && b.build_number > 0) {
                image.build_number = b.build_number;
                break;
            }
        }
        out[item.substr(0, eq)] = image;
    }
    return out;
}

common::Result<int> run_deploy(const DeployOptions& o) {
    auto c = open_deploy_context(o);
    if (!c) return std::unexpected(c.error());
    auto inputs = known_images(*c);
    if (!inputs) return std::unexpected(inputs.error());
    auto given = parse_images(o.images, *c->store);
    if (!given) return std::unexpected(given.error());
    if (o.latest) inputs->new_images = inputs->latest_built;
    for (auto& [name, image] : *given) inputs->new_images[name] = image;
    for (const auto& [name, built] : inputs->latest_built) {
        auto deployed = inputs->deployed.find(name);
        if (o.latest || inputs->new_images.contains(name) || deployed == inputs->deployed.end() ||
            deployed->second.build_number >= built.build_number)
            continue;
        std::cerr << fmt::format(
            "slipway: note: {}: build #{} is newer than the deployed #{} "
            "(deploy it with --latest or --images)\n",
            name, built.build_number, deployed->second.build_number);
    }
    auto params = deploy::compute_parameters(c->manifest, *c->env, *inputs);
    if (!params) return std::unexpected(params.error());
    auto plan = make_plan(*c, o, std::move(*params));
    if (!plan) return std::unexpected(plan.error());
    auto done = run_plan(*c, o, std::move(*plan));
    if (!done) return std::unexpected(done.error());
    return done->exit;
}

common::Result<int> run_promote(DeployOptions o) {
    auto c = open_deploy_context(o);
    if (!c) return std::unexpected(c.error());
    if (o.from.empty()) o.from = c->env->promote_from;
    if (o.from.empty())
        return common::fail(ErrorCode::usage, "promote: give --from (environment '" + o.env +
                                                  "' has no promote_from)");
    if (auto from = find_environment(c->manifest, o.from); !from)
        return std::unexpected(from.error());
    if (!c->env->promote_from.empty() && c->env->promote_from != o.from)
        return common::fail(ErrorCode::input, "environment '" + o.env + "' promotes from '" +
                                                  c->env->promote_from + "', not '" + o.from + "'");
    auto source = c->store->current_deployments(o.from);
    if (!source) return std::unexpected(source.error());
    if (source->empty())
        return common::fail(ErrorCode::input,
                            "environment '" + o.from + "' has no succeeded deployment to promote");
    const auto& d = source->front();
    auto inputs = known_images(*c);
    if (!inputs) return std::unexpected(inputs.error());
    for (const auto& i : d.images) {
        const auto* comp = c->manifest.find(i.component);
        if (comp && comp->kind == components::ComponentKind::image)
            inputs->new_images[i.component] = {i.build_number, i.image_uri};
    }
    auto params = deploy::compute_parameters(c->manifest, *c->env, *inputs);
    if (!params) return std::unexpected(params.error());
    c->commit = d.commit;
    auto plan = make_plan(*c, o, std::move(*params));
    if (!plan) return std::unexpected(plan.error());
    plan->kind = "promote";
    plan->source = o.from + "#" + std::to_string(d.id);
    auto done = run_plan(*c, o, std::move(*plan));
    if (!done) return std::unexpected(done.error());
    return done->exit;
}

common::Result<int> run_rollback(const DeployOptions& o) {
    if ((o.to_deployment > 0) == !o.component.empty())
        return common::fail(ErrorCode::usage,
                            "rollback: give either --to DEPLOYMENT_ID or --component C --build N");
    auto c = open_deploy_context(o);
    if (!c) return std::unexpected(c.error());
    auto inputs = known_images(*c);
    if (!inputs) return std::unexpected(inputs.error());
    std::string source;
    if (o.to_deployment > 0) {
        auto d = c->store->deployment(o.to_deployment);
        if (!d) return std::unexpected(d.error());
        if (!*d || (*d)->env != o.env || (*d)->status != "succeeded")
            return common::fail(ErrorCode::input, "no succeeded deployment #" +
                                                      std::to_string(o.to_deployment) +
                                                      " of environment '" + o.env + "'");
        for (const auto& i : (*d)->images)
            inputs->new_images[i.component] = {i.build_number, i.image_uri};
        c->commit = (*d)->commit;
        source = "#" + std::to_string(o.to_deployment);
    } else {
        auto builds = c->store->builds_of(o.component, 100000);
        if (!builds) return std::unexpected(builds.error());
        const versioning::BuildRecord* found = nullptr;
        for (const auto& b : *builds) {
            if (b.build_number == o.build && b.status == versioning::BuildStatus::succeeded)
                found = &b;
        }
        if (!found)
            return common::fail(ErrorCode::input, "component '" + o.component +
                                                      "' has no succeeded build #" +
                                                      std::to_string(o.build));
        inputs->new_images[o.component] = {found->build_number, found->image_uri};
        source = o.component + "#" + std::to_string(o.build);
    }
    auto params = deploy::compute_parameters(c->manifest, *c->env, *inputs);
    if (!params) return std::unexpected(params.error());
    auto plan = make_plan(*c, o, std::move(*params));
    if (!plan) return std::unexpected(plan.error());
    plan->kind = "rollback";
    plan->source = source;
    auto done = run_plan(*c, o, std::move(*plan));
    if (!done) return std::unexpected(done.error());
    return done->exit;
}

std::shared_ptr<DeployOptions> deploy_options(CLI::App& sub, bool env_required) {
    auto o = std::make_shared<DeployOptions>();
    add_project_options(sub, o->repo, &o->manifest);
    sub.add_option("--store", o->store, "version store URL (default: sqlite:.slipway/state.db)");
    auto env = sub.add_option(env_required ? "--env" : "--to", o->env, "the environment to deploy");
    env->required();
    sub.add_flag("--plan", o->plan, "create the change set, print it, delete it; deploy nothing");
    sub.add_flag("-y,--yes", o->yes, "do not ask before executing the change set");
    sub.add_flag("--wait", o->wait, "wait for a busy environment or stack instead of exit 3");
    sub.add_flag("--replace-failed-stack", o->replace_failed,
                 "delete and recreate a stack whose first creation failed");
    sub.add_option("--write-overrides", o->write_overrides,
                   "write CodePipeline's template configuration to FILE and deploy nothing");
    return o;
}

}  // namespace

Handler setup_deploy(CLI::App& sub) {
    auto o = deploy_options(sub, true);
    sub.add_option("--head", o->head, "the commit being deployed (default HEAD)");
    sub.add_option("--images", o->images, "new images: COMPONENT=URI,... (default: as built)")
        ->delimiter(',');
    sub.add_flag("--latest", o->latest, "deploy each component's latest succeeded build");
    return [o] { return run_deploy(*o); };
}

Handler setup_promote(CLI::App& sub) {
    auto o = deploy_options(sub, false);
    sub.add_option("--from", o->from,
                   "the environment whose images move on (default: promote_from)");
    return [o] { return run_promote(*o); };
}

Handler setup_rollback(CLI::App& sub) {
    auto o = deploy_options(sub, true);
    sub.add_option("--to", o->to_deployment, "redeploy this earlier deployment of the environment");
    sub.add_option("--component", o->component, "roll back this component only ...");
    sub.add_option("--build", o->build, "... to this build of it");
    return [o] { return run_rollback(*o); };
}

}  // namespace cli
