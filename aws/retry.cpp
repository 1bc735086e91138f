#include "aws/retry.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace aws {
namespace {

constexpr std::array<std::string_view, 15> k_throttling = {"Throttling",
                                                           "ThrottlingException",
                                                           "ThrottledException",
                                                           "RequestThrottledException",
                                                           "TooManyRequestsException",
                                                           "ProvisionedThroughputExceededException",
                                                           "TransactionInProgressException",
                                                           "RequestLimitExceeded",
                                                           "BandwidthLimitExceeded",
                                                           "LimitExceededException",
                                                           "RequestThrottled",
                                                           "SlowDown",
                                                           "PriorRequestNotComplete",
                                                           "EC2ThrottledException",
                                                           "ThrottlingError"};
constexpr std::array<std::string_view, 6> k_transient = {
    "RequestTimeout",  "RequestTimeoutException", "InternalError",
    "InternalFailure", "ServiceUnavailable",      "IDPCommunicationError"};
constexpr std::array<std::string_view, 4> k_skew = {
    "RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture", "InvalidSignatureException"};

bool contains(auto& list, std::string_view code) {
    return std::find(list.begin(), list.end(), code) != list.end();
}

bool mentions_time(std::string_view message) {
    for (std::string_view word : {"expired", "Signature not yet current", "time", "skew"}) {
        if (message.find(word) != std::string_view::npos) return true;
    }
    return false;
}

}  // namespace

Failure classify_error(std::string_view code, long http_status, std::string_view message) {
    if (contains(k_throttling, code)) return Failure::throttling;
    if (code == "RequestTimeTooSkewed" || code == "RequestInTheFuture") return Failure::clock_skew;
    if ((contains(k_skew, code) || code == "SignatureDoesNotMatch" || code == "AuthFailure") &&
        mentions_time(message)) {
        return Failure::clock_skew;
    }
    if (contains(k_transient, code)) return Failure::transient;
    if (http_status == 500 || http_status == 502 || http_status == 503 || http_status == 504)
        return Failure::transient;
    if (http_status == 429) return Failure::throttling;
    return Failure::fatal;
}

std::chrono::milliseconds backoff(int retry, double random01, const RetryConfig& config) {
    const double cap =
        std::min(std::ldexp(1000.0, retry - 1), static_cast<double>(config.max_backoff.count()));
    return std::chrono::milliseconds(static_cast<long long>(std::clamp(random01, 0.0, 1.0) * cap));
}

std::optional<int> RetryQuota::acquire(Failure failure) {
    const int cost = failure == Failure::timeout ? m_config.timeout_cost : m_config.retry_cost;
    if (m_tokens < cost) return std::nullopt;
    m_tokens -= cost;
    return cost;
}

void RetryQuota::on_success(int spent) {
    m_tokens = std::min(m_config.quota_capacity, m_tokens + (spent > 0 ? spent : 1));
}

}  // namespace aws
