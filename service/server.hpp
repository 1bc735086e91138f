#pragma once
// `slipway serve`: the HTTP server (webhooks, the JSON API, the web page, health and
// metrics), the workers that run queued jobs, the SQS poller, and the reconciler that
// compares each trigger branch's head with what was queued for it (events are best effort).
// SIGTERM or SIGINT: stop accepting, finish the requests in flight, let a running job
// finish (cancel it after `grace`), keep waiting jobs in the store for the next start.
#include <chrono>
#include <functional>
#include <string>

#include "common/error.hpp"

namespace service {

struct Config {
    std::string listen = "127.0.0.1:8080";
    std::string repo = ".";  // a clone; its remote is fetched before each run
    std::string remote = "origin";
    std::string manifest_ref;  // the manifest the triggers come from (default: the
                               // remote's HEAD, else HEAD)
    std::string store;         // store URL (default: as the CLI)
    std::string state_dir;     // logs and checkouts (default: <repo>/.slipway)
    std::string webhook_secret_file;
    std::string webhook_secret_env;  // SLIPWAY_WEBHOOK_SECRET's value
    std::string api_token_file;
    std::string metrics_token_file;  // a token for /metrics alone (else the API token's)
    // The repository whose events count (webhook.hpp: ThisRepository); empty: from the
    // remote's URL when it names one on GitHub or CodeCommit, else any.
    std::string github_repository;
    std::string codecommit_repository;
    std::string sqs_queue;
    std::string version;
    std::chrono::milliseconds grace{std::chrono::seconds(60)};
    std::chrono::milliseconds reconcile_every{std::chrono::minutes(5)};
    std::chrono::milliseconds claim_ttl{std::chrono::seconds(60)};
    bool trust_alb_identity = false;  // take callers from x-amzn-oidc-identity (behind an ALB)
    std::chrono::milliseconds gate_every{std::chrono::seconds(30)};  // the promoter's pass
    std::chrono::milliseconds drift_every{0};  // drift checks of every environment (0: off)
    std::size_t workers = 0;         // 0: one per environment with a trigger or promote_from
    std::size_t max_in_flight = 64;  // webhook requests being taken at once; more: 503
    // Slow clients and floods (front.hpp): a request head must arrive within this time;
    // connections per client address and in all; webhook bodies over 1 MiB read at once.
    std::chrono::milliseconds request_head_timeout{std::chrono::seconds(10)};
    std::size_t max_connections = 4096;
    std::size_t max_connections_per_client = 256;
    std::size_t max_large_bodies = 4;
    // GitHub (docs/github.md): pull-request plans and deployments reported there when a token
    // or an App is given; --github-repository alone only checks where events come from.
    std::string github_api_url;
    std::string github_token_file;
    std::string github_token_env;  // GITHUB_TOKEN's value
    std::string github_app_id;
    std::string github_app_key_file;
    std::string public_url;  // where people open the web page (links from GitHub)
};

/// Runs the service until SIGTERM or SIGINT. `ready` hears the URL once it listens.
/// Errors: usage/input (bad settings, manifest, secret file), external (store, port taken).
common::Result<int> serve(const Config& config,
                          const std::function<void(const std::string&)>& ready);

}  // namespace service
