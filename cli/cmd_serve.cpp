// `slipway serve`: the service (service/server.hpp) -- triggered on merge by webhooks and an
// SQS queue, history over HTTP. Options in; the service runs until SIGTERM.
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>

#include "cli/command.hpp"
#include "service/server.hpp"
#include "slipway_version.hpp"

namespace cli {
namespace {

struct ServeOptions {
    service::Config config;
    long grace_seconds = 60;
    long reconcile_seconds = 300;
    long claim_ttl_seconds = 60;
    double head_timeout_seconds = 10;
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
    o.config.grace = std::chrono::seconds(o.grace_seconds);
    o.config.reconcile_every = std::chrono::seconds(o.reconcile_seconds);
    o.config.claim_ttl = std::chrono::seconds(o.claim_ttl_seconds);
    o.config.request_head_timeout =
        std::chrono::milliseconds(static_cast<long>(o.head_timeout_seconds * 1000));
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
                   "require 'Authorization: Bearer <token>' for the API (/api/) and /metrics; "
                   "pages stay public and then carry no data")
        ->type_name("FILE");
    sub.add_option("--metrics-token-file", c.metrics_token_file,
                   "require 'Authorization: Bearer <token>' for /metrics with this token (the "
                   "API token opens it too)")
        ->type_name("FILE");
    sub.add_option("--github-repository", c.github_repository,
                   "take GitHub events of this repository only (default: the one the remote's "
                   "URL names on github.com; a remote that names none takes any)")
        ->type_name("OWNER/NAME");
    sub.add_option("--codecommit-repository", c.codecommit_repository,
                   "take CodeCommit events (--sqs-queue) of this repository only, by name or "
                   "ARN (default: the one the remote's URL names)")
        ->type_name("NAME|ARN");
    sub.add_option("--sqs-queue", c.sqs_queue, "long-poll this SQS queue for CodeCommit events")
        ->type_name("URL");
    sub.add_option("--grace", o->grace_seconds,
                   "on SIGTERM, seconds a running job may take to finish (default 60)")
        ->type_name("SECONDS")
        ->check(CLI::NonNegativeNumber);
    sub.add_option("--reconcile-every", o->reconcile_seconds,
                   "seconds between checks of the trigger branches' heads (default 300; 0: off)")
        ->type_name("SECONDS")
        ->check(CLI::NonNegativeNumber);
    sub.add_option("--claim-ttl", o->claim_ttl_seconds,
                   "seconds a replica's claim of a job lasts unless renewed; a job whose "
                   "replica died is taken over after it (default 60)")
        ->type_name("SECONDS")
        ->check(CLI::PositiveNumber);
    sub.add_option("--workers", c.workers,
                   "jobs run at once (default: one per triggered environment)")
        ->type_name("N");
    sub.add_option("--request-head-timeout", o->head_timeout_seconds,
                   "seconds a client has to send a request's line and headers; a slower one "
                   "is answered 408 and closed (default 10)")
        ->type_name("SECONDS")
        ->check(CLI::PositiveNumber);
    sub.add_option("--max-connections", c.max_connections,
                   "connections open at once; past it the one waiting longest for its request "
                   "is closed (default 4096)")
        ->type_name("N")
        ->check(CLI::PositiveNumber);
    sub.add_option("--max-connections-per-client", c.max_connections_per_client,
                   "connections one client address may hold; more are answered 503 (default "
                   "256; behind a load balancer, its addresses are the clients)")
        ->type_name("N")
        ->check(CLI::PositiveNumber);
    sub.add_option("--max-large-bodies", c.max_large_bodies,
                   "webhook bodies over 1 MiB read at once; more are answered 503 with "
                   "Retry-After (default 4)")
        ->type_name("N")
        ->check(CLI::PositiveNumber);
    sub.footer(examples(
        {"slipway serve --webhook-secret-file /etc/slipway/webhook-secret",
         "slipway serve --listen 0.0.0.0:8080 --store dynamodb://slipway --sqs-queue URL"}));
    return [o] { return run_serve(*o); };
}

}  // namespace cli
