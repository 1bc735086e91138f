// See client.hpp.
#include "github/client.hpp"

#include <rapidjson/document.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <random>
#include <regex>
#include <thread>

#include "common/json.hpp"
#include "github/jwt.hpp"

namespace github {
namespace {

using common::ErrorCode;
using std::chrono::milliseconds;

constexpr std::size_t k_annotations_per_request = 50;  // GitHub's limit
constexpr std::size_t k_output_limit = 65535;          // summary and text, each
constexpr std::int64_t k_token_margin = 300;           // refresh 5 minutes before expiry

std::string string_at(const rapidjson::Value& v, const char* key) {
    if (!v.IsObject()) return "";
    auto it = v.FindMember(key);
    return it != v.MemberEnd() && it->value.IsString()
               ? std::string(it->value.GetString(), it->value.GetStringLength())
               : "";
}

std::int64_t id_at(const rapidjson::Value& v, const char* key = "id") {
    if (!v.IsObject()) return 0;
    auto it = v.FindMember(key);
    return it != v.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
}

// GitHub's message, with the reasons of a 422 ("errors": [{"message"|"code"...}]).
std::string message_of(const std::string& body) {
    rapidjson::Document d;
    d.Parse(body.data(), body.size());
    if (d.HasParseError() || !d.IsObject()) return body.substr(0, 200);
    std::string out = string_at(d, "message");
    if (out.empty()) out = string_at(d, "title");  // RFC 7807 problems
    if (auto e = d.FindMember("errors"); e != d.MemberEnd() && e->value.IsArray()) {
        for (const auto& item : e->value.GetArray()) {
            std::string why = item.IsString() ? item.GetString() : string_at(item, "message");
            if (why.empty()) why = string_at(item, "field") + " " + string_at(item, "code");
            out += "; " + why;
        }
    }
    if (auto v = d.FindMember("validation"); v != d.MemberEnd() && v->value.IsArray()) {
        for (const auto& item : v->value.GetArray()) out += "; " + string_at(item, "message");
    }
    return out;
}

// "2016-07-11T22:14:10Z" as seconds since the epoch; 0 when it is not that.
std::int64_t parse_time(const std::string& text) {
    std::tm tm{};
    if (!strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
    return static_cast<std::int64_t>(timegm(&tm));
}

std::string json_body(const std::function<void(common::JsonOut&)>& fields) {
    common::JsonOut j;
    j.begin_object();
    fields(j);
    j.end_object();
    return j.str();
}

void write_output(common::JsonOut& j, const CheckRunOutput& o, std::size_t first) {
    j.key("output").begin_object();
    if (!o.summary.empty() || first == 0) j.field("summary", cut_utf8(o.summary, k_output_limit));
    if (!o.text.empty()) j.field("text", cut_utf8(o.text, k_output_limit));
    j.field("title", o.title.empty() ? std::string("slipway") : o.title);
    j.key("annotations").begin_array();
    for (std::size_t i = first; i < o.annotations.size() && i < first + k_annotations_per_request;
         ++i) {
        const auto& a = o.annotations[i];
        j.begin_object().field("annotation_level", a.level).field("end_line", a.end_line);
        j.field("message", cut_utf8(a.message, 64000)).field("path", a.path);
        j.field("start_line", a.start_line);
        if (!a.title.empty()) j.field("title", cut_utf8(a.title, 255));
        j.end_object();
    }
    j.end_array().end_object();
}

void write_check_run(common::JsonOut& j, const CheckRun& r, bool create, std::size_t first) {
    if (!r.status.empty() && r.conclusion.empty()) j.field("status", r.status);
    if (!r.conclusion.empty()) j.field("conclusion", r.conclusion).field("status", "completed");
    if (!r.details_url.empty()) j.field("details_url", r.details_url);
    if (!r.external_id.empty()) j.field("external_id", r.external_id);
    if (create) j.field("head_sha", r.head_sha).field("name", r.name);
    if (r.output) write_output(j, *r.output, first);
}

}  // namespace

Clock system_clock() {
    return {[] { return static_cast<std::int64_t>(std::time(nullptr)); },
            [](milliseconds d) { std::this_thread::sleep_for(d); },
            [] {
                thread_local std::mt19937_64 rng{std::random_device{}()};
                return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
            }};
}

void SleepStopper::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stopped = true;
    }
    m_wake.notify_all();
}

