#pragma once
// When to try a GitHub request again, as a pure decision over the answer, the attempt and
// the time (GitHub's REST documentation, "Rate limits" and "Best practices"):
//   - the connection failed or dropped, or GitHub answered 500/502/503/504: back off
//     exponentially with full jitter (a Retry-After header, when given, wins);
//   - 403 or 429 with Retry-After: wait that many seconds;
//   - 403 or 429 with x-ratelimit-remaining: 0: wait until x-ratelimit-reset (epoch seconds);
//   - 403 or 429 that says "rate limit" without those headers (a secondary limit): at least
//     one minute, growing;
//   - anything else (401, a 403 for missing permissions, 404, 422 ...): never.
// A wait longer than the policy's longest is not made: the caller gives up and says why.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace github {

struct RetryPolicy {
    int max_attempts = 6;                          // first try included
    std::chrono::milliseconds base{500};           // first backoff's cap
    std::chrono::milliseconds max_backoff{30000};  // cap of one exponential delay
    std::chrono::milliseconds longest_wait{std::chrono::minutes(15)};  // rate-limit waits
};

/// What an attempt got, as far as retrying goes.
struct Attempt {
    bool transport_failed = false;  // no HTTP answer (connect, timeout, dropped)
    long status = 0;
    std::string retry_after;          // the Retry-After header ("" when absent)
    std::string ratelimit_remaining;  // x-ratelimit-remaining
    std::string ratelimit_reset;      // x-ratelimit-reset
    std::string message;              // the answer's "message"
};

/// The wait before attempt `attempt + 1` (`attempt` made so far, from 1), or nullopt: do not
/// retry. `now` is seconds since the epoch; `random01` in [0, 1) for jitter.
std::optional<std::chrono::milliseconds> retry_delay(const Attempt& a, int attempt,
                                                     std::int64_t now, double random01,
                                                     const RetryPolicy& policy);

}  // namespace github
