// See server.hpp. The HTTP side answers from the store only (a connection per server
// thread); webhooks are stored and queued before the answer, and never wait for a run.
#include "service/server.hpp"

#include <httplib.h>
#include <malloc.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <expected>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>

#include "aws/crypto.hpp"
#include "common/json.hpp"
#include "diff/remote.hpp"
#include "pipeline/drift.hpp"
#include "pipeline/git_auth.hpp"
#include "pipeline/github_report.hpp"
#include "pipeline/host.hpp"
#include "pipeline/project.hpp"
#include "pipeline/promotion.hpp"
#include "pipeline/services.hpp"
#include "service/actions.hpp"
#include "service/api.hpp"
#include "service/auth.hpp"
#include "service/encoding.hpp"
#include "service/front.hpp"
#include "service/intake.hpp"
#include "service/metrics.hpp"
#include "service/pages.hpp"
#include "service/pulls.hpp"
#include "service/sqs.hpp"
#include "service/worker.hpp"

namespace service {
namespace {

using common::ErrorCode;
namespace fs = std::filesystem;

constexpr std::size_t k_max_body = 25u * 1024 * 1024;  // GitHub's cap on webhook payloads
// A webhook body up to this size is read by any handler; a larger one needs one of the
// --max-large-bodies slots (most pushes are a few KiB; one of many commits can reach MBs).
constexpr std::size_t k_small_body = 1024u * 1024;
constexpr std::size_t k_compress_from = 1024;  // smaller answers go as they are

// Store connections shared by the HTTP threads: a request borrows one and gives it back, so
// connections are opened once, not by every new thread (concurrent opens queue on SQLite's
// locks: the web page's first requests took 2 s).
class StorePool {
  public:
    class Lease {
      public:
        Lease(StorePool& pool, std::unique_ptr<versioning::VersionStore> s)
            : m_pool(&pool), m_store(std::move(s)) {}
        Lease(Lease&&) = default;
        Lease& operator=(Lease&&) = default;
        ~Lease() {
            if (m_store) m_pool->give_back(std::move(m_store));
        }
        versioning::VersionStore* operator->() const { return m_store.get(); }
        versioning::VersionStore& operator*() const { return *m_store; }

      private:
        StorePool* m_pool;
        std::unique_ptr<versioning::VersionStore> m_store;
    };

    common::Result<Lease> take(const std::string& url, const std::string& root) {
        {
            std::lock_guard lock(m_mutex);
            if (!m_free.empty()) {
                auto s = std::move(m_free.back());
                m_free.pop_back();
                return Lease(*this, std::move(s));
            }
        }
        auto opened = pipeline::open_store_at(url, root, false);
        if (!opened) return std::unexpected(opened.error());
        return Lease(*this, std::move(*opened));
    }

  private:
    void give_back(std::unique_ptr<versioning::VersionStore> s) {
        std::lock_guard lock(m_mutex);
        m_free.push_back(std::move(s));
    }
    std::mutex m_mutex;
    std::vector<std::unique_ptr<versioning::VersionStore>> m_free;
};

// The first line of a token file, without trailing blanks. ErrorCode::input naming the file
// when it cannot be read or is empty.
common::Result<std::string> read_token(const std::string& file, const char* what) {
    std::ifstream in(file);
    if (!in) return common::fail(ErrorCode::input, std::string("cannot read ") + what + " " + file);
    std::string token;
    std::getline(in, token);
    while (!token.empty() && (token.back() == '\r' || token.back() == ' ' || token.back() == '\t'))
        token.pop_back();
    if (token.empty())
        return common::fail(ErrorCode::input, std::string(what) + " " + file + " is empty");
    return token;
}

// When the request the thread is answering arrived.
thread_local std::chrono::steady_clock::time_point t_started;

class Service {
  public:
    explicit Service(Config c) : m_config(std::move(c)) {}

    common::Result<void> open();
    common::Result<int> run(const std::function<void(const std::string&)>& ready);

  private:
    // Triggers come from the manifest at `manifest_ref`, re-read after every fetch.
    common::Result<void> reload_manifest(const diff::Repository& repo);
    void choose_repository(const diff::Repository& repo);
    std::shared_ptr<const components::Manifest> manifest() const;
    Triggers triggers() const;
    common::Result<StorePool::Lease> store();

    void routes(httplib::Server& server);
    bool take_large_body();
    void github(const httplib::Request& req, httplib::Response& res,
                const httplib::ContentReader& reader);
    bool authorized(const httplib::Request& req, httplib::Response& res) const;
    bool metrics_authorized(const httplib::Request& req, httplib::Response& res) const;
    Identity caller(const httplib::Request& req) const;
    void write(const httplib::Request& req, httplib::Response& res,
               const httplib::ContentReader& reader,
               const std::function<Response(ApiContext&, const Write&,
                                            const std::map<std::string, std::string>&)>& answer);
    void safety_routes(httplib::Server& server);
    void promote_once();
    void check_drift_once();
    std::string safety_gauges();
    InlineData home_inline();
    void api(const httplib::Request& req, httplib::Response& res,
             const std::function<Response(ApiContext&)>& answer);
    common::Result<IntakeResult> take(const Delivery& d);
    Response take_pull_request(const Delivery& d, const std::string& body);
    common::Result<void> open_github();
    void reconcile_once();
    void requeue_interrupted();
    bool take_queue_message(const QueueMessage& m);