void SleepStopper::sleep(milliseconds d) {
    std::unique_lock lock(m_mutex);
    m_wake.wait_for(lock, d, [&] { return m_stopped; });
}

Clock stoppable_clock(std::shared_ptr<SleepStopper> stopper) {
    Clock c = system_clock();
    c.sleep = [stopper](milliseconds d) { stopper->sleep(d); };
    return c;
}

std::string cut_utf8(const std::string& text, std::size_t limit) {
    if (text.size() <= limit) return text;
    std::size_t n = limit;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
    return text.substr(0, n);
}

common::Result<void> check_repository(const std::string& repository, const std::string& what) {
    static const std::regex shape(R"(^[A-Za-z0-9._-]+/[A-Za-z0-9._-]+$)");
    if (!std::regex_match(repository, shape))
        return common::fail(ErrorCode::usage,
                            what + ": expected OWNER/NAME, got '" + repository + "'");
    return {};
}

Client::Client(Settings settings, Clock clock)
    : m_settings(std::move(settings)), m_clock(std::move(clock)), m_http(m_settings.http) {
    while (m_settings.api_url.ends_with('/')) m_settings.api_url.pop_back();
}

Client::~Client() = default;

bool Client::checks_allowed() const {
    // Installation tokens (an App's, and Actions' GITHUB_TOKEN) start with ghs_; personal
    // tokens (ghp_, github_pat_) cannot write check runs.
    return !m_settings.app_id.empty() || m_settings.token.starts_with("ghs_");
}

common::Result<Reply> Client::send(const std::string& method, const std::string& path,
                                   const std::string& body, const std::string& authorization,
                                   bool not_found_ok) {
    net::HttpRequest request;
    request.method = method;
    request.url = m_settings.api_url + path;
    // GitHub's media type first; application/json (what its description lists) next, for
    // servers that negotiate by the description (GitHub answers the same to both).
    request.headers = {{"Accept", "application/vnd.github+json, application/json"},
                       {"X-GitHub-Api-Version", "2022-11-28"},
                       {"User-Agent", m_settings.user_agent},
                       {"Authorization", authorization}};
    if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
    request.body = body;
    request.timeout = std::chrono::seconds(30);
    const std::string what = "github: " + method + " " + path;
    for (int attempt = 1;; ++attempt) {
        auto response = m_http.send(request);
        Attempt a;
        if (!response) {
            a.transport_failed = true;
        } else {
            if ((response->status >= 200 && response->status < 300) ||
                (not_found_ok && response->status == 404))
                return Reply{response->status, response->body, response->header("Link")};
            a.status = response->status;
            a.retry_after = response->header("Retry-After");
            a.ratelimit_remaining = response->header("x-ratelimit-remaining");
            a.ratelimit_reset = response->header("x-ratelimit-reset");
            a.message = message_of(response->body);
        }
        const auto wait =
            retry_delay(a, attempt, m_clock.now(), m_clock.random(), m_settings.retry);
        const std::string why =
            response ? std::to_string(a.status) + " " + a.message : response.error().message;
        if (!wait) {
            common::Error e{ErrorCode::external, what + ": " + why};
            e.transient =
                a.transport_failed || a.status >= 500 || a.status == 429 ||
                (a.status == 403 && (a.ratelimit_remaining == "0" || !a.retry_after.empty()));
            return std::unexpected(e);
        }
        spdlog::debug("{}: {}; retrying in {} ms", what, why, wait->count());
        m_clock.sleep(*wait);
    }
}

