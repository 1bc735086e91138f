// See metrics.hpp.
#include "service/metrics.hpp"

#include <fmt/format.h>

namespace service {

void Metrics::count_run(const std::string& result) {
    std::lock_guard lock(m_mutex);
    ++m_runs[result];
}

void Metrics::count_delivery(const std::string& result) {
    std::lock_guard lock(m_mutex);
    ++m_deliveries[result];
}

void Metrics::count_github(const std::string& result) {
    std::lock_guard lock(m_mutex);
    ++m_github[result];
}

void Metrics::count_pull_plan(const std::string& result) {
    std::lock_guard lock(m_mutex);
    ++m_pull_plans[result];
}

void Metrics::observe_request(const std::string& route, int status,
                              std::chrono::microseconds took) {
    const double seconds = static_cast<double>(took.count()) / 1e6;
    std::lock_guard lock(m_mutex);
    ++m_requests[{route, status}];
    auto& h = m_latency[route];
    for (std::size_t i = 0; i < k_buckets.size(); ++i) {
        if (seconds <= k_buckets[i]) ++h.counts[i];
    }
    ++h.count;
    h.sum += seconds;
}

std::string Metrics::text(const std::map<std::string, int>& queue_depth) const {
    std::lock_guard lock(m_mutex);
    std::string out =
        "# HELP slipway_queue_depth Jobs waiting or running per environment.\n"
        "# TYPE slipway_queue_depth gauge\n";
    for (const auto& [env, n] : queue_depth)
        out += fmt::format("slipway_queue_depth{{env=\"{}\"}} {}\n", env, n);
    out +=
        "# HELP slipway_runs_total Runs of the service by result.\n"
        "# TYPE slipway_runs_total counter\n";
    for (const auto& [result, n] : m_runs)
        out += fmt::format("slipway_runs_total{{result=\"{}\"}} {}\n", result, n);
    out +=
        "# HELP slipway_webhooks_total Deliveries by result.\n"
        "# TYPE slipway_webhooks_total counter\n";
    for (const auto& [result, n] : m_deliveries)
        out += fmt::format("slipway_webhooks_total{{result=\"{}\"}} {}\n", result, n);
    out +=
        "# HELP slipway_github_reports_total Reports to GitHub (comments, check runs, statuses, "
        "deployments) by result.\n"
        "# TYPE slipway_github_reports_total counter\n";
    for (const auto& [result, n] : m_github)
        out += fmt::format("slipway_github_reports_total{{result=\"{}\"}} {}\n", result, n);
    out +=
        "# HELP slipway_pull_plans_total Pull requests' plans by result.\n"
        "# TYPE slipway_pull_plans_total counter\n";
    for (const auto& [result, n] : m_pull_plans)
        out += fmt::format("slipway_pull_plans_total{{result=\"{}\"}} {}\n", result, n);
    out +=
        "# HELP slipway_http_requests_total HTTP requests by route and status.\n"
        "# TYPE slipway_http_requests_total counter\n";
    for (const auto& [key, n] : m_requests)
        out += fmt::format("slipway_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n",
                           key.first, key.second, n);
    out +=
        "# HELP slipway_http_request_duration_seconds HTTP request latency by route.\n"
        "# TYPE slipway_http_request_duration_seconds histogram\n";
    for (const auto& [route, h] : m_latency) {
        for (std::size_t i = 0; i < k_buckets.size(); ++i)
            out += fmt::format(
                "slipway_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                route, k_buckets[i], h.counts[i]);
        out += fmt::format(
            "slipway_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", route,
            h.count);
        out += fmt::format("slipway_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route,
                           h.sum);
        out += fmt::format("slipway_http_request_duration_seconds_count{{route=\"{}\"}} {}\n",
                           route, h.count);
    }
    return out;
}

}  // namespace service