    Config m_config;
    std::string m_root;       // the repository's root
    std::string m_store_url;  // absolute
    std::optional<Secrets> m_secrets;
    std::string m_metrics_token;
    ThisRepository m_repository;
    diff::CredentialProvider m_git_credentials = pipeline::git_credentials();
    Access m_access;
    mutable std::mutex m_mutex;
    std::shared_ptr<const components::Manifest> m_manifest;
    Triggers m_triggers;
    Metrics m_metrics;
    std::unique_ptr<Workers> m_workers;
    std::optional<github::Settings> m_github;          // GitHub reporting is on
    std::shared_ptr<pipeline::TeamDirectory> m_teams;  // GitHub's teams, when it is on
    std::unique_ptr<PullPlanner> m_pulls;
    std::shared_ptr<pipeline::GithubReporter> m_reporter;
    std::atomic<bool> m_stopping{false};
    std::atomic<std::size_t> m_in_flight{0};
    std::atomic<std::size_t> m_large_bodies{0};  // webhook bodies over k_small_body being read
    StorePool m_stores;
};

// The answer, compressed here for the client (encoding.hpp says why not by httplib). A body
// of known length from a content provider is sent by httplib as it is; an encoded body's
// ETag names its encoding (pages.cpp accepts it back in If-None-Match).
void reply(const httplib::Request& req, httplib::Response& res, const Response& r) {
    res.status = r.status;
    const Encoding e = r.body.size() >= k_compress_from && compressible(r.content_type)
                           ? choose_encoding(req.get_header_value("Accept-Encoding"))
                           : Encoding::identity;
    auto body = std::make_shared<std::string>(e == Encoding::identity ? "" : encode(r.body, e));
    const bool encoded = !body->empty();
    if (!encoded) *body = r.body;
    for (const auto& [k, v] : r.headers) {
        if (encoded && k == "ETag" && v.ends_with('"'))
            res.set_header(k, fmt::format("{}-{}\"", v.substr(0, v.size() - 1), encoding_name(e)));
        else
            res.set_header(k, v);
    }
    if (compressible(r.content_type)) res.set_header("Vary", "Accept-Encoding");
    if (encoded) res.set_header("Content-Encoding", std::string(encoding_name(e)));
    if (body->empty()) return res.set_content("", r.content_type);
    res.set_content_provider(
        body->size(), r.content_type,
        [body](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
            return sink.write(body->data() + offset, length);
        });
}

common::Result<void> Service::open() {
    auto repo = diff::Repository::open(m_config.repo);
    if (!repo) return std::unexpected(repo.error().with_context("--repo"));
    m_root = repo->root().string();
    // A CA file named for an HTTPS remote that cannot be read stops the start (exit 2), not
    // every run later.
    if (auto ok = diff::check_fetch_settings(*repo, m_config.remote); !ok) return ok;
    if (m_config.state_dir.empty()) m_config.state_dir = pipeline::slipway_dir(m_root, "");
    m_config.state_dir = fs::absolute(m_config.state_dir).string();
    // A clone made with `git init` and `git remote add` (the ECS example) has no commit yet:
    // its first fetch brings the manifest.
    if (!repo->resolve_commit("HEAD") &&
        !repo->resolve_commit("refs/remotes/" + m_config.remote + "/HEAD")) {
        if (auto fetched = diff::fetch(*repo, m_config.remote, m_git_credentials); !fetched)
            spdlog::warn("serve: {}", fetched.error().message);
    }
    if (auto ok = reload_manifest(*repo); !ok) return ok;
    std::string url = pipeline::store_url(m_config.store, manifest().get());
    if (url.starts_with("sqlite:") && fs::path(url.substr(7)).is_relative())
        url = "sqlite:" + (fs::path(m_root) / url.substr(7)).string();
    m_store_url = url;
    auto store = pipeline::open_store_at(m_store_url, m_root, false);
    if (!store) return std::unexpected(store.error());
    if (!m_config.webhook_secret_file.empty() || !m_config.webhook_secret_env.empty()) {
        auto secrets = load_secrets(m_config.webhook_secret_file, m_config.webhook_secret_env);
        if (!secrets) return std::unexpected(secrets.error());
        m_secrets = std::move(*secrets);
    }
    if (auto ok = open_github(); !ok) return ok;
    std::string material;  // the secrets CSRF tokens derive from (the same on every replica)
    if (m_secrets) {
        for (const auto& v : m_secrets->values) material += v + "\n";
    }
    auto access = Access::load(m_config.api_token_file, m_config.trust_alb_identity, material);
    if (!access) return std::unexpected(access.error());
    m_access = std::move(*access);
    if (!m_config.metrics_token_file.empty()) {
        auto token = read_token(m_config.metrics_token_file, "metrics token file");
        if (!token) return std::unexpected(token.error());
        m_metrics_token = std::move(*token);
    }
    choose_repository(*repo);
    return {};
}

// The repository whose events count: the flags, else what the remote's URL names.
void Service::choose_repository(const diff::Repository& repo) {
    m_repository = {m_config.github_repository, m_config.codecommit_repository};
    const std::string url = diff::remote_url(repo, m_config.remote);
    if (m_repository.github.empty() && m_repository.codecommit.empty())
        m_repository = repository_of_url(url);
    if (!m_repository.github.empty())
        spdlog::info("serve: taking GitHub events of {} only", m_repository.github);
    if (!m_repository.codecommit.empty())
        spdlog::info("serve: taking CodeCommit events of {} only", m_repository.codecommit);
    if (m_repository.github.empty() && m_repository.codecommit.empty())
        spdlog::warn(
            "serve: remote '{}' names no GitHub or CodeCommit repository: events of "
            "any repository are taken (give --github-repository)",
            m_config.remote);
}

// GitHub's settings, when a token or an App is given (checked here: a bad file stops the
// start).
common::Result<void> Service::open_github() {
    const auto& c = m_config;
    if (!c.github_repository.empty()) {
        if (auto ok = github::check_repository(c.github_repository, "--github-repository"); !ok)
            return ok;
    }
    // GITHUB_TOKEN alone turns GitHub on only with --github-repository (a token in serve's
    // environment for something else must not).
    const bool credentials = !c.github_token_file.empty() || !c.github_app_id.empty() ||
                             !c.github_app_key_file.empty() ||
                             (!c.github_token_env.empty() && !c.github_repository.empty());
    if (!credentials) return {};
    std::map<std::string, std::string> env;
    if (!c.github_token_env.empty()) env["GITHUB_TOKEN"] = c.github_token_env;
    auto settings =
        pipeline::github_settings({c.github_api_url, c.github_token_file, c.github_repository,
                                   c.github_app_id, c.github_app_key_file},
                                  env);
    if (!settings) return std::unexpected(settings.error());
    settings->user_agent = "slipway/" + c.version;
    m_github = std::move(*settings);
    m_teams = pipeline::github_teams(*m_github);
    return {};
}

common::Result<void> Service::reload_manifest(const diff::Repository& repo) {
    std::string ref = m_config.manifest_ref;
    if (ref.empty()) {
        // The remote's default branch, else the clone's HEAD, else the usual names.
        const std::string& r = m_config.remote;
        for (const auto& c : {r + "/HEAD", std::string("HEAD"), r + "/main", r + "/master"}) {
            if (repo.resolve_commit(c)) {
                ref = c;
                break;
            }
        }
        if (ref.empty())
            return common::fail(ErrorCode::input,
                                "no manifest to read the triggers from: neither " + r +
                                    "/HEAD, HEAD, " + r + "/main nor " + r +
                                    "/master names a commit (give --manifest-ref)");
    }
    auto loaded = pipeline::load_project_manifest(&repo, "", ref == "HEAD" ? "HEAD^{commit}" : ref);
    if (!loaded) return std::unexpected(loaded.error());
    Triggers triggers;
    for (const auto& e : loaded->environments) {
        if (!e.trigger_branch.empty()) triggers[e.trigger_branch].push_back(e.name);
    }
    std::lock_guard lock(m_mutex);
    m_manifest = std::make_shared<const components::Manifest>(std::move(*loaded));
    m_triggers = std::move(triggers);
    return {};
}

std::shared_ptr<const components::Manifest> Service::manifest() const {
    std::lock_guard lock(m_mutex);
    return m_manifest;
}

Triggers Service::triggers() const {
    std::lock_guard lock(m_mutex);
    return m_triggers;
}

common::Result<StorePool::Lease> Service::store() {
    return m_stores.take(m_store_url, m_root);
}

Identity Service::caller(const httplib::Request& req) const {
    return m_access.identify(req.get_header_value("Authorization"),
                             req.get_header_value("x-amzn-oidc-identity"));
}

bool Service::authorized(const httplib::Request& req, httplib::Response& res) const {
    if (!m_access.required() || caller(req).role != Role::none) return true;
    reply(req, res,
          error_response(401, "unauthorized", "a bearer token is required (--api-token-file)"));
    res.set_header("WWW-Authenticate", "Bearer");
    return false;
}

// /metrics names environments and queue depths: it needs the metrics token when one is set,
// or the API token (either opens it when both are set); with neither it is public.
bool Service::metrics_authorized(const httplib::Request& req, httplib::Response& res) const {
    if (!m_access.required() && m_metrics_token.empty()) return true;
    const std::string given = req.get_header_value("Authorization");
    bool ok = m_access.required() && caller(req).role != Role::none;
    ok |=
        !m_metrics_token.empty() && aws::equal_in_constant_time(given, "Bearer " + m_metrics_token);
    if (ok) return true;
    reply(req, res,
          error_response(401, "unauthorized",
                         "a bearer token is required (--metrics-token-file or --api-token-file)"));
    res.set_header("WWW-Authenticate", "Bearer");
    return false;
}

void Service::api(const httplib::Request& req, httplib::Response& res,
                  const std::function<Response(ApiContext&)>& answer) {
    if (!authorized(req, res)) return;
    auto s = store();
    if (!s) return reply(req, res, error_response(500, "internal", s.error().message));
    auto m = manifest();
    std::optional<common::Result<diff::Repository>> repo;
    const auto open_repo = [&]() -> const diff::Repository* {
        if (!repo) repo = diff::Repository::open(m_root);
        return *repo ? &**repo : nullptr;
    };
    ApiContext c{**s, *m, open_repo, m_config.version};
    c.teams = m_teams.get();
    reply(req, res, answer(c));
}

InlineData Service::home_inline() {
    auto s = store();
    if (!s) return {};  // the page asks the API, which says what is wrong
    auto m = manifest();
    std::optional<common::Result<diff::Repository>> repo;
    const auto open_repo = [&]() -> const diff::Repository* {
        if (!repo) repo = diff::Repository::open(m_root);
        return *repo ? &**repo : nullptr;
    };
    ApiContext c{**s, *m, open_repo, m_config.version};
    c.teams = m_teams.get();
    InlineData data = home_data(c);
    // Who the page is for (anonymous: no token is in use, so nobody can write).
    const Identity anonymous{"", Role::viewer, false};
    data.emplace_back("/api/me",
                      api_me(anonymous, m_access.csrf_token(anonymous), m_access.writable()).body);
    return data;
}

common::Result<IntakeResult> Service::take(const Delivery& d) {
    auto s = store();
    if (!s) return std::unexpected(s.error());
    // The clone orders commits in history as far as it has them (the worker checks again
    // after its fetch).
    auto repo = diff::Repository::open(m_root);
    auto out = take_delivery(d, triggers(), **s, m_repository, repo ? &*repo : nullptr);
    if (!out) return out;
    m_metrics.count_delivery(out->result);
    if (!out->jobs.empty() && m_workers) m_workers->wake();
    return out;
}

Response intake_response(const IntakeResult& r) {
    common::JsonOut j;
    j.begin_object();
    if (r.jobs.size() == 1) j.field("env", r.jobs[0].env).field("job", r.jobs[0].job);
    if (r.jobs.size() > 1) {
        j.key("jobs").begin_array();
        for (const auto& q : r.jobs)
            j.begin_object().field("env", q.env).field("job", q.job).end_object();
        j.end_array();
    }
    if (!r.reason.empty()) j.field("reason", r.reason);
    j.field("result", r.result).end_object();
    const int status = r.result == "pong" || r.result == "duplicate" ? 200 : 202;
    return {status, "application/json", j.str(), {}};
}

// Takes one of the slots for reading a large body, or says there is none free.
bool Service::take_large_body() {
    std::size_t n = m_large_bodies.load();
    while (n < m_config.max_large_bodies)
        if (m_large_bodies.compare_exchange_weak(n, n + 1)) return true;
    return false;
}

// GitHub: size first (before reading), then the signature, computed as the body arrives
// (before parsing), then the event. What an unsigned request may hold is bounded: a body over
// 1 MiB needs a large-body slot (none free: 503 and Retry-After, nothing read), and memory is
// reserved for exactly the announced length.
void Service::github(const httplib::Request& req, httplib::Response& res,
                     const httplib::ContentReader& reader) {
    struct InFlight {
        std::atomic<std::size_t>& n;
        explicit InFlight(std::atomic<std::size_t>& c) : n(c) { ++n; }
        ~InFlight() { --n; }
    } in_flight(m_in_flight);
    res.set_header("Connection", "close");
    const auto busy = [&](const char* code, const std::string& message) {
        reply(req, res, error_response(503, code, message));
        res.set_header("Retry-After", "5");
    };
    if (!m_secrets)
        return reply(
            req, res,
            error_response(404, "not_found", "webhooks are off: no --webhook-secret-file"));
    if (m_stopping)
        return reply(req, res, error_response(503, "shutting_down", "slipway is stopping"));
    if (m_in_flight.load() > m_config.max_in_flight)
        return busy("queue_full", "too many deliveries at once");
    const auto length_text = req.get_header_value("Content-Length");
    const std::uint64_t length =
        length_text.empty() ? 0 : std::strtoull(length_text.c_str(), nullptr, 10);
    if (length > k_max_body)
        return reply(req, res, error_response(413, "too_large", "the body is over 25 MB"));
    bool large = false;  // holds a slot
    struct Slot {
        std::atomic<std::size_t>& n;
        bool& held;
        ~Slot() {
            if (held) --n;
        }
    } slot{m_large_bodies, large};
    if (length > k_small_body && !(large = take_large_body()))
        return busy("busy", "too many large deliveries at once");
    std::string body;
    body.reserve(static_cast<std::size_t>(length));
    SignatureCheck check(*m_secrets);
    bool too_large = false, no_slot = false;
    reader([&](const char* data, std::size_t n) {
        if (body.size() + n > k_max_body) return !(too_large = true);
        // A chunked body announces no length: it needs a slot once it grows past the small.
        if (body.size() + n > k_small_body && !large && !(large = take_large_body()))
            return !(no_slot = true);
        check.update(std::string_view(data, n));
        body.append(data, n);
        return true;
    });
    if (too_large)
        return reply(req, res, error_response(413, "too_large", "the body is over 25 MB"));
    if (no_slot) return busy("busy", "too many large deliveries at once");
    if (!check.valid(req.get_header_value("X-Hub-Signature-256")))
        return reply(req, res,
                     error_response(401, "bad_signature",
                                    "X-Hub-Signature-256 is missing or does not match"));
    Delivery d{"github", req.get_header_value("X-GitHub-Delivery"),
               req.get_header_value("X-GitHub-Event"), std::nullopt, pipeline::now_millis()};
    if (d.id.empty())
        return reply(req, res, error_response(400, "bad_request", "no X-GitHub-Delivery header"));
    if (d.event == "pull_request") return reply(req, res, take_pull_request(d, body));
    if (d.event == "push") {
        auto push = parse_github_push(body);
        if (!push) return reply(req, res, error_response(400, "bad_request", push.error().message));
        d.push = std::move(*push);
    }
    auto out = take(d);
    if (!out) return reply(req, res, error_response(500, "internal", out.error().message));
    spdlog::info("serve: github delivery {} ({}): {} {}", d.id, d.event, out->result, out->reason);
    reply(req, res, intake_response(*out));
}

// A pull_request event: stored once (a redelivery does nothing), then handed to the planner.
Response Service::take_pull_request(const Delivery& d, const std::string& body) {
    auto event = parse_github_pull_request(body);
    if (!event) return error_response(400, "bad_request", event.error().message);
    auto s = store();
    if (!s) return error_response(500, "internal", s.error().message);
    versioning::DeliveryRecord record{d.source, d.id, d.at, d.event, "", "", "", "", "", 0};
    record.ref = "refs/pull/" + std::to_string(event->number) + "/head";
    record.head = event->head_sha;
    record.actor = event->sender.empty() ? "" : "github:" + event->sender;
    auto first = (*s)->record_delivery(record);
    if (!first) return error_response(500, "internal", first.error().message);
    IntakeResult out{"duplicate", "delivery " + d.id + " was taken before", {}};
    if (*first) {
        out.result = m_pulls ? m_pulls->take(*event, out.reason) : "ignored";
        if (!m_pulls) out.reason = "slipway is starting";
        if (auto ok = (*s)->set_delivery_result(d.source, d.id, out.result, out.reason, 0); !ok)
            return error_response(500, "internal", ok.error().message);
    }
    m_metrics.count_delivery(out.result);
    spdlog::info("serve: github delivery {} (pull_request #{} {}): {} {}", d.id, event->number,
                 event->action, out.result, out.reason);
    common::JsonOut j;
    j.begin_object().field("pull_request", event->number);
    if (!out.reason.empty()) j.field("reason", out.reason);
    j.field("result", out.result).end_object();
    return {out.result == "duplicate" ? 200 : 202, "application/json", j.str(), {}};
}

// A query parameter written as a whole number (digits only; a larger one than uint64 saturates),
// or nullopt.
std::optional<std::uint64_t> whole_number(const std::string& text) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || end != text.data() + text.size()) return std::nullopt;
    if (ec == std::errc::result_out_of_range) return UINT64_MAX;
    return ec == std::errc{} ? std::optional(n) : std::nullopt;
}

