// See pull_plan.hpp.
#include "pipeline/pull_plan.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <regex>

#include <ctime>

#include "common/json.hpp"
#include "pipeline/host.hpp"

namespace pipeline {
namespace {

using common::ErrorCode;

// --- JSON -------------------------------------------------------------------------------

// Times as the API writes them (ISO 8601 UTC, seconds), null for none.
void write_time(common::JsonOut& j, const char* key, versioning::Millis at) {
    j.key(key);
    at > 0 ? (void)j.value(iso_time(at)) : (void)j.null();
}

versioning::Millis read_time(const std::string& text) {
    std::tm tm{};
    if (text.empty() || !strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) return 0;
    return static_cast<versioning::Millis>(timegm(&tm)) * 1000;
}

void write_env(common::JsonOut& j, const EnvPlan& e) {
    j.begin_object().key("affected").begin_array();
    for (const auto& a : e.affected)
        j.begin_object().field("component", a.component).field("reason", a.reason).end_object();
    j.end_array().field("base", e.base).field("base_reason", e.base_reason);
    j.key("builds").begin_array();
    for (const auto& b : e.builds) {
        j.begin_object().field("build_number", b.build_number).field("component", b.component);
        j.field("image_uri", b.image_uri).field("reused", b.reused).end_object();
    }
    j.end_array().field("env", e.env).field("message", e.message).field("millis", e.millis);
    j.key("parameters").begin_array();
    for (const auto& p : e.parameters) {
        j.begin_object().field("name", p.name).field("new", p.secret ? "****" : p.new_value);
        j.field("old", p.secret ? "****" : p.old_value).field("secret", p.secret).end_object();
    }
    j.end_array();
    write_time(j, "planned_at", e.planned_at);
    j.key("problems").begin_array();
    for (const auto& p : e.problems) {
        j.begin_object().field("line", p.line).field("message", p.message);
        j.field("path", p.path).end_object();
    }
    j.end_array().key("resources").begin_array();
    for (const auto& r : e.resources) {
        j.begin_object().field("action", r.action).field("logical_id", r.logical_id);
        j.field("physical_id", r.physical_id).field("replacement", r.replacement);
        j.field("resource_type", r.resource_type).end_object();
    }
    j.end_array().field("result", e.result).field("stack", e.stack).end_object();
}

std::string str(const rapidjson::Value& v, const char* key) {
    auto it = v.FindMember(key);
    return it != v.MemberEnd() && it->value.IsString()
               ? std::string(it->value.GetString(), it->value.GetStringLength())
               : "";
}

std::int64_t num(const rapidjson::Value& v, const char* key) {
    auto it = v.FindMember(key);
    return it != v.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
}

template <typename F>
void each(const rapidjson::Value& v, const char* key, F&& f) {
    auto it = v.FindMember(key);
    if (it == v.MemberEnd() || !it->value.IsArray()) return;
    for (const auto& item : it->value.GetArray())
        if (item.IsObject()) f(item);
}

EnvPlan read_env(const rapidjson::Value& v) {
    EnvPlan e;
    e.env = str(v, "env");
    e.stack = str(v, "stack");
    e.result = str(v, "result");
    e.message = str(v, "message");
    e.base = str(v, "base");
    e.base_reason = str(v, "base_reason");
    e.planned_at = read_time(str(v, "planned_at"));
    e.millis = num(v, "millis");
    each(v, "affected", [&](auto& a) {
        e.affected.push_back({str(a, "component"), str(a, "reason")});
    });
    each(v, "builds", [&](auto& b) {
        auto r = b.FindMember("reused");
        e.builds.push_back({str(b, "component"), num(b, "build_number"), str(b, "image_uri"),
                            r != b.MemberEnd() && r->value.IsBool() && r->value.GetBool()});
    });
    each(v, "parameters", [&](auto& p) {
        auto s = p.FindMember("secret");
        e.parameters.push_back({str(p, "name"), str(p, "old"), str(p, "new"),
                                s != p.MemberEnd() && s->value.IsBool() && s->value.GetBool()});
    });
    each(v, "problems", [&](auto& p) {
        e.problems.push_back({str(p, "path"), static_cast<int>(num(p, "line")), str(p, "message")});
    });
    each(v, "resources", [&](auto& r) {
        e.resources.push_back({str(r, "action"), str(r, "logical_id"), str(r, "physical_id"),
                               str(r, "resource_type"), str(r, "replacement")});
    });
    return e;
}

// --- Markdown -----------------------------------------------------------------------------

// Text in a table cell or inline code: no line breaks, no column breaks, no code fences.
std::string cell(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '|')
            out += "\\|";
        else if (c == '\n' || c == '\r')
            out += ' ';
        else if (c == '`')
            out += '\'';
        else
            out += c;
    }
    return out;
}

