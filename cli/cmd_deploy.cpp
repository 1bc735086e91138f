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
#include "cli/project.hpp"
#include "cli/runtime.hpp"
#include "common/interrupt.hpp"
#include "common/text.hpp"
#include "deploy/deployer.hpp"

namespace cli {
namespace {

using common::ErrorCode;
namespace fs = std::filesystem;

struct DeployOptions {
    std::string repo = ".";
    std::string manifest;
    std::string store;
    std::string env;
    std::string head = "HEAD";
    std::vector<std::string> images;
    std::string write_overrides;
    bool plan = false;
    bool yes = false;
    bool wait = false;
    bool replace_failed = false;
    bool latest = false;  // deploy each component's latest succeeded build
    // promote
    std::string from;
    // rollback
    std::int64_t to_deployment = 0;
    std::string component;
    std::int64_t build = 0;
};

struct DeployContext {
    std::optional<diff::Repository> repo;
    std::string root;
    components::Manifest manifest;
    std::unique_ptr<versioning::VersionStore> store;
    const components::Environment* env = nullptr;
    std::string commit;
};

common::Result<const components::Environment*> find_environment(const components::Manifest& m,
                                                                const std::string& name) {
    std::vector<std::string> names;
    for (const auto& e : m.environments) {
        if (e.name == name) return &e;
        names.push_back(e.name);
    }
    std::string message = m.file + ": unknown environment '" + name + "'";
    if (auto hint = common::closest_match(name, names); !hint.empty())
        message += " (did you mean '" + hint + "'?)";
    return common::fail(ErrorCode::input, message);
}

common::Result<DeployContext> open_deploy_context(const DeployOptions& o) {
    DeployContext c;
    if (auto repo = diff::Repository::open(o.repo)) c.repo = std::move(*repo);
    c.root = c.repo ? c.repo->root().string() : fs::absolute(o.repo).string();
    auto manifest = load_project_manifest(c.repo ? &*c.repo : nullptr, o.manifest, o.head);
    if (!manifest) return std::unexpected(manifest.error());
    c.manifest = std::move(*manifest);
    auto env = find_environment(c.manifest, o.env);
    if (!env) return std::unexpected(env.error());
    c.env = *env;
    if (c.repo) {
        auto commit = c.repo->resolve_commit(o.head);
        if (!commit) return std::unexpected(commit.error());
        c.commit = *commit;
    }
    auto store = open_store_at(store_url(o.store, &c.manifest), c.root, false);
    if (!store) return std::unexpected(store.error());
    c.store = std::move(*store);
    return c;
}

// What the store knows of the environment: its deployed images and each component's latest
// succeeded build.
common::Result<deploy::ParameterInputs> known_images(DeployContext& c) {
    deploy::ParameterInputs in;
    auto current = c.store->current_deployments(c.env->name);
    if (!current) return std::unexpected(current.error());
    for (const auto& d : *current) {
        for (const auto& i : d.images) in.deployed[i.component] = {i.build_number, i.image_uri};
    }
    for (const auto& comp : c.manifest.components) {
        if (comp.kind != components::ComponentKind::image) continue;
        auto builds = c.store->builds_of(comp.name, 50);
        if (!builds) return std::unexpected(builds.error());
        for (const auto& b : *builds) {
            if (b.status == versioning::BuildStatus::succeeded && b.build_number > 0) {
                in.latest_built[comp.name] = {b.build_number, b.image_uri};
                break;
            }
        }
    }
    return in;
}

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

std::shared_ptr<aws::Client> aws_client_for(const components::Environment& env) {
    auto options = aws::client_options_from(aws::process_env(), env.region);
    if (!env.region.empty()) options.region = env.region;
    if (!env.role_arn.empty()) {
        aws::ChainOptions chain;
        chain.env = options.env;
        chain.region = options.region;
        chain.http = options.http;
        options.credentials = aws::assume_role(options.credentials, env.role_arn, chain);
    }
    return std::make_shared<aws::Client>(options);
}

bool interactive(const DeployOptions& o) {
    const char* ci = std::getenv("CI");
    return !o.yes && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && !(ci && *ci);
}

// Prints the deploy as it goes: notes and events on stdout, a live status line on a TTY.
class ConsoleReporter final : public deploy::DeployReporter {
  public:
    explicit ConsoleReporter(bool ask) : m_ask(ask), m_tty(isatty(STDOUT_FILENO)) {}