// The 400 of a malformed query parameter, naming it and (the start of) what was sent.
Response bad_parameter(const char* name, const char* expected, const std::string& text) {
    const std::string shown = text.size() > 40 ? text.substr(0, 40) + "..." : text;
    return error_response(400, "bad_request",
                          std::string(name) + ": expected " + expected + ", got '" + shown + "'");
}

// The page a list request asks for; a ?limit= that is not a whole number of at least 1 is a
// 400 naming it (a larger one than the API's largest page gets that page, as documented).
std::expected<PageRequest, Response> page_of(const httplib::Request& req) {
    PageRequest p;
    p.before = req.get_param_value("before");
    if (!req.has_param("limit")) return p;
    const std::string text = req.get_param_value("limit");
    const auto n = whole_number(text);
    if (!n || *n == 0)
        return std::unexpected(bad_parameter("limit", "a whole number of at least 1", text));
    p.limit = static_cast<std::size_t>(std::min<std::uint64_t>(*n, 200));
    return p;
}

std::int64_t number(const std::string& text) {
    return std::atoll(text.c_str());
}

void Service::routes(httplib::Server& server) {
    auto get = [&](const std::string& route,
                   std::function<Response(ApiContext&, const httplib::Request&)> f) {
        server.Get(route, [this, f](const httplib::Request& req, httplib::Response& res) {
            api(req, res, [&](ApiContext& c) { return f(c, req); });
        });
    };
    // A list: its page parsed first (a malformed one is a 400 and nothing is read).
    using ListHandler =
        std::function<Response(ApiContext&, const httplib::Request&, const PageRequest&)>;
    auto list = [&](const std::string& route, ListHandler f) {
        get(route, [f](ApiContext& c, const httplib::Request& r) -> Response {
            auto page = page_of(r);
            return page ? f(c, r, *page) : page.error();
        });
    };
    server.Get("/healthz", [this](const httplib::Request& req, httplib::Response& res) {
        common::JsonOut j;
        j.begin_object().field("status", m_stopping ? "shutting_down" : "ok");
        j.field("version", m_config.version).end_object();
        reply(req, res, {m_stopping ? 503 : 200, "application/json", j.str(), {}});
    });
    server.Get("/metrics", [this](const httplib::Request& req, httplib::Response& res) {
        if (!metrics_authorized(req, res)) return;
        std::map<std::string, int> depth;
        if (auto s = store()) {
            for (const auto& [branch, envs] : triggers()) {
                for (const auto& env : envs) {
                    auto jobs = (*s)->jobs(env, 5);
                    int n = 0;
                    for (const auto& j : jobs ? *jobs : std::vector<versioning::JobRecord>{})
                        n += j.status == versioning::JobStatus::pending ||
                             j.status == versioning::JobStatus::running;
                    depth[env] = n;
                }
            }
        }
        reply(req, res,
              {200, "text/plain; version=0.0.4", m_metrics.text(depth) + safety_gauges(), {}});
    });
    server.Post("/hooks/github",
                [this](const httplib::Request& req, httplib::Response& res,
                       const httplib::ContentReader& reader) { github(req, res, reader); });
    get("/api/project", [](ApiContext& c, auto&) { return api_project(c); });
    get("/api/environments", [](ApiContext& c, auto&) { return api_environments(c); });
    list(R"(/api/environments/([^/]+)/deployments)",
         [](ApiContext& c, const httplib::Request& r, const PageRequest& p) {
             return api_environment_deployments(c, r.matches[1], p);
         });
    list("/api/components",
         [](ApiContext& c, auto&, const PageRequest& p) { return api_components(c, p); });
    list(R"(/api/components/([^/]+))",
         [](ApiContext& c, const httplib::Request& r, const PageRequest& p) {
             return api_component(c, r.matches[1], r.get_param_value("env"), p.limit);
         });
    list(R"(/api/components/([^/]+)/builds)",
         [](ApiContext& c, const httplib::Request& r, const PageRequest& p) {
             return api_component_builds(c, r.matches[1], p);
         });
    list(R"(/api/components/([^/]+)/deployments)",
         [](ApiContext& c, const httplib::Request& r, const PageRequest& p) {
             return api_component_deployments(c, r.matches[1], r.get_param_value("env"), p);
         });
    list("/api/runs", [](ApiContext& c, const httplib::Request& r, const PageRequest& p) {
        return api_runs(c, r.get_param_value("env"), p);
    });
    get(R"(/api/runs/([^/]+))",
        [](ApiContext& c, const httplib::Request& r) { return api_run(c, r.matches[1]); });
    get(R"(/api/runs/([^/]+)/logs/([^/]+))", [](ApiContext& c, const httplib::Request& r) {
        const auto offset = whole_number(r.get_param_value("offset"));
        if (r.has_param("offset") && !offset)
            return bad_parameter("offset", "a whole number of bytes", r.get_param_value("offset"));
        return api_log(c, r.matches[1], r.matches[2], offset.value_or(0));
    });
    get(R"(/api/deployments/(\d+))", [](ApiContext& c, const httplib::Request& r) {
        return api_deployment(c, number(r.matches[1]));
    });
    get(R"(/api/deployments/(\d+)/compare/(\d+))", [](ApiContext& c, const httplib::Request& r) {
        return api_compare(c, number(r.matches[1]), number(r.matches[2]));
    });
    get("/api/queue", [](ApiContext& c, auto&) { return api_queue(c); });
    safety_routes(server);
    get("/api/pulls", [this](ApiContext&, auto&) {
        return api_pulls(m_pulls ? m_pulls->plans() : std::vector<pipeline::PullPlan>{});
    });
    get(R"(/api/pulls/(\d+))", [this](ApiContext&, const httplib::Request& r) {
        const auto n = number(r.matches[1]);
        return api_pull(n, m_pulls ? m_pulls->plan(n) : std::nullopt);
    });
    get(R"(/api/.*)", [](ApiContext&, const httplib::Request& r) {
        return error_response(404, "not_found", "no API " + r.path);
    });
    server.Get(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
        // Pages are public, so they hold no data when the API wants a token; without one the
        // home page carries the API answers it renders first (pages.hpp).
        const InlineData data =
            req.path == "/" && !m_access.required() ? home_inline() : InlineData{};
        reply(req, res, page(req.path, req.get_header_value("If-None-Match"), data));
    });
    // Anything else that is not a GET (or a POST of a webhook) is not allowed.
    const auto not_allowed = [](const httplib::Request& req, httplib::Response& res) {
        reply(req, res, error_response(405, "method_not_allowed", "only GET (and webhooks' POST)"));
    };
    server.Put(R"(/.*)", not_allowed);
    server.Delete(R"(/.*)", not_allowed);
    server.Patch(R"(/.*)", not_allowed);
    server.Post(R"(/(?!hooks/github$).*)", not_allowed);
    server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
        t_started = std::chrono::steady_clock::now();
        return httplib::Server::HandlerResponse::Unhandled;
    });
    server.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
        std::string route = req.path;
        for (const char* prefix :
             {"/api/components/", "/api/runs/", "/api/deployments/", "/api/environments/",
              "/api/pulls/", "/components/", "/runs/", "/deployments/", "/pulls/"}) {
            if (route.starts_with(prefix)) route = std::string(prefix) + "{id}";
        }
        if (route.starts_with("/assets/")) route = "/assets/{file}";
        const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - t_started);
        m_metrics.observe_request(route, res.status, took);
    });
}

