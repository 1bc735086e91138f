#pragma once
// HTTP over libcurl for the AWS and GitHub clients: pooled easy handles (so connections are kept
// alive and reused), TLS verification always on, a custom CA bundle when asked, a connect and a
// whole-request timeout. Knows nothing of AWS or GitHub.
#include <chrono>
#include <expected>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace net {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    Headers headers;
    std::string body;
    std::chrono::milliseconds timeout{30000};
};

struct HttpResponse {
    long status = 0;
    Headers headers;
    std::string body;
    /// The first header with this name (any case), or "".
    [[nodiscard]] std::string header(std::string_view name) const;
};

enum class TransportFailure { connect, timeout, dropped, other };

struct TransportError {
    TransportFailure kind = TransportFailure::other;
    std::string message;
};

struct HttpOptions {
    std::string ca_bundle;  // PEM file; empty: the system's
    std::chrono::milliseconds connect_timeout{3000};
};

class HttpClient {
  public:
    explicit HttpClient(HttpOptions options = {});
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    /// Sends one request; HTTP error statuses are responses, not errors.
    std::expected<HttpResponse, TransportError> send(const HttpRequest& request);

  private:
    struct Handle;
    std::unique_ptr<Handle> acquire();
    void release(std::unique_ptr<Handle> handle);

    HttpOptions m_options;
    std::mutex m_mutex;
    std::vector<std::unique_ptr<Handle>> m_idle;
};

}  // namespace net
