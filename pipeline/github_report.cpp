// See github_report.hpp.
#include "pipeline/github_report.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "common/json.hpp"

namespace pipeline {
namespace {

std::string check_name(const std::string& env) {
    return "slipway deploy (" + env + ")";
}

std::string conclusion_for(const std::string& state) {
    return state == "success" ? "success" : "failure";
}

// The first line of a secret file, without its line break.
common::Result<std::string> read_secret(const std::string& file, const char* what, bool whole) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return common::fail(common::ErrorCode::input,
                            std::string("cannot read ") + what + " " + file);
    std::stringstream s;
    s << in.rdbuf();
    std::string text = s.str();
    if (!whole) text = text.substr(0, text.find('\n'));
    while (!text.empty() && (text.back() == '\r' || text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    if (text.empty())
        return common::fail(common::ErrorCode::input, std::string(what) + " " + file + " is empty");
    return text;
}

std::string payload_of(const deploy::DeployPlan& plan) {
    common::JsonOut j;
    j.begin_object().key("components").begin_object();
    for (const auto& i : plan.parameters.images) {
        j.key(i.component).begin_object().field("build", i.build_number);
        j.field("changed", i.changed).field("image", i.image_uri).end_object();
    }
    j.end_object().field("kind", plan.kind).field("run_id", plan.run_id);
    if (!plan.source.empty()) j.field("source", plan.source);
    j.field("stack", plan.stack);
    std::string out = j.end_object().str();
    out.pop_back();  // the newline
    return out;
}

}  // namespace

common::Result<github::Settings> github_settings(const GithubFlags& flags,
                                                 const std::map<std::string, std::string>& env) {
    using common::ErrorCode;
    auto from_env = [&](const char* name) {
        auto it = env.find(name);
        return it == env.end() ? std::string() : it->second;
    };
    github::Settings s;
    s.api_url = !flags.api_url.empty()                ? flags.api_url
                : !from_env("GITHUB_API_URL").empty() ? from_env("GITHUB_API_URL")
                                                      : s.api_url;
    s.repository = !flags.repository.empty() ? flags.repository : from_env("GITHUB_REPOSITORY");
    if (s.repository.empty())
        return common::fail(ErrorCode::usage,
                            "github: give --github-repository OWNER/NAME (or GITHUB_REPOSITORY)");
    if (auto ok = github::check_repository(s.repository, "--github-repository"); !ok)
        return std::unexpected(ok.error());
    if (flags.app_id.empty() != flags.app_key_file.empty())
        return common::fail(ErrorCode::usage,
                            "github: --github-app-id and --github-app-key-file go together");
    if (!flags.app_id.empty()) {
        auto key = read_secret(flags.app_key_file, "GitHub App key file", true);
        if (!key) return std::unexpected(key.error());
        s.app_id = flags.app_id;
        s.app_key_pem = std::move(*key);
    } else if (!flags.token_file.empty()) {
        auto token = read_secret(flags.token_file, "GitHub token file", false);
        if (!token) return std::unexpected(token.error());
        s.token = std::move(*token);
    } else {
        s.token = from_env("GITHUB_TOKEN");
        if (s.token.empty())
            return common::fail(ErrorCode::usage,
                                "github: give --github-token-file FILE, or --github-app-id with "
                                "--github-app-key-file (or GITHUB_TOKEN)");
    }
    return s;
}

std::string deployment_state(const std::string& result) {
    if (result == "deployed" || result == "up-to-date" || result == "nothing-affected" ||
        result == "overrides-written")
        return "success";
    if (result == "build-failed" || result == "deploy-failed" || result == "declined")
        return "failure";
    return "error";
}

GithubReporter::GithubReporter(const github::Settings& settings, GithubReportOptions options)
    : m_client(std::make_unique<github::Client>(settings, github::stoppable_clock(m_stopper))),
      m_options(std::move(options)) {
    m_thread = std::thread([this] { loop(); });
}

GithubReporter::~GithubReporter() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        if (!m_queue.empty())
            spdlog::warn("github: {} report(s) not sent (slipway is stopping)", m_queue.size());
        m_queue.clear();
    }
    m_stopper->stop();
    m_wake.notify_all();
    m_thread.join();
}

void GithubReporter::post(std::function<void()> task) {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) return;
        m_queue.push_back(std::move(task));
    }
    m_wake.notify_all();
}

void GithubReporter::loop() {
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [&] { return m_stopping || !m_queue.empty(); });
        if (m_stopping) return;
        auto task = std::move(m_queue.front());
        m_queue.pop_front();
        m_busy = true;
        lock.unlock();
        task();
        lock.lock();
        m_busy = false;
        if (m_queue.empty()) m_idle.notify_all();
    }
}

bool GithubReporter::flush(std::chrono::milliseconds timeout) {
    std::unique_lock lock(m_mutex);
    return m_idle.wait_for(lock, timeout, [&] { return m_queue.empty() && !m_busy; });
}

