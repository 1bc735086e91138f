// See ci_outputs.hpp.
#include "pipeline/ci_outputs.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "common/text.hpp"
#include "pipeline/host.hpp"

namespace pipeline {
namespace {

bool failed_build(const SummaryRow& r) {
    return r.status == "failed" || r.status == "timed-out";
}

// A Markdown table cell: one line, pipes escaped.
std::string cell(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '|')
            out += "\\|";
        else
            out += (c == '\n' || c == '\r') ? ' ' : c;
    }
    return out.empty() ? "-" : out;
}

// A commit as `abcdef123456`, linked when the repository's web page is known.
std::string commit_link(const std::string& commit, const std::string& commit_url_template,
                        const std::map<std::string, std::string>& env) {
    if (commit.empty()) return "-";
    const std::string shown = "`" + commit.substr(0, 12) + "`";
    const std::string url = commit_url(commit_url_template, env, commit);
    return url.empty() ? shown : "[" + shown + "](" + url + ")";
}

std::string summary_rows(const RunSummary& s) {
    std::string out = "| component | status | build | parameter | image |\n|---|---|---|---|---|\n";
    for (const auto& r : s.rows) {
        const std::string param = r.parameter.empty()   ? "-"
                                  : r.parameter_changed ? "changed"
                                                        : "same";
        const std::string status = r.status == "reused" && !r.reused_from.empty()
                                       ? "reused from " + r.reused_from
                                       : r.status;
        out += fmt::format("| {} | {} | {} | {} | {} |\n", cell(r.component), cell(status),
                           r.build_number ? "#" + std::to_string(r.build_number) : "-", param,
                           r.image_uri.empty() ? "-" : "`" + cell(r.image_uri) + "`");
    }
    return out;
}

std::string facts(const RunSummary& s, const std::string& commit_url_template,
                  const std::map<std::string, std::string>& env) {
    std::string out =
        fmt::format("run `{}` · head {}", s.run_id, commit_link(s.head, commit_url_template, env));
    if (!s.base.empty())
        out += fmt::format(" · base {} ({})", commit_link(s.base, commit_url_template, env),
                           s.base_reason);
    if (s.deployment_id) out += fmt::format(" · deployment #{}", s.deployment_id);
    if (!s.stack_status.empty()) out += fmt::format(" · stack `{}` {}", s.stack, s.stack_status);
    std::string phases;
    for (const auto& p : s.phases)
        phases += (phases.empty() ? "" : ", ") + p.name + " " + common::format_duration(p.millis);
    if (!phases.empty()) out += " · " + phases;
    return out + "\n";
}

// A workflow command's message: %, CR and LF escaped; a property value also : and ,.
std::string escape_data(const std::string& text, bool property) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '%':
                out += "%25";
                break;
            case '\r':
                out += "%0D";
                break;
            case '\n':
                out += "%0A";
                break;
            case ':':
                out += property ? "%3A" : ":";
                break;
            case ',':
                out += property ? "%2C" : ",";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string annotation(const std::string& title, const std::string& message) {
    return "::error title=" + escape_data(title, true) + "::" + escape_data(message, false);
}

std::string build_annotation(const SummaryRow& r) {
    std::string message = r.status == "timed-out"
                              ? fmt::format("{}: build #{} timed out", r.component, r.build_number)
                              : fmt::format("{}: build #{} failed with exit code {}", r.component,
                                            r.build_number, r.exit_code.value_or(-1));
    if (!r.log_path.empty()) message += " (log: " + r.log_path + ")";
    if (!r.log_tail.empty()) message += "\n" + r.log_tail;
    return annotation("slipway: build of " + r.component + " failed", message);
}

// A file's append, or a warning naming the variable that named it.
void append_to(const std::map<std::string, std::string>& env, const std::string& variable,
               const std::string& text, std::vector<std::string>& warnings) {
    auto it = env.find(variable);
    if (it == env.end()) return;
    std::ofstream out(it->second, std::ios::binary | std::ios::app);
    out << text;
    out.close();
    if (!out) warnings.push_back("cannot append to " + it->second + " ($" + variable + ")");
}

}  // namespace

CiValues ci_values(const RunSummary& s) {
    std::string affected;
    for (const auto& r : s.rows) {
        if (r.status == "unchanged") continue;
        affected += (affected.empty() ? "" : ",") + r.component;
    }
    return {{"affected", affected},
            {"deployed", s.result == "deployed" ? "true" : "false"},
            {"deployment_id", s.deployment_id ? std::to_string(s.deployment_id) : ""}};
}