    void begin(const deploy::DeployPlan& plan) override {
        std::string out = fmt::format("{} {} to {} (stack {}, {} parameters)\n", plan.kind,
                                      plan.commit.substr(0, 12), plan.env, plan.stack,
                                      plan.parameters.values.size());
        for (const auto& i : plan.parameters.images) {
            out += fmt::format("  {:<24} #{:<5} {:<10} {:<13} {}\n", i.component, i.build_number,
                               i.changed ? "changed" : "unchanged",
                               "(" + std::string(deploy::to_string(i.source)) + ")", i.image_uri);
        }
        print(out);
    }

    void note(const std::string& line) override { print(line + "\n"); }

    void preview(const deploy::Preview& p) override {
        std::string out = p.create ? "new stack: resources to create\n" : "resource changes:\n";
        for (const auto& c : p.changes) {
            out += fmt::format("  {:<7} {:<32} {:<36} replacement: {}\n", c.action, c.logical_id,
                               c.resource_type, c.replacement.empty() ? "-" : c.replacement);
        }
        if (p.changes.empty()) out += "  (none listed)\n";
        out += "parameters that change:\n";
        for (const auto& c : p.parameters) {
            const std::string from = c.old_value.empty() ? "(none)" : c.old_value;
            out += c.secret ? fmt::format("  {}: (NoEcho value changes)\n", c.name)
                            : fmt::format("  {}: {} -> {}\n", c.name, from, c.new_value);
        }
        if (p.parameters.empty()) out += "  (none)\n";
        print(out);
    }

    bool confirm(const deploy::Preview&) override {
        if (!m_ask) return true;
        std::cout << "execute this change set? [y/N] " << std::flush;
        std::string answer;
        std::getline(std::cin, answer);
        return answer == "y" || answer == "yes" || answer == "Y";
    }

    void event(const deploy::StackEvent& e) override {
        const std::string time = e.timestamp.size() >= 19 ? e.timestamp.substr(11, 8) : e.timestamp;
        print(fmt::format("  {} {:<32} {:<28} {}\n", time, e.logical_id, e.status, e.reason));
    }

    void waiting(const std::string& status, std::chrono::milliseconds elapsed) override {
        if (!m_tty) return;
        std::string line = fmt::format("  ... {} ({})", status, format_duration(elapsed.count()));
        std::cout << "\r" << line << "\033[K" << std::flush;
        m_status_shown = true;
    }

  private:
    void print(const std::string& text) {
        if (m_status_shown) std::cout << "\r\033[K";
        m_status_shown = false;
        std::cout << text << std::flush;
    }