// Whether `head` is what `env` runs, or a job for it waits or runs there.
bool head_deployed_or_queued(versioning::VersionStore& store, const std::string& env,
                             const std::string& head) {
    auto current = store.current_deployments(env);
    if (current && !current->empty() &&
        std::all_of(current->begin(), current->end(),
                    [&](const versioning::DeploymentRecord& d) { return d.commit == head; }))
        return true;  // every stack in every place runs it
    auto jobs = store.jobs(env, 20);
    if (!jobs) return true;  // the store failed: nothing to decide on (logged by the caller)
    for (const auto& j : *jobs)
        if (j.head == head && (j.status == versioning::JobStatus::pending ||
                               j.status == versioning::JobStatus::running))
            return true;
    return false;
}

// A job stopped by the last shutdown (SIGTERM past --grace: `interrupted`) is queued again at
// start, unless its head is deployed or something waits or runs in its environment (the
// newest-wins queue then decides). Its trigger says which job it repeats.
void Service::requeue_interrupted() {
    auto s = store();
    if (!s) return spdlog::warn("serve: re-queueing interrupted jobs: {}", s.error().message);
    for (const auto& [branch, envs] : triggers()) {
        for (const auto& env : envs) {
            auto last = (*s)->jobs(env, 1);
            if (!last || last->empty()) continue;
            const versioning::JobRecord& j = last->front();
            if (j.status != versioning::JobStatus::interrupted) continue;
            if (head_deployed_or_queued(**s, env, j.head)) continue;
            versioning::JobRecord again;
            again.env = j.env;
            again.branch = j.branch;
            again.head = j.head;
            again.actor = j.actor;
            again.trigger = "restart:job#" + std::to_string(j.id);
            again.created_at = pipeline::now_millis();
            auto queued = (*s)->enqueue_job(again);
            if (!queued)
                spdlog::warn("serve: re-queueing job #{}: {}", j.id, queued.error().message);
            else
                spdlog::info(
                    "serve: job #{} of {} at {} was interrupted by the last stop: queued "
                    "again as job #{}",
                    j.id, env, j.head.substr(0, 12), queued->id);
        }
    }
}