std::string code(std::string_view text) {
    return text.empty() ? "" : "`" + cell(text) + "`";
}

std::string short_sha(const std::string& sha) {
    return sha.substr(0, 12);
}

// A section of the comment: its heading and table head, then rows that may be cut.
struct Section {
    std::string head;
    std::vector<std::string> rows;
    std::size_t omitted = 0;
    [[nodiscard]] std::size_t size() const {
        std::size_t n = head.size();
        for (const auto& r : rows) n += r.size();
        return n;
    }
};

std::string result_line(const EnvPlan& e) {
    if (e.result == "planned") {
        std::size_t reused = 0;
        for (const auto& b : e.builds) reused += b.reused;
        return fmt::format("{} affected, {} to build{}, {} parameter{} and {} resource{} change",
                           e.affected.size(), e.builds.size() - reused,
                           reused ? fmt::format(" ({} reused)", reused) : "", e.parameters.size(),
                           e.parameters.size() == 1 ? "" : "s", e.resources.size(),
                           e.resources.size() == 1 ? "" : "s");
    }
    if (e.result == "nothing-affected") return "nothing affected: the stack would not be touched";
    if (e.result == "up-to-date") return "no change to the stack";
    if (e.result == "queued" || e.result == "planning") return e.result + "...";
    if (e.result == "conflict") return "not mergeable: " + e.message;
    if (e.result == "superseded") return "superseded by a newer push";
    if (e.result == "cancelled") return e.message.empty() ? "cancelled" : e.message;
    return "could not plan: " + e.message;
}

std::vector<Section> env_sections(const EnvPlan& e) {
    std::vector<Section> out;
    Section intro{
        fmt::format("\n#### {} · stack {}\n{}\n", e.env, code(e.stack), cell(result_line(e))), {}};
    if (!e.base.empty())
        intro.head +=
            fmt::format("Compared with {} ({}).\n", code(short_sha(e.base)), cell(e.base_reason));
    out.push_back(intro);
    if (!e.affected.empty()) {
        Section s{"\n**Affected**\n\n| component | why |\n|---|---|\n", {}};
        for (const auto& a : e.affected)
            s.rows.push_back(fmt::format("| {} | {} |\n", code(a.component), cell(a.reason)));
        out.push_back(std::move(s));
    }
    if (!e.builds.empty()) {
        Section s{"\n**Builds**\n\n| component | build | image |\n|---|---|---|\n", {}};
        for (const auto& b : e.builds)
            s.rows.push_back(fmt::format("| {} | {}#{} | {} |\n", code(b.component),
                                         b.reused ? "reuses " : "", b.build_number,
                                         code(b.image_uri)));
        out.push_back(std::move(s));
    }
    if (!e.parameters.empty()) {
        Section s{"\n**Parameters**\n\n| parameter | now | would be |\n|---|---|---|\n", {}};
        for (const auto& p : e.parameters)
            s.rows.push_back(fmt::format("| {} | {} | {} |\n", code(p.name),
                                         p.secret ? "****" : code(p.old_value),
                                         p.secret ? "****" : code(p.new_value)));
        out.push_back(std::move(s));
    }
    if (!e.resources.empty()) {
        Section s{
            "\n**Resource changes** (the change set was created, described and deleted; "
            "never executed)\n\n| action | resource | type | replacement |\n"
            "|---|---|---|---|\n",
            {}};
        for (const auto& r : e.resources)
            s.rows.push_back(fmt::format("| {} | {} | {} | {} |\n", r.action, code(r.logical_id),
                                         code(r.resource_type), cell(r.replacement)));
        out.push_back(std::move(s));
    }
    if (!e.problems.empty()) {
        Section s{"\n**Problems**\n\n", {}};
        for (const auto& p : e.problems)
            s.rows.push_back(fmt::format("- {}:{}: {}\n", code(p.path), p.line, cell(p.message)));
        out.push_back(std::move(s));
    }
    return out;
}

std::string render(const std::vector<Section>& sections, const std::string& page_url) {
    std::string out;
    for (const auto& s : sections) {
        out += s.head;
        for (const auto& r : s.rows) out += r;
        if (s.omitted > 0)
            out += fmt::format("\n… {} more: {}\n", s.omitted,
                               page_url.empty() ? "cut to fit GitHub's comment size"
                                                : "see the [full plan](" + page_url + ")");
    }
    return out;
}

}  // namespace

std::string pull_plan_json(const PullPlan& p) {
    common::JsonOut j;
    j.begin_object().field("author", p.author).field("base_ref", p.base_ref);
    j.key("envs").begin_array();
    for (const auto& e : p.envs) write_env(j, e);
    j.end_array().field("head_ref", p.head_ref).field("head_sha", p.head_sha);
    j.field("merge_commit", p.merge_commit).field("number", p.number);
    j.field("planned_head", p.planned_head).field("state", p.state);
    j.field("title", p.title);
    write_time(j, "updated_at", p.updated_at);
    j.field("url", p.url);
    return j.end_object().str();
}