common::Result<std::string> Client::installation_token() {
    std::lock_guard lock(m_mutex);
    const std::int64_t now = m_clock.now();
    if (!m_token.empty() && now < m_token_expires - k_token_margin) return m_token;
    auto jwt = app_jwt(m_settings.app_id, m_settings.app_key_pem, now);
    if (!jwt) return std::unexpected(jwt.error());
    auto found =
        send("GET", "/repos/" + m_settings.repository + "/installation", "", "Bearer " + *jwt);
    if (!found)
        return std::unexpected(found.error().with_context(
            "finding the GitHub App's installation on " + m_settings.repository));
    rapidjson::Document d;
    d.Parse(found->body.data(), found->body.size());
    const std::int64_t id = d.HasParseError() ? 0 : id_at(d);
    if (id == 0)
        return common::fail(ErrorCode::external,
                            "github: the installation of " + m_settings.repository + " has no id");
    auto bought = send("POST", "/app/installations/" + std::to_string(id) + "/access_tokens", "",
                       "Bearer " + *jwt);
    if (!bought) return std::unexpected(bought.error());
    d.Parse(bought->body.data(), bought->body.size());
    const std::string token = d.HasParseError() ? "" : string_at(d, "token");
    if (token.empty())
        return common::fail(ErrorCode::external,
                            "github: the installation token answer has no token");
    m_token = token;
    m_token_expires = parse_time(string_at(d, "expires_at"));
    if (m_token_expires == 0) m_token_expires = now + 3600;
    return m_token;
}

common::Result<std::string> Client::authorization() {
    if (m_settings.app_id.empty()) return "Bearer " + m_settings.token;
    auto token = installation_token();
    if (!token) return std::unexpected(token.error());
    return "Bearer " + *token;
}

common::Result<Reply> Client::call(const std::string& method, const std::string& path,
                                   const std::string& body, bool not_found_ok) {
    auto auth = authorization();
    if (!auth) return std::unexpected(auth.error());
    return send(method, path, body, *auth, not_found_ok);
}

common::Result<std::string> Client::team_membership(const std::string& org,
                                                    const std::string& team_slug,
                                                    const std::string& username) {
    // Names GitHub allows need no escaping; anything else cannot be a member.
    const auto plain = [](const std::string& s) {
        return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
            return std::isalnum(c) || c == '-' || c == '_' || c == '.';
        });
    };
    if (!plain(org) || !plain(team_slug) || !plain(username)) return std::string();
    auto got =
        call("GET", "/orgs/" + org + "/teams/" + team_slug + "/memberships/" + username, "", true);
    if (!got) return std::unexpected(got.error());
    if (got->status == 404) return std::string();
    rapidjson::Document d;
    d.Parse(got->body.data(), got->body.size());
    if (d.HasParseError() || !d.IsObject())
        return common::fail(ErrorCode::external, "github: GET /orgs/" + org + "/teams/" +
                                                     team_slug + "/memberships/" + username +
                                                     ": the answer is not a membership");
    return string_at(d, "state");
}

common::Result<std::int64_t> Client::upsert_comment(std::int64_t number, const std::string& marker,
                                                    const std::string& body,
                                                    std::int64_t known_id) {
    const std::string repo = "/repos/" + m_settings.repository;
    const std::string payload = json_body([&](common::JsonOut& j) { j.field("body", body); });
    auto edit = [&](std::int64_t id) -> common::Result<std::int64_t> {
        auto done = call("PATCH", repo + "/issues/comments/" + std::to_string(id), payload);
        if (!done) return std::unexpected(done.error());
        return id;
    };
    if (known_id > 0) {
        if (auto edited = edit(known_id)) return edited;  // else (deleted?): search
    }
    for (int page = 1; page <= 50; ++page) {
        auto listed = call("GET", repo + "/issues/" + std::to_string(number) +
                                      "/comments?per_page=100&page=" + std::to_string(page));
        if (!listed) return std::unexpected(listed.error());
        rapidjson::Document d;
        d.Parse(listed->body.data(), listed->body.size());
        if (d.HasParseError() || !d.IsArray())
            return common::fail(ErrorCode::external, "github: the comments are not a JSON list");
        for (const auto& c : d.GetArray()) {
            if (string_at(c, "body").find(marker) != std::string::npos) return edit(id_at(c));
        }
        if (listed->link.find("rel=\"next\"") == std::string::npos) break;
    }
    auto created = call("POST", repo + "/issues/" + std::to_string(number) + "/comments", payload);
    if (!created) return std::unexpected(created.error());
    rapidjson::Document d;
    d.Parse(created->body.data(), created->body.size());
    return d.HasParseError() ? 0 : id_at(d);
}

