// See trigger.hpp.
#include "pipeline/trigger.hpp"

#include <pwd.h>
#include <unistd.h>

#include <vector>

#include <fmt/format.h>

#include "pipeline/host.hpp"

namespace pipeline {
namespace {

std::string value_of(const std::map<std::string, std::string>& env, const char* name) {
    auto it = env.find(name);
    return it == env.end() ? "" : it->second;
}

// "webhook PULL_REQUEST_MERGED refs/heads/dev (into refs/heads/main)", words left out when
// CodeBuild did not set them.
std::string codebuild_detail(const std::map<std::string, std::string>& env) {
    std::string out;
    auto add = [&out](const std::string& word) {
        if (!word.empty()) out += (out.empty() ? "" : " ") + word;
    };
    const std::string trigger = value_of(env, "CODEBUILD_WEBHOOK_TRIGGER");
    const std::string event = value_of(env, "CODEBUILD_WEBHOOK_EVENT");
    if (!trigger.empty() || !event.empty()) add("webhook");
    add(event);
    add(trigger);
    add(value_of(env, "CODEBUILD_WEBHOOK_HEAD_REF"));
    const std::string into = value_of(env, "CODEBUILD_WEBHOOK_BASE_REF");
    if (!into.empty()) add("(into " + into + ")");
    const std::string number = value_of(env, "CODEBUILD_BUILD_NUMBER");
    if (!number.empty()) add("build #" + number);
    return out;
}

}  // namespace

namespace {

// "main" of "refs/heads/main" (and of "main"); "" for other refs.
std::string branch_of(const std::string& ref) {
    if (ref.starts_with("refs/heads/")) return ref.substr(11);
    return ref.starts_with("refs/") ? "" : ref;
}

std::string actor_of(const std::map<std::string, std::string>& env, const std::string& host) {
    if (auto who = value_of(env, "GITHUB_ACTOR"); !who.empty()) return "github:" + who;
    if (auto id = value_of(env, "CODEBUILD_WEBHOOK_ACTOR_ACCOUNT_ID"); !id.empty())
        return "codebuild-webhook:" + id;
    if (auto who = value_of(env, "CODEBUILD_INITIATOR"); !who.empty()) return "codebuild:" + who;
    std::string user = value_of(env, "USER");
    if (user.empty()) user = value_of(env, "LOGNAME");
    if (user.empty()) user = "unknown";
    return host.empty() ? user : user + "@" + host;
}

}  // namespace

Trigger detect_trigger(const std::map<std::string, std::string>& env, const std::string& host) {
    Trigger t{"cli", "", "", actor_of(env, host)};
    if (auto id = value_of(env, "CODEBUILD_BUILD_ID"); !id.empty()) {
        t.name = "codebuild:" + id;
        t.head = value_of(env, "CODEBUILD_RESOLVED_SOURCE_VERSION");
        t.detail = codebuild_detail(env);
        const std::string trigger = value_of(env, "CODEBUILD_WEBHOOK_TRIGGER");
        if (trigger.starts_with("branch/")) t.branch = trigger.substr(7);
        if (trigger.starts_with("pr/")) {
            if (value_of(env, "CODEBUILD_WEBHOOK_EVENT") == "PULL_REQUEST_MERGED")
                t.branch = branch_of(value_of(env, "CODEBUILD_WEBHOOK_BASE_REF"));
            else
                t.pull_request = true;
        }
    } else if (auto run = value_of(env, "GITHUB_RUN_ID"); !run.empty()) {
        t.name = "github:" + run;
        t.head = value_of(env, "GITHUB_SHA");
        const std::string event = value_of(env, "GITHUB_EVENT_NAME");
        t.detail = event;
        const std::string ref = value_of(env, "GITHUB_REF");
        if (!ref.empty()) t.detail += (t.detail.empty() ? "" : " ") + ref;
        t.branch = branch_of(ref);
        t.pull_request = event.starts_with("pull_request") || ref.starts_with("refs/pull/") ||
                         !value_of(env, "GITHUB_HEAD_REF").empty();
        if (t.pull_request) t.branch.clear();
    }
    return t;
}

const std::vector<std::string>& trigger_variables() {
    static const std::vector<std::string> names = {"CODEBUILD_BUILD_ID",
                                                   "CODEBUILD_BUILD_NUMBER",
                                                   "CODEBUILD_RESOLVED_SOURCE_VERSION",
                                                   "CODEBUILD_WEBHOOK_TRIGGER",
                                                   "CODEBUILD_WEBHOOK_EVENT",
                                                   "CODEBUILD_WEBHOOK_HEAD_REF",
                                                   "CODEBUILD_WEBHOOK_BASE_REF",
                                                   "GITHUB_RUN_ID",
                                                   "GITHUB_SHA",
                                                   "GITHUB_REF",
                                                   "GITHUB_EVENT_NAME",
                                                   "GITHUB_HEAD_REF",
                                                   "GITHUB_ACTOR",
                                                   "CODEBUILD_INITIATOR",
                                                   "CODEBUILD_WEBHOOK_ACTOR_ACCOUNT_ID",
                                                   "USER",
                                                   "LOGNAME"};
    return names;
}

// Who runs this process when USER and LOGNAME are unset (a container, a systemd unit): the
// password database's name for the user id, else the id itself.
std::string login_name() {
    struct passwd entry {};
    struct passwd* found = nullptr;
    std::vector<char> buf(16384);
    if (::getpwuid_r(::getuid(), &entry, buf.data(), buf.size(), &found) == 0 && found &&
        found->pw_name && *found->pw_name)
        return found->pw_name;
    return "uid" + std::to_string(::getuid());
}

Trigger current_trigger() {
    auto env = environment_values(trigger_variables());
    if (!env.contains("USER") && !env.contains("LOGNAME")) env["USER"] = login_name();
    return detect_trigger(env, host_name());
}

BaseChoice choose_base(const std::string& flag, const std::string& env,
                       const std::optional<versioning::DeploymentRecord>& last,
                       const std::string& env_base) {
    if (!flag.empty() && flag != "auto") return {flag, "given with --base", !last};
    if (last)
        return {last->commit,
                fmt::format("the commit of {}'s last succeeded deployment #{}", env, last->id),
                false};
    if (!env_base.empty())
        return {env_base, fmt::format("{} was never deployed: its base branch '{}'", env, env_base),
                true};
    return {"", env + " was never deployed and has no base branch", true};
}

}  // namespace pipeline