GithubReporter::Stats GithubReporter::stats() const {
    std::lock_guard lock(m_mutex);
    return m_stats;
}

void GithubReporter::note(const common::Result<void>& done, const std::string& what) {
    if (m_options.counted) m_options.counted(done ? "sent" : "failed");
    std::lock_guard lock(m_mutex);
    if (done) {
        ++m_stats.sent;
        return;
    }
    ++m_stats.failed;
    m_stats.last_error = what + ": " + done.error().message;
    spdlog::warn("github: {} (the deploy is not affected)", m_stats.last_error);
}

std::string GithubReporter::log_url(const std::string& run_id) const {
    if (!m_options.runs_url.empty()) return m_options.runs_url + run_id;
    return m_options.log_url;
}

void GithubReporter::check_or_status(RunState& r, const std::string& run_id,
                                     const std::string& state, const std::string& description) {
    const std::string what = check_name(r.env) + " on " + r.commit.substr(0, 12);
    if (m_client->checks_allowed()) {
        github::CheckRun run;
        run.name = check_name(r.env);
        run.head_sha = r.commit;
        run.details_url = log_url(run_id);
        run.external_id = run_id;
        run.status = state == "pending" ? "in_progress" : "completed";
        if (state != "pending") run.conclusion = conclusion_for(state);
        run.output = github::CheckRunOutput{description, description, "", {}};
        if (r.check_run == 0) {
            auto id = m_client->create_check_run(run);
            if (id) r.check_run = *id;
            note(id ? common::Result<void>{} : std::unexpected(id.error()), what);
        } else {
            note(m_client->update_check_run(r.check_run, run), what);
        }
        return;
    }
    note(
        m_client->create_status({r.commit, state, check_name(r.env), description, log_url(run_id)}),
        what);
    r.status_posted = true;
}

void GithubReporter::run_started(const std::string& run_id, const std::string& env,
                                 const std::string& commit) {
    post([this, run_id, env, commit] {
        RunState& r = m_runs[run_id];
        r.env = env;
        r.commit = commit;
        check_or_status(r, run_id, "pending", "slipway run " + run_id + ": building");
    });
}

void GithubReporter::deploy_began(const deploy::DeployPlan& plan) {
    const auto facts = m_options.environment ? m_options.environment(plan.env)
                                             : std::pair<std::string, bool>{"", false};
    const std::string environment_url = facts.first;
    const bool production = facts.second;
    // The stack's place in history (the ledger); the template's commit when an image's commit
    // is unknown (GitHub needs a ref).
    const std::string& ref = plan.commit.empty() ? plan.template_commit : plan.commit;
    github::Deployment d{ref,
                         plan.env,
                         fmt::format("slipway {} {}", plan.kind, plan.run_id),
                         payload_of(plan),
                         production,
                         false};
    post([this, d, run_id = plan.run_id, environment_url] {
        RunState& r = m_runs[run_id];
        r.env = d.environment;
        r.commit = d.ref;
        if (r.check_run == 0 && !r.status_posted)
            check_or_status(r, run_id, "pending", "slipway " + run_id + ": deploying");
        auto id = m_client->create_deployment(d);
        note(id ? common::Result<void>{} : std::unexpected(id.error()),
             "the deployment of " + d.ref.substr(0, 12) + " to " + d.environment);
        if (!id) return;
        r.deployment = *id;
        note(
            m_client->create_deployment_status(
                r.deployment, {"in_progress", "deploying", log_url(run_id), environment_url, true}),
            "deployment " + std::to_string(r.deployment) + "'s status in_progress");
    });
}

void GithubReporter::open_runs_ended(const std::string& result, const std::string& message) {
    post([this, result, message] {
        std::vector<std::string> open;
        for (const auto& [id, r] : m_runs) open.push_back(id);
        for (const auto& id : open) end_run(id, result, message);
    });
}

void GithubReporter::run_ended(const std::string& run_id, const std::string& result,
                               const std::string& message) {
    post([this, run_id, result, message] { end_run(run_id, result, message); });
}

void GithubReporter::end_run(const std::string& run_id, const std::string& result,
                             const std::string& message) {
    {
        auto it = m_runs.find(run_id);
        if (it == m_runs.end()) return;  // nothing was reported of it
        RunState& r = it->second;
        const std::string state = deployment_state(result);
        const std::string description =
            message.empty() ? "slipway: " + result : "slipway: " + result + ": " + message;
        if (r.deployment != 0) {
            const std::string url = m_options.environment ? m_options.environment(r.env).first : "";
            note(m_client->create_deployment_status(
                     r.deployment,
                     {state, github::cut_utf8(description, 140), log_url(run_id), url, true}),
                 "deployment " + std::to_string(r.deployment) + "'s status " + state);
        }
        check_or_status(r, run_id, state, description);
        m_runs.erase(it);
    }
}

}  // namespace pipeline