common::Result<PullPlan> parse_pull_plan(std::string_view json) {
    rapidjson::Document d;
    d.Parse(json.data(), json.size());
    if (d.HasParseError() || !d.IsObject() || num(d, "number") <= 0)
        return common::fail(ErrorCode::input, "not a pull request plan");
    PullPlan p;
    p.number = num(d, "number");
    p.title = str(d, "title");
    p.author = str(d, "author");
    p.url = str(d, "url");
    p.head_sha = str(d, "head_sha");
    p.head_ref = str(d, "head_ref");
    p.base_ref = str(d, "base_ref");
    p.merge_commit = str(d, "merge_commit");
    p.planned_head = str(d, "planned_head");
    p.state = str(d, "state");
    p.updated_at = read_time(str(d, "updated_at"));
    each(d, "envs", [&](auto& e) { p.envs.push_back(read_env(e)); });
    return p;
}

std::string plan_comment(const PullPlan& p, const std::string& page_url, std::size_t limit,
                         std::string_view marker) {
    std::string head = fmt::format("{}\n### slipway plan of #{} at {}\n", marker, p.number,
                                   code(short_sha(p.head_sha)));
    if (!p.merge_commit.empty())
        head += fmt::format("The merge into {} ({}), per environment it deploys.\n",
                            code(p.base_ref), code(short_sha(p.merge_commit)));
    head += "\n| environment | plan |\n|---|---|\n";
    for (const auto& e : p.envs)
        head += fmt::format("| {} | {} |\n", cell(e.env), cell(result_line(e)));
    const std::string tail =
        page_url.empty() ? "" : fmt::format("\n[The full plan]({}) · slipway\n", page_url);
    std::vector<Section> sections;
    for (const auto& e : p.envs) {
        auto more = env_sections(e);
        sections.insert(sections.end(), more.begin(), more.end());
    }
    // Over the limit: the longest section loses rows (half of what it holds, at least what
    // is over) until the comment fits; each says how many it left out.
    const std::size_t reserve = 200;  // the "... N more" lines
    auto total = [&] {
        std::size_t n = head.size() + tail.size() + reserve * sections.size();
        for (const auto& s : sections) n += s.size();
        return n;
    };
    while (total() > limit) {
        auto longest = std::max_element(
            sections.begin(), sections.end(), [](const Section& a, const Section& b) {
                return a.rows.size() < b.rows.size() ||
                       (a.rows.size() == b.rows.size() && a.size() < b.size());
            });
        if (longest == sections.end() || longest->rows.empty()) break;
        const std::size_t drop = std::max<std::size_t>(1, longest->rows.size() / 2);
        longest->rows.resize(longest->rows.size() - drop);
        longest->omitted += drop;
    }
    std::string out = head + render(sections, page_url) + tail;
    return out.size() <= limit ? out : github::cut_utf8(out, limit);
}

std::string plan_check_name(const std::string& env) {
    return "slipway plan (" + env + ")";
}

CheckVerdict check_verdict(const EnvPlan& e, const std::string& page_url) {
    CheckVerdict v;
    if (e.result == "planned")
        v.conclusion = "success";
    else if (e.result == "nothing-affected" || e.result == "up-to-date" || e.result == "conflict")
        v.conclusion = "neutral";
    else if (e.result == "failed" || e.result == "error")
        v.conclusion = "failure";
    else if (e.result == "superseded" || e.result == "cancelled")
        v.conclusion = "cancelled";
    v.output.title = result_line(e);
    if (v.output.title.size() > 200) v.output.title = github::cut_utf8(v.output.title, 197) + "...";
    v.output.summary = render(env_sections(e), page_url);
    if (!page_url.empty()) v.output.summary += fmt::format("\n[The full plan]({})\n", page_url);
    for (const auto& p : e.problems)
        v.output.annotations.push_back({p.path, p.line, p.line, "failure", "slipway", p.message});
    return v;
}

std::vector<ProblemLocation> problem_locations(const std::string& message,
                                               const std::string& root) {
    // "path:line:" or "path:line:column:" where the path has no spaces or colons.
    static const std::regex place(R"(([^\s:'"]+):(\d+)(?::\d+)?:\s)");
    std::vector<ProblemLocation> out;
    for (std::sregex_iterator it(message.begin(), message.end(), place), end; it != end; ++it) {
        std::string path = (*it)[1];
        if (!root.empty() && path.starts_with(root + "/")) path = path.substr(root.size() + 1);
        if (path.starts_with("/") || path.starts_with("..")) continue;
        const int line = std::max(1, std::atoi((*it)[2].str().c_str()));
        out.push_back({path, line, message});
        break;  // the first place is the error's own
    }
    return out;
}

}  // namespace pipeline