// --- gates, requests, rollbacks and drift (actions.hpp) ---------------------------------

// A write's fields: its body read up to 64 KiB (a larger one is refused before it is read
// whole), as JSON members or form fields.
using Fields = std::map<std::string, std::string>;

std::optional<Fields> read_fields(const httplib::Request& req,
                                  const httplib::ContentReader& reader) {
    constexpr std::size_t k_max = 64 * 1024;
    std::string body;
    bool too_large = false;
    reader([&](const char* data, std::size_t n) {
        if (body.size() + n > k_max) return !(too_large = true);
        body.append(data, n);
        return true;
    });
    if (too_large) return std::nullopt;
    Fields out;
    if (req.get_header_value("Content-Type").starts_with("application/json")) {
        rapidjson::Document d;
        d.Parse(body.c_str(), body.size());
        if (d.HasParseError() || !d.IsObject()) return out;
        for (const auto& m : d.GetObject()) {
            const std::string name(m.name.GetString(), m.name.GetStringLength());
            if (m.value.IsString())
                out[name] = std::string(m.value.GetString(), m.value.GetStringLength());
            if (m.value.IsInt64()) out[name] = std::to_string(m.value.GetInt64());
        }
        return out;
    }
    httplib::Params params;
    httplib::detail::parse_query_text(body, params);
    for (const auto& [k, v] : params) out.emplace(k, v);
    return out;
}

