// See deploy_session.hpp.
#include "cli/deploy_session.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include "aws/credentials.hpp"
#include "cli/console.hpp"
#include "cli/project.hpp"
#include "cli/runtime.hpp"
#include "common/interrupt.hpp"
#include "common/text.hpp"

namespace cli {

using common::ErrorCode;
namespace fs = std::filesystem;

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

namespace {

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

    /// The parameters the last previewed change set changes.
    const std::set<std::string>& changed() const { return m_changed; }

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

    bool confirm(const deploy::Preview& p) override {
        for (const auto& c : p.parameters) m_changed.insert(c.name);
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
    std::set<std::string> m_changed;
    bool m_status_shown = false;
};

// host:pid:pid_start:run, so that a lease left by a killed process can be told apart.
std::string lock_owner(const std::string& run_id) {
    return fmt::format("{}:{}:{}:{}", host_name(), getpid(), process_start(getpid()), run_id);
}

// A run killed halfway leaves its environment's lease behind until it expires. When the
// holder was a process of this host that is gone, give the lease up now so the next run
// starts cleanly (the deploy re-reads the stack's state anyway).
common::Result<void> clear_stale_lease(versioning::VersionStore& store, const std::string& env,
                                       const std::string& owner) {
    const std::string name = "deploy/" + env;
    auto held = store.acquire_lock(name, owner, now_millis(), 60'000);
    if (!held) return std::unexpected(held.error());
    if (held->owner == owner) return store.release_lock(name, owner);
    std::vector<std::string> parts;
    for (std::size_t s = 0, e; s <= held->owner.size(); s = e + 1) {
        e = held->owner.find(':', s);
        if (e == std::string::npos) e = held->owner.size();
        parts.push_back(held->owner.substr(s, e - s));
    }
    if (parts.size() != 4 || parts[0] != host_name()) return {};
    try {
        if (process_alive(std::stoll(parts[1]), std::stoll(parts[2]))) return {};
    } catch (const std::exception&) {
        return {};
    }
    std::cerr << "slipway: note: " << name << ": the lease of a process that is gone ("
              << held->owner << ") is released\n";
    return store.release_lock(name, held->owner);
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

}  // namespace

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
    plan.run_id = o.run_id.empty() ? new_run_id(now_millis()) : o.run_id;
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

common::Result<DeployRun> run_plan(DeployContext& c, const DeployOptions& o,
                                   deploy::DeployPlan plan) {
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
        return DeployRun{};
    }
    if (auto ok = clear_stale_lease(*c.store, plan.env, plan.lock_owner); !ok)
        return std::unexpected(ok.error());
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
    DeployRun run{report(*out, plan), *out, {}};
    if (out->result == deploy::DeployResult::deployed) run.changed_parameters = reporter.changed();
    return run;
}

}  // namespace cli
