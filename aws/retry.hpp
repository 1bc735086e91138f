#pragma once
// The AWS SDKs' "standard" retry mode, as values: which failures are retried, how long to
// wait before each retry, and the retry quota (a token bucket shared by all calls of one
// client) that stops retry storms. The client supplies randomness and sleeping, so tests
// run without waiting.
#include <chrono>
#include <optional>
#include <string_view>

namespace aws {

struct RetryConfig {
    int max_attempts = 3;                          // first try included
    std::chrono::milliseconds max_backoff{20000};  // cap of one delay
    int quota_capacity = 500;
    int retry_cost = 5;
    int timeout_cost = 10;
};

/// How one attempt ended, as far as retrying goes.
enum class Failure {
    none,        // success
    throttling,  // a throttling error code
    transient,   // HTTP 500/502/503/504, RequestTimeout and friends
    timeout,     // the request timed out on our side
    connection,  // could not connect, or the connection dropped
    clock_skew,  // the server says our clock is off
    fatal,       // anything else: never retried
};

/// Classifies an AWS error code with its HTTP status and message.
Failure classify_error(std::string_view code, long http_status, std::string_view message);

/// The delay before retry number `retry` (1 for the first retry): random(0,1) x
/// min(2^(retry-1) s, max_backoff), "full jitter".
std::chrono::milliseconds backoff(int retry, double random01, const RetryConfig& config);

/// The token bucket behind the retry quota.
class RetryQuota {
  public:
    explicit RetryQuota(const RetryConfig& config)
        : m_config(config), m_tokens(config.quota_capacity) {}
    /// Takes the cost of one retry; nullopt (no retry) when the bucket cannot pay it.
    std::optional<int> acquire(Failure failure);
    /// A call succeeded: refunds what its retries took (or one token when it took none).
    void on_success(int spent);
    [[nodiscard]] int available() const { return m_tokens; }

  private:
    RetryConfig m_config;
    int m_tokens;
};

}  // namespace aws