std::string github_output(const CiValues& values) {
    std::string out;
    for (const auto& [name, value] : values) {
        if (value.find_first_of("\r\n") == std::string::npos) {
            out += name + "=" + value + "\n";
            continue;
        }
        std::string delimiter = "SLIPWAY_EOF";
        for (int n = 1; value.find(delimiter) != std::string::npos; ++n)
            delimiter = "SLIPWAY_EOF_" + std::to_string(n);
        out += name + "<<" + delimiter + "\n" + value + "\n" + delimiter + "\n";
    }
    return out;
}

std::string env_file(const CiValues& values) {
    std::string out;
    for (const auto& [name, value] : values) {
        std::string upper;
        for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        std::string quoted;
        for (char c : value) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
        out += "SLIPWAY_" + upper + "='" + quoted + "'\n";
    }
    return out;
}

std::string commit_url(const std::string& url_template,
                       const std::map<std::string, std::string>& env, const std::string& commit) {
    if (!url_template.empty()) {
        std::string url = url_template;
        for (auto at = url.find("{commit}"); at != std::string::npos;
             at = url.find("{commit}", at + commit.size()))
            url.replace(at, 8, commit);
        return url;
    }
    auto server = env.find("GITHUB_SERVER_URL");
    auto repository = env.find("GITHUB_REPOSITORY");
    if (server == env.end() || repository == env.end()) return "";
    return server->second + "/" + repository->second + "/commit/" + commit;
}

std::string step_summary(const RunSummary& s, const std::string& commit_url_template,
                         const std::map<std::string, std::string>& env) {
    std::string out = fmt::format("### slipway {} · {}: {}\n\n", s.kind, s.env, s.result);
    if (!s.message.empty()) out += "> " + cell(s.message) + "\n\n";
    if (!s.rows.empty()) out += summary_rows(s) + "\n";
    out += facts(s, commit_url_template, env);
    if (!s.failed_resources.empty()) out += "\n**Failed resources**\n\n";
    for (const auto& f : s.failed_resources)
        out += fmt::format("- `{}` ({}) {}: {}\n", f.logical_id, f.resource_type, f.status,
                           cell(f.reason));
    if (!s.outputs.empty()) out += "\n**Stack outputs**\n\n| output | value |\n|---|---|\n";
    for (const auto& [name, value] : s.outputs)
        out += "| " + cell(name) + " | " + cell(value) + " |\n";
    return out + "\n";
}

std::vector<std::string> error_annotations(const RunSummary& s) {
    std::vector<std::string> out;
    for (const auto& r : s.rows) {
        if (r.built && failed_build(r)) out.push_back(build_annotation(r));
    }
    const std::string where = s.kind + " of " + s.env;
    for (const auto& f : s.failed_resources)
        out.push_back(annotation("slipway: " + where + " failed",
                                 fmt::format("stack {}: {} ({}) {}: {}", s.stack, f.logical_id,
                                             f.resource_type, f.status, f.reason)));
    if (s.result == "deploy-failed" && s.failed_resources.empty())
        out.push_back(annotation("slipway: " + where + " failed",
                                 "stack " + s.stack + " ended " + s.stack_status));
    if (!s.message.empty()) out.push_back(annotation("slipway: " + where, s.message));
    return out;
}

const std::vector<std::string>& ci_variables() {
    static const std::vector<std::string> names = {"GITHUB_ACTIONS",      "GITHUB_OUTPUT",
                                                   "GITHUB_STEP_SUMMARY", "GITHUB_SERVER_URL",
                                                   "GITHUB_REPOSITORY",   "CODEBUILD_BUILD_ID"};
    return names;
}

std::vector<std::string> write_ci_outputs(const RunSummary& s,
                                          const std::string& commit_url_template,
                                          const std::map<std::string, std::string>& env,
                                          const std::string& root,
                                          std::vector<std::string>& warnings) {
    const CiValues values = ci_values(s);
    append_to(env, "GITHUB_STEP_SUMMARY", step_summary(s, commit_url_template, env), warnings);
    append_to(env, "GITHUB_OUTPUT", github_output(values), warnings);
    if (env.contains("CODEBUILD_BUILD_ID")) {
        const auto file = std::filesystem::path(slipway_dir(root, "")) / "outputs.env";
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out << env_file(values);
        out.close();
        if (!out) warnings.push_back("cannot write " + file.string());
    }
    auto actions = env.find("GITHUB_ACTIONS");
    if (actions == env.end() || actions->second != "true") return {};
    return error_annotations(s);
}

}  // namespace pipeline