std::string field_of(const Fields& f, const char* name) {
    auto it = f.find(name);
    return it == f.end() ? "" : it->second;
}

// A write: the caller identified, the cross-site checks passed, a small body; then the answer,
// and the workers woken for whatever it queued.
void Service::write(
    const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader,
    const std::function<Response(ApiContext&, const Write&, const Fields&)>& answer) {
    res.set_header("Cache-Control", "no-store");
    if (m_stopping)
        return reply(req, res, error_response(503, "shutting_down", "slipway is stopping"));
    if (!m_access.writable())
        return reply(req, res,
                     error_response(403, "forbidden",
                                    "writes need an identity: --api-token-file with roles, or "
                                    "--trust-alb-identity"));
    const Identity who = caller(req);
    if (who.role == Role::none) {
        reply(req, res, error_response(401, "unauthorized", "a bearer token is required"));
        return res.set_header("WWW-Authenticate", "Bearer");
    }
    const auto fields = read_fields(req, reader);
    if (!fields)
        return reply(req, res, error_response(413, "too_large", "a write's body is over 64 KiB"));
    std::string csrf = req.get_header_value("X-CSRF-Token");
    if (csrf.empty()) csrf = field_of(*fields, "csrf");
    const std::string why =
        m_access.refuse_write(who, req.get_header_value("Origin"), req.get_header_value("Referer"),
                              req.get_header_value("Host"), csrf);
    if (!why.empty()) {
        spdlog::warn("serve: refused a write to {} by {}: {}", req.path,
                     who.actor.empty() ? "?" : who.actor, why);
        return reply(req, res, error_response(403, "forbidden", why));
    }
    if (who.role == Role::viewer)
        return reply(req, res, error_response(403, "forbidden", who.actor + " is a viewer"));
    auto s = store();
    if (!s) return reply(req, res, error_response(500, "internal", s.error().message));
    auto m = manifest();
    ApiContext c{**s, *m, [] { return static_cast<const diff::Repository*>(nullptr); },
                 m_config.version};
    c.teams = m_teams.get();
    const Response r =
        answer(c, Write{who, pipeline::now_millis(), field_of(*fields, "reason")}, *fields);
    spdlog::info("serve: {} {} by {}: {}", req.method, req.path, who.actor, r.status);
    if (r.status < 300 && m_workers) m_workers->wake();
    reply(req, res, r);
}

void Service::safety_routes(httplib::Server& server) {
    server.Get("/api/me", [this](const httplib::Request& req, httplib::Response& res) {
        if (!authorized(req, res)) return;
        const Identity who = caller(req);
        reply(req, res, api_me(who, m_access.csrf_token(who), m_access.writable()));
    });
    server.Get("/api/requests", [this](const httplib::Request& req, httplib::Response& res) {
        api(req, res, [&](ApiContext& c) {
            auto page = page_of(req);
            if (!page) return page.error();
            return api_requests(c, req.get_param_value("env"), page->limit, pipeline::now_millis());
        });
    });
    server.Get(R"(/api/requests/(\d+))",
               [this](const httplib::Request& req, httplib::Response& res) {
                   api(req, res, [&](ApiContext& c) {
                       return api_request(c, number(req.matches[1]), pipeline::now_millis());
                   });
               });
    server.Get("/api/drift", [this](const httplib::Request& req, httplib::Response& res) {
        api(req, res, [&](ApiContext& c) {
            auto all = c.store.drifts();
            if (!all) return error_response(500, "internal", all.error().message);
            std::string body = "{\"drift\":[";
            for (std::size_t i = 0; i < all->size(); ++i)
                body += (i ? "," : "") + pipeline::drift_json((*all)[i]);
            return Response{200, "application/json", body + "]}\n", {}};
        });
    });
    using Reader = httplib::ContentReader;
    server.Post(R"(/api/environments/([^/]+)/requests)",
                [this](const httplib::Request& req, httplib::Response& res, const Reader& reader) {
                    write(req, res, reader, [&](ApiContext& c, const Write& w, const Fields&) {
                        return post_request(c, w, req.matches[1]);
                    });
                });
    server.Post(R"(/api/requests/(\d+)/(approve|reject|override-freeze))",
                [this](const httplib::Request& req, httplib::Response& res, const Reader& reader) {
                    write(req, res, reader, [&](ApiContext& c, const Write& w, const Fields&) {
                        return post_decision(c, w, number(req.matches[1]), req.matches[2]);
                    });
                });
    server.Post(R"(/api/environments/([^/]+)/rollback)",
                [this](const httplib::Request& req, httplib::Response& res, const Reader& reader) {
                    write(req, res, reader, [&](ApiContext& c, const Write& w, const Fields& f) {
                        const auto id = whole_number(field_of(f, "deployment"));
                        if (!id)
                            return bad_parameter("deployment", "a deployment id",
                                                 field_of(f, "deployment"));
                        return post_rollback(c, w, req.matches[1], static_cast<std::int64_t>(*id));
                    });
                });
}

