#pragma once
// slipway's AWS client: endpoint and region resolution, SigV4 signing, the standard retry
// mode with clock-skew correction, and the wire protocols slipway needs (Query with XML
// answers for CloudFormation, STS and IAM; AWS JSON 1.0 for DynamoDB and 1.1 for CodeBuild
// and CloudWatch Logs). No SDK, no AWS CLI.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "aws/config.hpp"
#include "aws/operation.hpp"
#include "aws/retry.hpp"
#include "aws/sigv4.hpp"
#include "common/error.hpp"
#include "net/http_client.hpp"

namespace aws {

/// Hands out current credentials (refreshing temporary ones before they expire).
class CredentialSource {
  public:
    virtual ~CredentialSource() = default;
    virtual common::Result<Credentials> get() = 0;
};

/// Fixed credentials (tests; `--profile` with static keys goes through the chain instead).
std::shared_ptr<CredentialSource> static_credentials(Credentials credentials);

struct ClientOptions {
    Env env = process_env();
    std::string region;
    std::shared_ptr<CredentialSource> credentials;  // nullptr: unsigned requests
    RetryConfig retry;
    net::HttpOptions http;
    std::chrono::milliseconds request_timeout{30000};
    std::function<double()> random;                              // default: uniform [0, 1)
    std::function<void(std::chrono::milliseconds)> sleep;        // default: sleep_for
    std::function<std::chrono::system_clock::time_point()> now;  // default: system_clock
};

class Client {
  public:
    explicit Client(ClientOptions options);

    /// AWS Query protocol: POSTs Action, Version and `params` as a form; returns the XML.
    common::Result<std::string> query(
        const Service& service, const Operation& action, const std::string& version,
        const std::vector<std::pair<std::string, std::string>>& params);

    /// AWS JSON (1.0 or 1.1, as `service` speaks): POSTs `body` with X-Amz-Target
    /// `target_prefix.operation`; returns the JSON. The two versions differ on the wire only
    /// in the Content-Type; errors read the same (`__type`, `message`).
    common::Result<std::string> json(const Service& service, const std::string& target_prefix,
                                     const Operation& operation, const std::string& body);

    /// One signed request with retries; non-2xx answers become errors (an access-denied one
    /// names the IAM actions `operation` needs).
    common::Result<net::HttpResponse> send(const Service& service, const Operation& operation,
                                      Request request);

    [[nodiscard]] const std::string& region() const { return m_options.region; }
    /// The endpoint requests to `service` go to (after AWS_ENDPOINT_URL* overrides).
    [[nodiscard]] std::string endpoint(const Service& service) const {
        return resolve_endpoint(service, m_options.region, m_options.env);
    }
    [[nodiscard]] const RetryQuota& quota() const { return m_quota; }
    /// Attempts the last call made (1 when it needed no retry).
    [[nodiscard]] int last_attempts() const { return m_last_attempts; }
    /// Whether an attempt of the last call before its final one may have reached the service
    /// and taken effect: it timed out, lost its connection, or got a 5xx (not a throttling
    /// answer or a refused connection, which say it did not).
    [[nodiscard]] bool last_call_maybe_applied() const { return m_maybe_applied; }
    /// The correction applied to our clock after a clock-skew error.
    [[nodiscard]] std::chrono::seconds clock_offset() const { return m_clock_offset; }

  private:
    ClientOptions m_options;
    net::HttpClient m_http;
    RetryQuota m_quota;
    std::chrono::seconds m_clock_offset{0};
    int m_last_attempts = 0;
    bool m_maybe_applied = false;
};

/// "20150830T123600Z"
std::string amz_date(std::chrono::system_clock::time_point at);
/// Parses an HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT").
std::optional<std::chrono::system_clock::time_point> parse_http_date(const std::string& text);

}  // namespace aws