common::Result<std::int64_t> Client::create_check_run(const CheckRun& run) {
    auto created = call("POST", "/repos/" + m_settings.repository + "/check-runs",
                        json_body([&](common::JsonOut& j) { write_check_run(j, run, true, 0); }));
    if (!created) return std::unexpected(created.error());
    rapidjson::Document d;
    d.Parse(created->body.data(), created->body.size());
    const std::int64_t id = d.HasParseError() ? 0 : id_at(d);
    if (run.output && run.output->annotations.size() > k_annotations_per_request) {
        CheckRun more = run;
        more.output->annotations.erase(
            more.output->annotations.begin(),
            more.output->annotations.begin() + k_annotations_per_request);
        if (auto ok = update_check_run(id, more); !ok) return std::unexpected(ok.error());
    }
    return id;
}

common::Result<void> Client::update_check_run(std::int64_t id, const CheckRun& run) {
    const std::string path =
        "/repos/" + m_settings.repository + "/check-runs/" + std::to_string(id);
    const std::size_t count = run.output ? run.output->annotations.size() : 0;
    for (std::size_t first = 0; first == 0 || first < count; first += k_annotations_per_request) {
        auto done =
            call("PATCH", path,
                 json_body([&](common::JsonOut& j) { write_check_run(j, run, false, first); }));
        if (!done) return std::unexpected(done.error());
    }
    return {};
}

common::Result<void> Client::create_status(const CommitStatus& s) {
    auto done = call("POST", "/repos/" + m_settings.repository + "/statuses/" + s.sha,
                     json_body([&](common::JsonOut& j) {
                         j.field("context", s.context);
                         if (!s.description.empty())
                             j.field("description", cut_utf8(s.description, 140));
                         j.field("state", s.state);
                         if (!s.target_url.empty()) j.field("target_url", s.target_url);
                     }));
    if (!done) return std::unexpected(done.error());
    return {};
}

common::Result<std::int64_t> Client::create_deployment(const Deployment& dep) {
    auto created = call("POST", "/repos/" + m_settings.repository + "/deployments",
                        json_body([&](common::JsonOut& j) {
                            // No merge of the default branch into the ref, and no wait for its
                            // checks: slipway reports a deploy that happens, it does not ask to
                            // make one.
                            j.field("auto_merge", false);
                            if (!dep.description.empty())
                                j.field("description", cut_utf8(dep.description, 140));
                            j.field("environment", dep.environment);
                            if (!dep.payload_json.empty()) j.key("payload").raw(dep.payload_json);
                            j.field("production_environment", dep.production).field("ref", dep.ref);
                            j.key("required_contexts").begin_array().end_array();
                            j.field("task", "deploy").field("transient_environment", dep.transient);
                        }));
    if (!created) return std::unexpected(created.error());
    rapidjson::Document d;
    d.Parse(created->body.data(), created->body.size());
    const std::int64_t id = d.HasParseError() ? 0 : id_at(d);
    if (id == 0)
        return common::fail(ErrorCode::external,
                            "github: the deployment was not created: " + message_of(created->body));
    return id;
}

common::Result<void> Client::create_deployment_status(std::int64_t deployment,
                                                      const DeploymentStatus& s) {
    auto done = call("POST",
                     "/repos/" + m_settings.repository + "/deployments/" +
                         std::to_string(deployment) + "/statuses",
                     json_body([&](common::JsonOut& j) {
                         j.field("auto_inactive", s.auto_inactive);
                         if (!s.description.empty())
                             j.field("description", cut_utf8(s.description, 140));
                         if (!s.environment_url.empty())
                             j.field("environment_url", s.environment_url);
                         if (!s.log_url.empty()) j.field("log_url", s.log_url);
                         j.field("state", s.state);
                     }));
    if (!done) return std::unexpected(done.error());
    return {};
}

}  // namespace github
