// `slipway serve`: the service (service/server.hpp) -- triggered on merge by webhooks and an
// SQS queue, history over HTTP. Options in; the service runs until SIGTERM.
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "cli/command.hpp"
#include "service/server.hpp"
#include "slipway_version.hpp"

namespace cli {
namespace {

// A number option: above 0 (`positive`), else at least 0 -- a whole number for an integral
// `into`; `unit` names it in the help. A bad value is one line naming it (CLI11's own ranges
// printed "not in range 0.000000 to 1797693134862315708...").
template <class T>
void add_number(CLI::App& sub, bool positive, const char* unit, const std::string& name, T& into,
                const std::string& help) {
    const CLI::Validator at_least(
        [positive](std::string& text) -> std::string {
            char* end = nullptr;
            errno = 0;
            const double v = std::strtod(text.c_str(), &end);
            const bool number = end != text.c_str() && *end == '\0' && errno == 0 &&
                                std::isfinite(v) && (!std::is_integral_v<T> || v == std::floor(v));
            if (number && (positive ? v > 0 : v >= 0)) return {};
            return "'" + text + "' is not " +
                   (std::is_integral_v<T> ? "a whole number" : "a number") +
                   (positive ? " above 0" : " of at least 0");
        },
        "");
    sub.add_option(name, into, help)->type_name(unit)->check(at_least);
}

struct ServeOptions {
    service::Config config;
    long grace_seconds = 60;
    long reconcile_seconds = 300;
    long claim_ttl_seconds = 60;
    double head_timeout_seconds = 10;
    long gate_seconds = 30;
    long drift_seconds = 0;
    bool verbose = false;
};

common::Result<int> run_serve(ServeOptions o) {
    if (const auto& r = o.config.github_repository; !r.empty()) {
        const auto slash = r.find('/');
        if (slash == std::string::npos || slash == 0 || slash + 1 == r.size() ||
            r.find('/', slash + 1) != std::string::npos)
            return common::fail(common::ErrorCode::usage,
                                "--github-repository: expected OWNER/NAME, got '" + r + "'");
    }
    if (const char* secret = std::getenv("SLIPWAY_WEBHOOK_SECRET"); secret)
        o.config.webhook_secret_env = secret;
    if (const char* token = std::getenv("GITHUB_TOKEN"); token) o.config.github_token_env = token;
    o.config.grace = std::chrono::seconds(o.grace_seconds);
    o.config.reconcile_every = std::chrono::seconds(o.reconcile_seconds);
    o.config.claim_ttl = std::chrono::seconds(o.claim_ttl_seconds);
    o.config.request_head_timeout =
        std::chrono::milliseconds(static_cast<long>(o.head_timeout_seconds * 1000));
    o.config.gate_every = std::chrono::seconds(o.gate_seconds);
    o.config.drift_every = std::chrono::seconds(o.drift_seconds);
    o.config.version = slipway_build::k_version;
    if (spdlog::get_level() > spdlog::level::info) spdlog::set_level(spdlog::level::info);
    return service::serve(o.config, [](const std::string& url) {
        std::cerr << "slipway serve: listening on " << url << std::endl;
    });
}

}  // namespace

void remember_argv(int, char**) {}

Handler setup_serve(CLI::App& sub) {
    auto o = std::make_shared<ServeOptions>();
    auto& c = o->config;
    sub.add_option("--listen", c.listen,
                   "address to listen on (default 127.0.0.1:8080; port 0: any)")
        ->type_name("HOST:PORT");
    add_project_options(sub, c.repo, nullptr);
    sub.add_option("--remote", c.remote, "the remote fetched before each run (default origin)")
        ->type_name("NAME");
    sub.add_option("--manifest-ref", c.manifest_ref,
                   "the ref whose manifest says which branch triggers which environment "
                   "(default: the remote's HEAD)")
        ->type_name("REF");
    sub.add_option("--store", c.store, "version store URL (default: sqlite:.slipway/state.db)")
        ->type_name("URL");
    sub.add_option("--state-dir", c.state_dir, "logs and checkouts (default: <repo>/.slipway)")
        ->type_name("DIR");
    sub.add_option("--webhook-secret-file", c.webhook_secret_file,
                   "GitHub webhook secret(s), one per line (also SLIPWAY_WEBHOOK_SECRET)")
        ->type_name("FILE");
    sub.add_option("--api-token-file", c.api_token_file,
                   "tokens with roles (TOKEN viewer|deployer|approver IDENTITY a line): the API "
                   "(/api/) and /metrics need 'Authorization: Bearer <token>'; pages stay public "
                   "and then carry no data")
        ->type_name("FILE");
    sub.add_flag("--trust-alb-identity", c.trust_alb_identity,
                 "take the caller from x-amzn-oidc-identity (only behind an ALB that sets it)");
    add_number(sub, true, "SECONDS", "--gate-every", o->gate_seconds,
               "seconds between looks at promotion requests whose gates may pass (default 30)");
    add_number(sub, false, "SECONDS", "--drift-every", o->drift_seconds,
               "seconds between drift checks of every environment's stack (default 0: off)");
    sub.add_option("--metrics-token-file", c.metrics_token_file,
                   "require 'Authorization: Bearer <token>' for /metrics with this token (the "
                   "API token opens it too)")
        ->type_name("FILE");
    sub.add_option("--codecommit-repository", c.codecommit_repository,
                   "take CodeCommit events (--sqs-queue) of this repository only, by name or "
                   "ARN (default: the one the remote's URL names)")
        ->type_name("NAME|ARN");
    sub.add_option("--sqs-queue", c.sqs_queue, "long-poll this SQS queue for CodeCommit events")
        ->type_name("URL");
    add_number(sub, false, "SECONDS", "--grace", o->grace_seconds,
               "on SIGTERM, seconds a running job may take to finish (default 60)");
    add_number(sub, false, "SECONDS", "--reconcile-every", o->reconcile_seconds,
               "seconds between checks of the trigger branches' heads (default 300; 0: off)");
    add_number(sub, true, "SECONDS", "--claim-ttl", o->claim_ttl_seconds,
               "seconds a replica's claim of a job lasts unless renewed; a job whose "
               "replica died is taken over after it (default 60)");
    sub.add_option("--workers", c.workers,
                   "jobs run at once (default: one per triggered environment)")
        ->type_name("N");
    add_number(sub, true, "SECONDS", "--request-head-timeout", o->head_timeout_seconds,
               "seconds a client has to send a request's line and headers; a slower one "
               "is answered 408 and closed (default 10)");
    add_number(sub, true, "N", "--max-connections", c.max_connections,
               "connections open at once; past it the one waiting longest for its request "
               "is closed (default 4096)");
    add_number(sub, true, "N", "--max-connections-per-client", c.max_connections_per_client,
               "connections one client address may hold; more are answered 503 (default "
               "256; behind a load balancer, its addresses are the clients)");
    add_number(sub, true, "N", "--max-large-bodies", c.max_large_bodies,
               "webhook bodies over 1 MiB read at once; more are answered 503 with "
               "Retry-After (default 4)");
    add_github_options(sub, c.github_api_url, c.github_token_file, c.github_repository,
                       c.github_app_id, c.github_app_key_file,
                       "take GitHub events of this repository only, and report there (default: "
                       "the one the remote's URL names on github.com; a remote that names none "
                       "takes any)");
    sub.add_option("--public-url", c.public_url,
                   "where people open the web page: GitHub's links to plans and runs "
                   "(default: http://<listen>)")
        ->type_name("URL");
    sub.footer(examples(
        {"slipway serve --webhook-secret-file /etc/slipway/webhook-secret",
         "slipway serve --github-repository acme/shop --github-app-id 12345 "
         "--github-app-key-file /etc/slipway/app.pem --public-url https://slipway.acme.dev",
         "slipway serve --listen 0.0.0.0:8080 --store dynamodb://slipway --sqs-queue URL"}));
    return [o] { return run_serve(*o); };
}

}  // namespace cli
