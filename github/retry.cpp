// See retry.hpp.
#include "github/retry.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace github {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::optional<std::int64_t> whole(const std::string& text) {
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return n;
}

bool says_rate_limit(std::string message) {
    std::transform(message.begin(), message.end(), message.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return message.find("rate limit") != std::string::npos;
}

milliseconds jittered(int attempt, double random01, const RetryPolicy& p) {
    const double cap =
        std::min(std::ldexp(static_cast<double>(p.base.count()), std::max(attempt - 1, 0)),
                 static_cast<double>(p.max_backoff.count()));
    return milliseconds(static_cast<std::int64_t>(std::clamp(random01, 0.0, 1.0) * cap));
}

std::optional<milliseconds> within(milliseconds wait, const RetryPolicy& p) {
    if (wait > p.longest_wait) return std::nullopt;
    return wait;
}

}  // namespace

std::optional<milliseconds> retry_delay(const Attempt& a, int attempt, std::int64_t now,
                                        double random01, const RetryPolicy& p) {
    if (attempt >= p.max_attempts) return std::nullopt;
    const auto after = whole(a.retry_after);
    if (a.transport_failed) return jittered(attempt, random01, p);
    if (a.status == 500 || a.status == 502 || a.status == 503 || a.status == 504)
        return within(after ? milliseconds(seconds(*after)) : jittered(attempt, random01, p), p);
    if (a.status != 403 && a.status != 429) return std::nullopt;
    if (after) return within(seconds(std::max<std::int64_t>(*after, 0)), p);
    const auto reset = whole(a.ratelimit_reset);
    if (a.ratelimit_remaining == "0" && reset)
        return within(seconds(std::max<std::int64_t>(*reset - now, 1)), p);
    if (a.status == 429 || says_rate_limit(a.message))
        return within(seconds(60) * attempt, p);  // a secondary limit: a minute, then more
    return std::nullopt;                          // a 403 about permissions
}

}  // namespace github
