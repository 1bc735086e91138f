// The call loop. Each attempt takes the current credentials (so a refresh during a long
// deploy is picked up), signs with the clock corrected by any measured skew, and sends.
// Failures are classified: fatal ones end the call; clock-skew ones are corrected once
// from the server's Date header and resent at once; the rest are retried up to
// max_attempts, after a full-jitter delay, while the retry quota can pay for them.
// The --verbose log shows the service and action ("cloudformation DescribeStacks"), method,
// URL, status, timing and attempt; never headers, bodies, keys or tokens.
#include "aws/client.hpp"

#include <spdlog/spdlog.h>

#include <ctime>
#include <random>
#include <thread>

#include "aws/error.hpp"

namespace aws {
namespace {

class StaticCredentials final : public CredentialSource {
  public:
    explicit StaticCredentials(Credentials c) : m_credentials(std::move(c)) {}
    common::Result<Credentials> get() override { return m_credentials; }

  private:
    Credentials m_credentials;
};

std::string host_of(const std::string& endpoint) {
    auto start = endpoint.find("://");
    start = start == std::string::npos ? 0 : start + 3;
    const auto end = endpoint.find('/', start);
    return endpoint.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& params) {
    std::string out;
    for (const auto& [k, v] : params)
        out += (out.empty() ? "" : "&") + uri_encode(k, false) + "=" + uri_encode(v, false);
    return out;
}

std::string url_of(const std::string& endpoint, const Request& r) {
    std::string url = endpoint;
    while (!url.empty() && url.back() == '/') url.pop_back();
    url += uri_encode(r.path.empty() ? "/" : r.path, true);
    if (!r.query.empty()) url += "?" + form_encode(r.query);
    return url;
}

const char* failure_name(Failure f) {
    switch (f) {
        case Failure::throttling:
            return "throttled";
        case Failure::transient:
            return "server error";
        case Failure::timeout:
            return "timed out";
        case Failure::connection:
            return "connection failed";
        case Failure::clock_skew:
            return "clock skew";
        default:
            return "failed";
    }
}

// AccessDenied (Query, S3), AccessDeniedException (JSON), UnauthorizedOperation (EC2-style).
bool is_access_denied(const ServiceError& e) {
    return e.code == "AccessDenied" || e.code == "AccessDeniedException" ||
           e.code == "UnauthorizedOperation" || e.code == "UnauthorizedException";
}

}  // namespace

std::shared_ptr<CredentialSource> static_credentials(Credentials credentials) {
    return std::make_shared<StaticCredentials>(std::move(credentials));
}

std::string amz_date(std::chrono::system_clock::time_point at) {
    const std::time_t t = std::chrono::system_clock::to_time_t(at);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

std::optional<std::chrono::system_clock::time_point> parse_http_date(const std::string& text) {
    std::tm tm{};
    if (!strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S", &tm)) return std::nullopt;
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

Client::Client(ClientOptions options)
    : m_options(std::move(options)), m_http(m_options.http), m_quota(m_options.retry) {
    if (!m_options.random) {
        m_options.random = [rng = std::make_shared<std::mt19937_64>(std::random_device{}())] {
            return std::uniform_real_distribution<double>(0.0, 1.0)(*rng);
        };
    }
    if (!m_options.sleep)
        m_options.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
    if (!m_options.now) m_options.now = [] { return std::chrono::system_clock::now(); };
}

common::Result<net::HttpResponse> Client::send(const Service& service, const Operation& op,
                                               Request request) {
    const std::string endpoint = resolve_endpoint(service, m_options.region, m_options.env);
    const std::string operation(op.name);
    const std::string doing = service.signing_name + " " + operation;
    request.headers.emplace_back("Host", host_of(endpoint));
    int spent = 0;
    bool skew_corrected = false;
    m_maybe_applied = false;
    for (int attempt = 1;; ++attempt) {
        m_last_attempts = attempt;
        Request signed_request = request;
        if (m_options.credentials) {
            auto credentials = m_options.credentials->get();
            if (!credentials) return std::unexpected(credentials.error().with_context(doing));
            SigningScope scope{service.global ? "us-east-1" : m_options.region,
                               service.signing_name, amz_date(m_options.now() + m_clock_offset),
                               !service.s3, service.s3};
            sign(signed_request, *credentials, scope);
        }
        net::HttpRequest http{signed_request.method, url_of(endpoint, signed_request),
                              signed_request.headers, signed_request.body,
                              m_options.request_timeout};
        const auto started = std::chrono::steady_clock::now();
        auto response = m_http.send(http);
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                .count();

        Failure failure = Failure::none;
        common::Error error;
        bool maybe_applied = false;  // this attempt may have reached the service
        if (!response) {
            maybe_applied = response.error().kind != net::TransportFailure::connect;
            failure = response.error().kind == net::TransportFailure::timeout ? Failure::timeout
                      : response.error().kind == net::TransportFailure::other ? Failure::fatal
                                                                              : Failure::connection;
            error = {common::ErrorCode::external,
                     doing + ": cannot reach " + endpoint + ": " + response.error().message};
            spdlog::debug("aws: {} ({} {}) -> {} ({:.1f} ms, attempt {})", doing, http.method,
                          http.url, response.error().message, ms, attempt);
        } else {
            spdlog::debug("aws: {} ({} {}) -> {} ({:.1f} ms, attempt {})", doing, http.method,
                          http.url, response->status, ms, attempt);
            if (response->status < 300) {
                m_quota.on_success(spent);
                return std::move(*response);
            }
            std::string request_id = response->header("x-amzn-RequestId");
            if (request_id.empty()) request_id = response->header("x-amz-request-id");
            ServiceError e = parse_service_error(response->body, response->status, request_id);
            e.service = service.signing_name;
            e.operation = operation;
            failure = classify_error(e.code, e.http_status, e.message);
            maybe_applied = e.http_status >= 500;
            error = to_error(e);
            if (is_access_denied(e) && !op.iam.starts_with("none:"))
                error.message += "; the caller's IAM policy must allow " + std::string(op.iam);
            if (failure == Failure::clock_skew && !skew_corrected) {
                if (auto server = parse_http_date(response->header("Date"))) {
                    m_clock_offset =
                        std::chrono::duration_cast<std::chrono::seconds>(*server - m_options.now());
                    skew_corrected = true;
                    --attempt;  // a corrected clock is a fresh start, not a retry
                    continue;
                }
            }
        }
        error.transient = failure != Failure::fatal && failure != Failure::clock_skew;
        if (!error.transient || attempt >= m_options.retry.max_attempts) {
            if (attempt > 1) error.message += " (after " + std::to_string(attempt) + " attempts)";
            return std::unexpected(error);
        }
        m_maybe_applied = m_maybe_applied || maybe_applied;
        auto cost = m_quota.acquire(failure);
        if (!cost) return std::unexpected(error.with_context("retry quota exhausted"));
        spent += *cost;
        const auto delay = backoff(attempt, m_options.random(), m_options.retry);
        spdlog::debug("aws: {} {}: {}; retrying in {} ms", service.signing_name, operation,
                      failure_name(failure), delay.count());
        m_options.sleep(delay);
    }
}

common::Result<std::string> Client::query(
    const Service& service, const Operation& action, const std::string& version,
    const std::vector<std::pair<std::string, std::string>>& params) {
    std::vector<std::pair<std::string, std::string>> all = {{"Action", std::string(action.name)},
                                                            {"Version", version}};
    all.insert(all.end(), params.begin(), params.end());
    Request r{"POST",
              "/",
              {},
              {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
              form_encode(all)};
    auto response = send(service, action, std::move(r));
    if (!response) return std::unexpected(response.error());
    return std::move(response->body);
}

common::Result<std::string> Client::json(const Service& service, const std::string& target_prefix,
                                         const Operation& operation, const std::string& body) {
    Request r{"POST",
              "/",
              {},
              {{"Content-Type", "application/x-amz-json-" + service.json_version},
               {"X-Amz-Target", target_prefix + "." + std::string(operation.name)}},
              body};
    auto response = send(service, operation, std::move(r));
    if (!response) return std::unexpected(response.error());
    return std::move(response->body);
}

}  // namespace aws
