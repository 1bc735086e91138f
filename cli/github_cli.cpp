// See github_cli.hpp.
#include "cli/github_cli.hpp"

#include <rapidjson/document.h>

#include <cstdlib>
#include <fstream>
#include <ostream>
#include <sstream>

#include "cli/command.hpp"
#include "pipeline/host.hpp"

namespace cli {
namespace {

std::map<std::string, std::string> github_env() {
    std::map<std::string, std::string> env;
    for (const char* name : {"GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_API_URL",
                             "GITHUB_EVENT_PATH", "GITHUB_SERVER_URL", "GITHUB_RUN_ID"}) {
        if (const char* v = std::getenv(name)) env[name] = v;
    }
    return env;
}

std::string at(const rapidjson::Value& v, const char* key) {
    auto it = v.IsObject() ? v.FindMember(key) : v.MemberEnd();
    return it != v.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

// The pull request of the workflow's event, when it is one.
std::optional<pipeline::PullPlan> event_pull_request(const std::string& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::stringstream s;
    s << in.rdbuf();
    rapidjson::Document d;
    d.Parse(s.str().c_str());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("pull_request")) return std::nullopt;
    const auto& pr = d["pull_request"];
    if (!pr.IsObject() || !pr.HasMember("number") || !pr["number"].IsInt64()) return std::nullopt;
    pipeline::PullPlan p;
    p.number = pr["number"].GetInt64();
    p.title = at(pr, "title");
    p.url = at(pr, "html_url");
    if (pr.HasMember("head"))
        p.head_sha = at(pr["head"], "sha"), p.head_ref = at(pr["head"], "ref");
    if (pr.HasMember("base")) p.base_ref = at(pr["base"], "ref");
    if (pr.HasMember("user")) p.author = at(pr["user"], "login");
    return p;
}

std::string actions_run_url(const std::map<std::string, std::string>& env) {
    auto get = [&](const char* k) {
        auto it = env.find(k);
        return it == env.end() ? std::string() : it->second;
    };
    if (get("GITHUB_RUN_ID").empty() || get("GITHUB_REPOSITORY").empty()) return "";
    const std::string server =
        get("GITHUB_SERVER_URL").empty() ? "https://github.com" : get("GITHUB_SERVER_URL");
    return server + "/" + get("GITHUB_REPOSITORY") + "/actions/runs/" + get("GITHUB_RUN_ID");
}

}  // namespace

void add_github_flag(CLI::App& sub, GithubOptions& o) {
    sub.add_flag("--github", o.enabled,
                 "report to GitHub: a plan to its pull request, a deploy as a GitHub deployment "
                 "(docs/github.md)");
    add_github_options(sub, o.flags.api_url, o.flags.token_file, o.flags.repository, o.flags.app_id,
                       o.flags.app_key_file);
}

common::Result<github::Settings> github_settings_of(const GithubOptions& o) {
    return pipeline::github_settings(o.flags, github_env());
}

void add_github_teams_flag(CLI::App& sub, GithubOptions& o) {
    sub.add_flag("--github", o.enabled,
                 "ask GitHub who is in an approvers' team the manifest's teams: do not define "
                 "(docs/deploy.md)");
    add_github_options(sub, o.flags.api_url, o.flags.token_file, o.flags.repository, o.flags.app_id,
                       o.flags.app_key_file);
}

common::Result<std::shared_ptr<pipeline::TeamDirectory>> teams_of(const GithubOptions& o) {
    if (!o.enabled) return std::shared_ptr<pipeline::TeamDirectory>{};
    auto settings = github_settings_of(o);
    if (!settings) return std::unexpected(settings.error());
    return pipeline::github_teams(*settings);
}

std::unique_ptr<pipeline::GithubReporter> make_reporter(const github::Settings& s,
                                                        const pipeline::Project& project) {
    pipeline::GithubReportOptions options;
    options.log_url = actions_run_url(github_env());
    options.environment = [envs = project.manifest.environments](const std::string& env) {
        for (const auto& e : envs)
            if (e.name == env) return std::pair{e.url, e.production};
        return std::pair{std::string(), false};
    };
    return std::make_unique<pipeline::GithubReporter>(s, options);
}

void finish_reporting(pipeline::GithubReporter& reporter, std::ostream& err) {
    if (!reporter.flush(std::chrono::minutes(1)))
        err << "slipway: warning: github: reports still unsent after a minute were dropped\n";
    const auto stats = reporter.stats();
    if (stats.failed > 0)
        err << "slipway: warning: github: " << stats.failed
            << " report(s) failed; the last: " << stats.last_error << "\n";
}

void post_plan(const github::Settings& s, const pipeline::EnvPlan& plan, const std::string& commit,
               std::ostream& err) {
    const auto env = github_env();
    auto pr =
        event_pull_request(env.contains("GITHUB_EVENT_PATH") ? env.at("GITHUB_EVENT_PATH") : "");
    github::Client client(s);
    const std::string page = actions_run_url(env);
    const std::string head = pr && !pr->head_sha.empty() ? pr->head_sha : commit;
    const auto verdict = pipeline::check_verdict(plan, page);
    const std::string name = pipeline::plan_check_name(plan.env);
    auto warn = [&](const common::Error& e) {
        err << "slipway: warning: " << e.message << " (the plan stands)\n";
    };
    if (client.checks_allowed()) {
        github::CheckRun run{name, head, "completed", verdict.conclusion, page, "", verdict.output};
        if (run.conclusion.empty()) run.conclusion = "neutral";
        if (auto id = client.create_check_run(run); !id) warn(id.error());
    } else {
        const std::string state = verdict.conclusion == "failure" ? "failure" : "success";
        if (auto ok = client.create_status({head, state, name, verdict.output.title, page}); !ok)
            warn(ok.error());
    }
    if (!pr) return;
    pr->envs = {plan};
    pr->merge_commit = commit;
    pr->updated_at = pipeline::now_millis();
    const std::string marker = "<!-- slipway:plan:" + plan.env + " -->";
    if (auto id = client.upsert_comment(pr->number, marker,
                                        pipeline::plan_comment(*pr, page, 65536, marker));
        !id)
        warn(id.error());
}

}  // namespace cli