    bool m_ask;
    bool m_tty;
    bool m_status_shown = false;
};

std::string lock_owner(const std::string& run_id) {
    return host_name() + ":" + std::to_string(getpid()) + ":" + run_id;
}

// Prints the outcome and returns the exit status.
int report(const deploy::DeployOutcome& out, const deploy::DeployPlan& plan) {
    for (const auto& w : out.warnings) std::cerr << "slipway: warning: " << w << "\n";
    for (const auto& u : out.uploads)
        std::cout << fmt::format("{} {} -> s3://{}/{}\n", u.uploaded ? "uploaded" : "unchanged",
                                 u.path, plan.artifact_bucket, u.key);
    switch (out.result) {
        case deploy::DeployResult::up_to_date:
            std::cout << plan.stack << ": stack is up to date (no changes); nothing recorded\n";
            return 0;
        case deploy::DeployResult::planned:
            std::cout << plan.stack << ": plan only; change set deleted\n";
            return 0;
        case deploy::DeployResult::declined:
            std::cout << plan.stack << ": not executed; change set deleted\n";
            return 1;
        case deploy::DeployResult::deployed:
            std::cout << fmt::format("{}: {}; recorded deployment #{} to {}\n", plan.stack,
                                     out.final_status, out.deployment_id, plan.env);
            return 0;
        case deploy::DeployResult::failed:
            break;
    }
    std::cerr << fmt::format("slipway: error: deploying {} to {}: stack ended {}\n", plan.stack,
                             plan.env, out.final_status);
    for (const auto& f : out.failures)
        std::cerr << fmt::format("  {} ({}) {}: {}\n", f.logical_id, f.resource_type, f.status,
                                 f.reason);
    std::cerr << fmt::format("  final stack status: {}; recorded as failed attempt #{}\n",
                             out.final_status, out.deployment_id);
    return 1;
}

// The plan for environment `c.env` with `params`, from the manifest's settings.
common::Result<deploy::DeployPlan> make_plan(const DeployContext& c, const DeployOptions& o,
                                             deploy::ParameterSet params) {
    const components::Environment& env = *c.env;
    if (env.template_path.empty())
        return common::fail(ErrorCode::input,
                            env.pos.str() + ": environment '" + env.name + "' has no template");
    const fs::path template_file = fs::path(c.root) / env.template_path;
    auto tmpl = deploy::load_template(template_file.string());
    if (!tmpl) return std::unexpected(tmpl.error());
    tmpl->file = env.template_path;
    deploy::DeployPlan plan;
    plan.env = env.name;
    plan.stack = env.stack;
    plan.commit = c.commit;
    plan.run_id = new_run_id(now_millis());
    plan.tmpl = std::move(*tmpl);
    plan.template_dir = template_file.parent_path().string();
    plan.parameters = std::move(params);
    plan.capabilities = env.capabilities;
    plan.tags = env.tags;
    plan.role_arn = env.service_role_arn;  // role_arn is assumed for the calls instead
    plan.artifact_bucket = env.artifact_bucket;
    plan.artifact_prefix =
        "slipway/" + (c.manifest.project.empty() ? "project" : c.manifest.project) + "/";
    plan.plan_only = o.plan;
    plan.wait_busy = o.wait;
    plan.replace_failed = o.replace_failed;
    plan.promote_tags = env.promote_tags;
    plan.immutable = env.immutable;
    plan.lock_owner = lock_owner(plan.run_id);
    return plan;
}

common::Result<int> run_plan(DeployContext& c, const DeployOptions& o, deploy::DeployPlan plan) {
    if (!o.write_overrides.empty()) {
        // CodePipeline deploys instead: check the values, write the file, touch nothing.
        std::map<std::string, std::string> owners;
        for (const auto& i : plan.parameters.images) owners[i.parameter] = i.component;
        auto ok = deploy::validate_parameters(plan.tmpl, plan.parameters.values, owners);
        if (!ok) return std::unexpected(ok.error());
        std::ofstream out(o.write_overrides, std::ios::binary | std::ios::trunc);
        out << deploy::template_configuration(plan.parameters.values, plan.tags);
        if (!out) return common::fail(ErrorCode::input, "cannot write " + o.write_overrides);
        std::cout << "wrote " << o.write_overrides << " (" << plan.parameters.values.size()
                  << " parameters)\n";
        return 0;
    }
    common::install_interrupt_pipe();
    auto client = aws_client_for(*c.env);
    auto cloudformation = deploy::aws_cloudformation(client);
    auto artifacts = deploy::s3_artifacts(client);
    auto registry = deploy::ecr_registry(client);
    std::mt19937_64 rng(std::random_device{}());
    deploy::DeployServices services{
        *cloudformation,
        artifacts.get(),
        registry.get(),
        *c.store,
        [] { return now_millis(); },
        [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); },
        [&rng] { return std::uniform_real_distribution<double>(0, 1)(rng); },
        [] { return common::interrupted(); }};
    ConsoleReporter reporter(interactive(o));
    auto out = deploy::deploy_stack(plan, services, reporter);
    if (!out) return std::unexpected(out.error().with_context("deploying " + plan.env));
    return report(*out, plan);
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
    return run_plan(*c, o, std::move(*plan));
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
    return run_plan(*c, o, std::move(*plan));
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
    return run_plan(*c, o, std::move(*plan));
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
