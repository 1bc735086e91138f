#pragma once
// GitHub's REST API, the few calls slipway makes, over net::HttpClient: comments on pull
// requests (one per marker, edited in place), check runs, commit statuses, deployments and
// deployment statuses. Knows nothing of slipway.
//
// Authentication: a token (a personal access token, an installation token, or Actions'
// GITHUB_TOKEN), or a GitHub App: its id and private key make a JWT (jwt.hpp) that finds
// the App's installation on the repository and buys an installation token, kept until five
// minutes before it expires and then bought again. Check runs can only be written with an
// App's token (an installation token, which Actions' GITHUB_TOKEN is too); checks_allowed()
// says whether this client has one, so callers post a commit status instead.
//
// Every request carries GitHub's media type and API version; 5xx, dropped connections and
// rate limits are retried as retry.hpp decides, sleeping through the Clock. Errors are
// ErrorCode::external naming the method, the path and GitHub's message (never the token).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "github/retry.hpp"
#include "net/http_client.hpp"

namespace github {

struct Settings {
    std::string api_url = "https://api.github.com";  // GitHub Enterprise: https://HOST/api/v3
    std::string repository;                          // OWNER/NAME
    std::string token;                               // a token; or the App's:
    std::string app_id;
    std::string app_key_pem;
    std::string user_agent = "slipway";
    net::HttpOptions http;
    RetryPolicy retry;
};

struct Clock {
    std::function<std::int64_t()> now;  // seconds since the epoch
    std::function<void(std::chrono::milliseconds)> sleep;
    std::function<double()> random;  // [0, 1)
};

/// The system clock and real sleeps.
Clock system_clock();

/// Stops the sleeps of a stoppable_clock: a background reporter shutting down does not wait
/// out a rate limit (its client's remaining retries then come at once, and end).
class SleepStopper {
  public:
    void stop();
    /// Sleeps `d`, or less once stop() was called.
    void sleep(std::chrono::milliseconds d);

  private:
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopped = false;
};

/// The system clock, with sleeps that `stopper` can cut short.
Clock stoppable_clock(std::shared_ptr<SleepStopper> stopper);

struct Annotation {
    std::string path;
    int start_line = 1;
    int end_line = 1;
    std::string level = "failure";  // notice, warning, failure
    std::string title;
    std::string message;
};

struct CheckRunOutput {
    std::string title;
    std::string summary;                  // Markdown, at most 65,535 characters
    std::string text;                     // Markdown, at most 65,535 characters
    std::vector<Annotation> annotations;  // sent 50 a request, as GitHub takes them
};

struct CheckRun {
    std::string name;
    std::string head_sha;
    std::string status = "queued";  // queued, in_progress, completed
    std::string conclusion;         // with completed: success, failure, neutral, ...
    std::string details_url;
    std::string external_id;
    std::optional<CheckRunOutput> output;
};

struct CommitStatus {
    std::string sha;
    std::string state;  // pending, success, failure, error
    std::string context;
    std::string description;  // at most 140 characters (longer is cut)
    std::string target_url;
};

struct Deployment {
    std::string ref;  // a commit id
    std::string environment;
    std::string description;
    std::string payload_json;  // a JSON object
    bool production = false;
    bool transient = false;
};

struct DeploymentStatus {
    std::string state;  // queued, in_progress, success, failure, error, inactive
    std::string description;
    std::string log_url;
    std::string environment_url;
    bool auto_inactive = true;  // GitHub marks the environment's earlier deployments inactive
};

/// One answer of the API: status and body (JSON text).
struct Reply {
    long status = 0;
    std::string body;
    std::string link;  // the Link header (pagination)
};

class Client {
  public:
    explicit Client(Settings settings, Clock clock = system_clock());
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    /// Whether check runs can be written (an App's or installation token).
    [[nodiscard]] bool checks_allowed() const;
    [[nodiscard]] const Settings& settings() const { return m_settings; }

    /// Creates or edits the one comment on issue/pull request `number` that contains
    /// `marker` (a hidden HTML comment): `known_id` is tried first when given; else the
    /// comments are searched. Returns the comment's id.
    common::Result<std::int64_t> upsert_comment(std::int64_t number, const std::string& marker,
                                                const std::string& body, std::int64_t known_id = 0);
    common::Result<std::int64_t> create_check_run(const CheckRun& run);
    /// Updates check run `id` (its status, conclusion and output; annotations past the
    /// first 50 go in further updates).
    common::Result<void> update_check_run(std::int64_t id, const CheckRun& run);
    common::Result<void> create_status(const CommitStatus& status);
    common::Result<std::int64_t> create_deployment(const Deployment& d);
    common::Result<void> create_deployment_status(std::int64_t deployment,
                                                  const DeploymentStatus& s);

    /// The state of `username`'s membership of team `team_slug` in organization `org`
    /// ("active", "pending"), or "" when GitHub says there is none (404; also a team the
    /// caller may not see). Needs a token that reads the organization's members.
    common::Result<std::string> team_membership(const std::string& org,
                                                const std::string& team_slug,
                                                const std::string& username);

    /// One request with authentication and retries; an answer that is not 2xx is an error
    /// (with `not_found_ok`, a 404 is an answer).
    common::Result<Reply> call(const std::string& method, const std::string& path,
                               const std::string& body = "", bool not_found_ok = false);

  private:
    common::Result<std::string> authorization();
    common::Result<std::string> installation_token();
    common::Result<Reply> send(const std::string& method, const std::string& path,
                               const std::string& body, const std::string& authorization,
                               bool not_found_ok = false);

    Settings m_settings;
    Clock m_clock;
    net::HttpClient m_http;
    std::mutex m_mutex;  // the installation token
    std::string m_token;
    std::int64_t m_token_expires = 0;
};

/// Owner/name as GitHub spells it: two non-empty parts of [A-Za-z0-9._-]. ErrorCode::usage
/// naming `what` otherwise.
common::Result<void> check_repository(const std::string& repository, const std::string& what);

/// `text` cut to at most `limit` bytes on a UTF-8 boundary.
std::string cut_utf8(const std::string& text, std::size_t limit);

}  // namespace github