// One pass of the promoter: requests whose gates now pass become jobs.
void Service::promote_once() {
    auto s = store();
    if (!s) return spdlog::warn("serve: promoter: {}", s.error().message);
    auto m = manifest();
    ApiContext c{**s, *m, [] { return static_cast<const diff::Repository*>(nullptr); },
                 m_config.version};
    c.teams = m_teams.get();
    auto queued = promote_ready(c, pipeline::now_millis());
    if (!queued) return spdlog::warn("serve: promoter: {}", queued.error().message);
    if (*queued > 0) {
        spdlog::info("serve: promoter: {} promotion(s) queued", *queued);
        if (m_workers) m_workers->wake();
    }
}

// Every environment's stack checked for drift, each check recorded.
void Service::check_drift_once() {
    auto s = store();
    if (!s) return spdlog::warn("serve: drift: {}", s.error().message);
    auto services = pipeline::system_services(**s, m_store_url, m_config.state_dir);
    services.clock.interrupted = [this] { return m_stopping.load(); };
    // The manifest held for the whole pass: the reconciler replaces the service's on every
    // fetch, and a range over `manifest()->environments` outlived its temporary owner.
    const auto m = manifest();
    for (const auto& env : m->environments) {
        if (m_stopping) return;
        auto d = pipeline::check_drift(env, services);
        if (!d) {
            spdlog::warn("serve: drift of {}: {}", env.name, d.error().message);
            continue;
        }
        spdlog::info("serve: drift of {} ({}): {} ({} resources)", env.name, d->stack, d->status,
                     d->resources.size());
    }
}

// The gauges of gates and drift for /metrics, read from the store when scraped.
std::string Service::safety_gauges() {
    auto s = store();
    if (!s) return "";
    std::string out;
    auto drifts = (*s)->drifts();
    out +=
        "# HELP slipway_drift_status An environment's latest drift check (1 for its status).\n"
        "# TYPE slipway_drift_status gauge\n";
    for (const auto& d : drifts ? *drifts : std::vector<versioning::DriftRecord>{})
        out += fmt::format("slipway_drift_status{{env=\"{}\",status=\"{}\"}} 1\n", d.env, d.status);
    out +=
        "# HELP slipway_drifted_resources Resources that differ from the template.\n"
        "# TYPE slipway_drifted_resources gauge\n";
    for (const auto& d : drifts ? *drifts : std::vector<versioning::DriftRecord>{})
        out +=
            fmt::format("slipway_drifted_resources{{env=\"{}\"}} {}\n", d.env, d.resources.size());
    out +=
        "# HELP slipway_drift_checked_timestamp_seconds When the drift was last checked.\n"
        "# TYPE slipway_drift_checked_timestamp_seconds gauge\n";
    for (const auto& d : drifts ? *drifts : std::vector<versioning::DriftRecord>{})
        out += fmt::format("slipway_drift_checked_timestamp_seconds{{env=\"{}\"}} {}\n", d.env,
                           d.checked_at / 1000);
    out +=
        "# HELP slipway_requests_open Promotion requests waiting on their gates.\n"
        "# TYPE slipway_requests_open gauge\n";
    const auto m = manifest();  // held while read (see check_drift_once)
    for (const auto& e : m->environments) {
        if (e.promote_from.empty()) continue;
        auto open = pipeline::open_request(**s, e.name);
        out +=
            fmt::format("slipway_requests_open{{env=\"{}\"}} {}\n", e.name, open && *open ? 1 : 0);
    }
    return out;
}

// A branch's head that no event brought (events are best effort): queued as a delivery of
// the reconciler, once per branch and head.
void Service::reconcile_once() {
    auto repo = diff::Repository::open(m_root);
    if (!repo) return spdlog::warn("serve: reconciler: {}", repo.error().message);
    if (auto fetched = diff::fetch(*repo, m_config.remote, m_git_credentials); !fetched)
        spdlog::warn("serve: reconciler: {}", fetched.error().message);
    if (auto ok = reload_manifest(*repo); !ok)
        spdlog::warn("serve: reconciler: {}", ok.error().message);
    auto s = store();
    if (!s) return spdlog::warn("serve: reconciler: {}", s.error().message);
    for (const auto& [branch, envs] : triggers()) {
        auto head = repo->resolve_commit("refs/remotes/" + m_config.remote + "/" + branch);
        if (!head) head = repo->resolve_commit("refs/heads/" + branch);
        if (!head) continue;
        // Known when every environment has the head deployed, or waiting or running. Not when
        // only a job that ended without deploying had it (interrupted, failed): compared with
        // what was queued, an interrupted merge waited for the next push.
        bool known = true;
        for (const auto& env : envs) known = known && head_deployed_or_queued(**s, env, *head);
        if (known) continue;
        Delivery d{"reconciler", branch + "@" + *head, "push",
                   Push{"refs/heads/" + branch, branch, *head, "reconciler", false, "", ""},
                   pipeline::now_millis()};
        auto out = take(d);
        if (!out)
            spdlog::warn("serve: reconciler: {}", out.error().message);
        else if (out->result != "duplicate")
            spdlog::info("serve: reconciler: {} at {}: {} {}", branch, head->substr(0, 12),
                         out->result, out->reason);
    }
}

// An SQS message: stored (and deletable) unless the store failed.
bool Service::take_queue_message(const QueueMessage& m) {
    auto event = parse_codecommit_event(m.body);
    Delivery d{"sqs", event ? event->id : m.id, "unreadable", std::nullopt, pipeline::now_millis()};
    if (event) {
        d.event = event->push ? "push" : event->detail_type;
        d.push = event->push;
    }
    auto out = take(d);
    if (!out) {
        spdlog::error("serve: SQS message {}: {}", m.id, out.error().message);
        return false;
    }
    spdlog::info("serve: SQS event {}: {} {}", d.id, out->result, out->reason);
    return true;
}

