// See run_report.hpp.
#include "cli/run_report.hpp"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <pugixml.hpp>
#include <sstream>

#include "cli/console.hpp"
#include "cli/runtime.hpp"

namespace cli {

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

double seconds(versioning::Millis ms) {
    return static_cast<double>(ms) / 1000.0;
}

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(JsonWriter& w, const char* key, const std::string& value) {
    w.Key(key);
    w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

void write_row(JsonWriter& w, const SummaryRow& r) {
    w.StartObject();
    w.Key("build_number");
    r.build_number ? w.Int64(r.build_number) : w.Null();
    write_string(w, "component", r.component);
    w.Key("duration_ms"), w.Int64(r.duration);
    w.Key("exit_code");
    r.exit_code ? w.Int(*r.exit_code) : w.Null();
    write_string(w, "image_uri", r.image_uri);
    write_string(w, "kind", r.kind);
    write_string(w, "log_path", r.log_path);
    write_string(w, "parameter", r.parameter);
    w.Key("parameter_changed"), w.Bool(r.parameter_changed);
    write_string(w, "reason", r.reason);
    write_string(w, "status", r.status);
    w.EndObject();
}

// One build's test case: a failure with the log's end, or a skip.
void add_build_case(pugi::xml_node c, const SummaryRow& r, int& failures, int& skipped) {
    if (r.status == "failed" || r.status == "timed-out") {
        ++failures;
        auto f = c.append_child("failure");
        f.append_attribute("message") =
            (r.status == "timed-out" ? std::string("timed out")
                                     : fmt::format("exit code {}", r.exit_code.value_or(-1)))
                .c_str();
        f.text() = r.log_tail.c_str();
    } else if (r.status == "skipped" || r.status == "cancelled") {
        ++skipped;
        c.append_child("skipped").append_attribute("message") = r.status.c_str();
    }
    const std::string out =
        fmt::format("build #{} {}\nlog: {}", r.build_number, r.image_uri, r.log_path);
    c.append_child("system-out").text() = out.c_str();
}

}  // namespace

Trigger detect_trigger(const std::map<std::string, std::string>& env) {
    if (auto id = value_of(env, "CODEBUILD_BUILD_ID"); !id.empty())
        return {"codebuild:" + id, value_of(env, "CODEBUILD_RESOLVED_SOURCE_VERSION"),
                codebuild_detail(env)};
    if (auto id = value_of(env, "GITHUB_RUN_ID"); !id.empty()) {
        std::string detail = value_of(env, "GITHUB_EVENT_NAME");
        if (auto ref = value_of(env, "GITHUB_REF"); !ref.empty())
            detail += (detail.empty() ? "" : " ") + ref;
        return {"github:" + id, value_of(env, "GITHUB_SHA"), detail};
    }
    return {"cli", "", ""};
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
                                                   "GITHUB_EVENT_NAME"};
    return names;
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

std::string summary_table(const RunSummary& s) {
    std::string out = fmt::format("\n{:<24} {:<10} {:<7} {:<9} {}\n", "component", "status",
                                  "build", "parameter", "image");
    for (const auto& r : s.rows) {
        const std::string param = r.parameter.empty()   ? "-"
                                  : r.parameter_changed ? "changed"
                                                        : "same";
        out += fmt::format("{:<24} {:<10} {:<7} {:<9} {}\n", r.component, r.status,
                           r.build_number ? "#" + std::to_string(r.build_number) : "-", param,
                           r.image_uri.empty() ? "-" : r.image_uri);
    }
    std::string phases;
    for (const auto& p : s.phases)
        phases +=
            fmt::format("{}{} {}", phases.empty() ? "" : ", ", p.name, format_duration(p.millis));
    out += fmt::format("run {} ({}): {}", s.run_id, s.env, s.result);
    if (s.deployment_id) out += fmt::format(", deployment #{}", s.deployment_id);
    if (!phases.empty()) out += " in " + phases;
    return out + "\n";
}

std::string summary_json(const RunSummary& s) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    auto str = [&w](const char* key, const std::string& value) { write_string(w, key, value); };
    w.StartObject();
    str("base", s.base);
    str("base_reason", s.base_reason);
    w.Key("components");
    w.StartArray();
    for (const auto& r : s.rows) write_row(w, r);
    w.EndArray();
    w.Key("deployment_id");
    s.deployment_id ? w.Int64(s.deployment_id) : w.Null();
    str("env", s.env);
    w.Key("exit_code"), w.Int(s.exit_code);
    str("finished_at", iso_time(s.finished_at));
    str("head", s.head);
    str("message", s.message);
    w.Key("phases");
    w.StartArray();
    for (const auto& p : s.phases) {
        w.StartObject();
        w.Key("duration_ms"), w.Int64(p.millis);
        str("name", p.name);
        w.EndObject();
    }
    w.EndArray();
    str("result", s.result);
    str("run_id", s.run_id);
    str("stack", s.stack);
    str("stack_status", s.stack_status);
    str("started_at", iso_time(s.started_at));
    str("trigger", s.trigger);
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

std::string junit_xml(const RunSummary& s) {
    pugi::xml_document doc;
    auto decl = doc.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "UTF-8";
    auto suites = doc.append_child("testsuites");
    auto suite = suites.append_child("testsuite");
    int tests = 0, failures = 0, skipped = 0;
    auto add_case = [&](const std::string& classname, const std::string& name, double time) {
        auto c = suite.append_child("testcase");
        c.append_attribute("classname") = classname.c_str();
        c.append_attribute("name") = name.c_str();
        c.append_attribute("time") = fmt::format("{:.3f}", time).c_str();
        ++tests;
        return c;
    };
    for (const auto& r : s.rows) {
        if (!r.built) continue;
        add_build_case(add_case("slipway.build", r.component, seconds(r.duration)), r, failures,
                       skipped);
    }
    if (s.result == "deployed" || s.result == "up-to-date" || s.result == "deploy-failed" ||
        s.result == "declined") {
        versioning::Millis millis = 0;
        for (const auto& p : s.phases)
            if (p.name == "deploy") millis = p.millis;
        auto c = add_case("slipway.deploy", s.env + " (" + s.stack + ")", seconds(millis));
        if (s.result == "deploy-failed" || s.result == "declined") {
            ++failures;
            auto f = c.append_child("failure");
            f.append_attribute("message") = ("stack ended " + s.stack_status).c_str();
        }
    }
    for (auto node : {suites, suite}) {
        node.append_attribute("name") = ("slipway run " + s.env).c_str();
        node.append_attribute("tests") = tests;
        node.append_attribute("failures") = failures;
        node.append_attribute("skipped") = skipped;
        node.append_attribute("time") =
            fmt::format("{:.3f}", seconds(s.finished_at - s.started_at)).c_str();
    }
    suite.append_attribute("timestamp") = iso_time(s.started_at).c_str();
    std::ostringstream out;
    doc.save(out, "  ");
    return out.str();
}

}  // namespace cli
