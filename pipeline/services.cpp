// See services.hpp.
#include "pipeline/services.hpp"

#include <random>
#include <thread>

#include "aws/credentials.hpp"
#include "common/interrupt.hpp"
#include "pipeline/host.hpp"
#include "pipeline/project.hpp"

namespace pipeline {

Clock system_clock() {
    const int interrupt_fd = common::install_interrupt_pipe();
    return {now_millis, [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); },
            [] {
                static thread_local std::mt19937_64 rng(std::random_device{}());
                return std::uniform_real_distribution<double>(0, 1)(rng);
            },
            [] { return common::interrupted(); }, interrupt_fd};
}

CloudServices aws_services(const components::Target& env) {
    auto options = aws::client_options_from(aws::process_env(), env.region);
    if (!env.region.empty()) options.region = env.region;
    if (!env.role_arn.empty()) {
        aws::ChainOptions chain;
        chain.env = options.env;
        chain.region = options.region;
        chain.http = options.http;
        options.credentials = aws::assume_role(options.credentials, env.role_arn, chain);
    }
    auto client = std::make_shared<aws::Client>(options);
    return {deploy::aws_cloudformation(client), deploy::s3_artifacts(client),
            deploy::ecr_registry(client)};
}

namespace {

std::shared_ptr<aws::Client> client_in(const std::string& region) {
    auto options = aws::client_options_from(aws::process_env(), region);
    if (!region.empty()) options.region = region;
    return std::make_shared<aws::Client>(options);
}

}  // namespace

Services system_services(versioning::VersionStore& store, const std::string& store_url,
                         const std::string& root) {
    return {store,
            [store_url, root] { return open_store_at(store_url, root, false); },
            aws_services,
            [] { return components::make_process_runner(std::chrono::seconds(5)); },
            system_clock(),
            client_in,
            [](const std::string& region) { return deploy::ecr_registry(client_in(region)); }};
}

}  // namespace pipeline