common::Result<std::pair<std::string, int>> host_and_port(const std::string& listen) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos)
        return common::fail(ErrorCode::usage, "--listen: expected HOST:PORT, got '" + listen + "'");
    char* end = nullptr;
    const long port = std::strtol(listen.c_str() + colon + 1, &end, 10);
    if (*end != '\0' || port < 0 || port > 65535)
        return common::fail(ErrorCode::usage, "--listen: bad port in '" + listen + "'");
    return std::pair{listen.substr(0, colon), static_cast<int>(port)};
}

common::Result<int> Service::run(const std::function<void(const std::string&)>& ready) {
    // Signals go to sigwait() below, not to whichever thread: blocked before any thread starts.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    auto where = host_and_port(m_config.listen);
    if (!where) return std::unexpected(where.error());
    // A webhook body (up to 25 MB) gets memory of its own from mmap and gives it back when the
    // request ends. glibc's default raises its mmap threshold after such a free, so the next
    // large bodies came from the 64 handler threads' arenas and stayed resident there (the
    // flood of bench/serve_fire.py peaked at 317 MB after other traffic). A fixed threshold
    // turns that off.
    mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
    // cpp-httplib parses, routes and answers; the front (front.hpp) listens, accepts, reads
    // request heads under a deadline and caps connections, then hands each head to it.
    RoutedServer server;
    server.set_payload_max_length(k_max_body);
    routes(server);
    FrontLimits limits;
    limits.head_timeout = m_config.request_head_timeout;
    limits.max_connections = m_config.max_connections;
    limits.max_per_client = m_config.max_connections_per_client;
    // A thread per request being answered: a browser keeps ~6 keep-alive connections per page
    // load, and each thread opens its store connection on first use.
    limits.threads = 64;
    Front front(server, limits);
    auto port = front.listen(where->first, where->second);
    if (!port)
        return common::fail(ErrorCode::external,
                            "cannot listen on " + m_config.listen + ": " + port.error().message);
    std::size_t count = m_config.workers;
    if (count == 0) {
        for (const auto& [branch, envs] : triggers()) count += envs.size();
        const auto m = manifest();
        for (const auto& e : m->environments) count += e.promote_from.empty() ? 0 : 1;
    }
    WorkerConfig wc{m_root,
                    m_config.remote,
                    m_store_url,
                    m_config.state_dir,
                    pipeline::lease_owner("serve"),
                    m_config.claim_ttl,
                    std::chrono::seconds(5),
                    {},
                    m_git_credentials,
                    nullptr,
                    nullptr};
    requeue_interrupted();
    const std::string public_url = !m_config.public_url.empty()
                                       ? m_config.public_url
                                       : "http://" + where->first + ":" + std::to_string(*port);
    if (m_github) {
        pipeline::GithubReportOptions options;
        options.runs_url = public_url + "/runs/";
        options.environment = [this](const std::string& env) {
            auto m = manifest();
            for (const auto& e : m ? m->environments : std::vector<components::Environment>{})
                if (e.name == env) return std::pair{e.url, e.production};
            return std::pair{std::string(), false};
        };
        options.counted = [this](const std::string& result) { m_metrics.count_github(result); };
        m_reporter = std::make_shared<pipeline::GithubReporter>(*m_github, options);
    }
    wc.github = m_reporter;
    wc.teams = m_teams;
    m_pulls = std::make_unique<PullPlanner>(
        PullPlannerConfig{m_root, m_config.remote, m_store_url, m_config.state_dir, public_url,
                          m_config.github_repository, 1},
        [this] { return manifest(); }, m_github, m_metrics);
    m_pulls->start();
    m_workers = std::make_unique<Workers>(wc, std::max<std::size_t>(count, 1), m_metrics);
    m_workers->start();
    std::thread http([&front] { front.run(); });
    std::unique_ptr<SqsPoller> sqs;
    if (!m_config.sqs_queue.empty()) {
        sqs = std::make_unique<SqsPoller>(
            m_config.sqs_queue, [this](const QueueMessage& m) { return take_queue_message(m); });
        sqs->start();
    }
    std::mutex reconcile_mutex;
    std::condition_variable reconcile_wake;
    std::thread reconciler([&] {
        if (m_config.reconcile_every.count() == 0) return;  // off: events only
        std::unique_lock lock(reconcile_mutex);
        do {
            lock.unlock();
            reconcile_once();
            lock.lock();
        } while (!reconcile_wake.wait_for(lock, m_config.reconcile_every,
                                          [&] { return m_stopping.load(); }));
    });
    // The promoter (requests whose gates pass become jobs) and the drift checks.
    std::thread safety([&] {
        auto last_drift = std::chrono::steady_clock::time_point{};
        std::unique_lock lock(reconcile_mutex);
        do {
            lock.unlock();
            promote_once();
            const auto now = std::chrono::steady_clock::now();
            if (m_config.drift_every.count() > 0 && now - last_drift >= m_config.drift_every) {
                last_drift = now;
                check_drift_once();
            }
            lock.lock();
        } while (
            !reconcile_wake.wait_for(lock, m_config.gate_every, [&] { return m_stopping.load(); }));
    });
    const std::string url = "http://" + where->first + ":" + std::to_string(*port);
    spdlog::info("serve: listening on {}", url);
    if (ready) ready(url);
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("serve: {} received: stopping (running jobs get {} s)",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT", m_config.grace.count() / 1000);
    m_stopping = true;
    { std::lock_guard lock(reconcile_mutex); }
    reconcile_wake.notify_all();
    front.stop();
    http.join();
    if (sqs) sqs->stop();
    reconciler.join();
    safety.join();
    m_workers->stop(m_config.grace);
    m_pulls->stop();
    // What is queued for GitHub gets a moment: deploys that just ended are reported.
    if (m_reporter && !m_reporter->flush(std::chrono::seconds(5)))
        spdlog::warn("serve: some reports to GitHub were not sent");
    spdlog::info("serve: stopped");
    return 0;
}

}  // namespace

common::Result<int> serve(const Config& config,
                          const std::function<void(const std::string&)>& ready) {
    Service s(config);
    if (auto ok = s.open(); !ok) return std::unexpected(ok.error());
    return s.run(ready);
}

}  // namespace service
