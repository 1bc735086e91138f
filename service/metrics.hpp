#pragma once
// The service's counters for /metrics, in Prometheus' text format: runs by result, webhook
// deliveries by result, HTTP requests by route and status, request latency as a histogram by
// route. Queue depth is read from the store when scraped. Thread-safe.
#include <array>
#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace service {

class Metrics {
  public:
    void count_run(const std::string& result);
    void count_delivery(const std::string& result);
    /// A report to GitHub: "sent", or "failed" (given up after the client's retries).
    void count_github(const std::string& result);
    /// A pull request's plan ended with `result` (pull_plan.hpp's results).
    void count_pull_plan(const std::string& result);
    void observe_request(const std::string& route, int status, std::chrono::microseconds took);

    /// The counters as Prometheus text; `queue_depth` (per environment) is added as gauges.
    [[nodiscard]] std::string text(const std::map<std::string, int>& queue_depth) const;

  private:
    static constexpr std::array<double, 10> k_buckets = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                         0.025,  0.05,  0.1,    0.5,   1.0};
    struct Histogram {
        std::array<long, k_buckets.size()> counts{};
        long count = 0;
        double sum = 0;
    };
    mutable std::mutex m_mutex;
    std::map<std::string, long> m_runs;
    std::map<std::string, long> m_deliveries;
    std::map<std::string, long> m_github;
    std::map<std::string, long> m_pull_plans;
    std::map<std::pair<std::string, int>, long> m_requests;
    std::map<std::string, Histogram> m_latency;
};

}  // namespace service
