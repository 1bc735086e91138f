#include "adopt/starter_manifest.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>

#include "common/json.hpp"
#include "common/yaml_emit.hpp"
#include "components/graph.hpp"

namespace adopt {
namespace {

using components::ComponentKind;

// Text a YAML reader would take for a boolean, null or number: written double-quoted.
bool ambiguous(std::string_view text) {
    static const std::regex form(
        "y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|"
        "~|null|Null|NULL|[-+.]?[0-9][-+0-9_.eExXoO:]*|\\.inf|\\.nan");
    return std::regex_match(text.begin(), text.end(), form);
}

// A YAML scalar: plain when libyaml's emitter allows it and it is not ambiguous, else
// quoted. Text that is not UTF-8 is left as it is: write_manifest's check then names it.
std::string scalar(const std::string& text) {
    auto out = common::yaml::emit_scalar({text, ambiguous(text)});
    return out ? *out : text;
}

// A flow sequence, its items quoted as a flow context needs ("[", "]" and "," matter there).
std::string flow_list(const std::vector<std::string>& items) {
    std::vector<common::yaml::OutScalar> out;
    for (const auto& item : items) out.push_back({item, ambiguous(item)});
    auto text = common::yaml::emit_flow_sequence(out);
    if (text) return *text;
    std::string raw = "[";
    for (const auto& item : items) raw += (raw.size() > 1 ? ", " : "") + item;
    return raw + "]";
}

// A comment line (newlines in `text` become spaces).
std::string comment(const std::string& indent, std::string text) {
    std::replace(text.begin(), text.end(), '\n', ' ');
    return indent + "# " + text + "\n";
}

bool has_images(const Discovery& d) {
    return std::any_of(d.components.begin(), d.components.end(),
                       [](const auto& c) { return c.kind == ComponentKind::image; });
}

// "A (no default), B".
std::string parameter_list(const std::vector<TemplateParameter>& params) {
    std::string out;
    for (const auto& p : params)
        out += (out.empty() ? "" : ", ") + p.name + (p.has_default ? "" : " (no default)");
    return out;
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

// A stack's components besides its template's.
std::vector<std::string> own_components(const FoundStack& s) {
    std::vector<std::string> out;
    for (const auto& c : s.components)
        if (c != s.template_component) out.push_back(c);
    return out;
}

bool packages_code(const Discovery& d) {
    if (d.template_facts && !d.template_facts->code_refs.empty()) return true;
    return std::any_of(d.stacks.begin(), d.stacks.end(),
                       [](const auto& s) { return !s.facts.code_refs.empty(); });
}

// A stack's parameters without a Default and without a value in environment `e`.
std::vector<std::string> missing_in(const FoundStack& s, const FoundEnvironment& e, std::size_t i) {
    std::vector<std::string> out;
    for (const auto& p : s.unmatched_parameters) {
        if (!p.has_default && !e.parameters.contains(p.name) &&
            !e.stack_parameters.at(i).contains(p.name))
            out.push_back(p.name);
    }
    return out;
}

std::string header(const Discovery& d) {
    std::string out =
        "# slipway.yml: a starter manifest written by `slipway init` from what it found in this\n"
        "# repository. Review it (each entry says where it came from), then commit it.\n"
        "# Reference: docs/manifest.md; check it with `slipway validate --strict`.\n";
    for (const auto& w : d.warnings) out += comment("", "WARNING: " + w);
    out += "version: 1\n";
    out += "project: " + scalar(d.project) + "\n";
    if (has_images(d)) {
        const std::string region = d.region.empty() ? "us-east-1" : d.region;
        out += "image:\n  # TODO: the ECR repository the images are pushed to\n";
        out += "  repository: " +
               scalar("123456789012.dkr.ecr." + region + ".amazonaws.com/" + d.project) + "\n";
        out += "  tag: " + scalar("{component}-{build}-{short_commit}") + "\n";
    }
    if (!d.commit_url.empty()) {
        out += "# Commit links of the web page and job summaries (from the origin remote).\n";
        out += "commit_url: " + scalar(d.commit_url) + "\n";
    }
    // No global inputs: the input hash covers each component's build command, so an edit of
    // this file rebuilds only what it changes.
    out += "# global_inputs: [...]  (a change to one of these affects every component)\n";
    if (!d.ignore.empty()) {
        out += "# Changes here affect nothing.\n";
        out += "ignore: " + flow_list(d.ignore) + "\n";
    }
    if (std::any_of(d.stacks.begin(), d.stacks.end(),
                    [](const auto& st) { return !st.unmatched_parameters.empty(); })) {
        out +=
            "# Template parameters no component took, by template (give those without a\n"
            "# default a value in the environment's or the stack's `parameters`):\n";
        for (const auto& st : d.stacks) {
            if (!st.unmatched_parameters.empty())
                out +=
                    "#   " + st.facts.path + ": " + parameter_list(st.unmatched_parameters) + "\n";
        }
    }
    if (!d.unmatched_parameters.empty()) {
        out +=
            "# Template parameters no component took (give those without a default a value\n"
            "# in each environment's `parameters`):\n";
        for (const auto& p : d.unmatched_parameters)
            out += "#   " + p.name + (p.has_default ? "" : " (no default)") + "\n";
    }
    return out;
}

std::string component_text(const FoundComponent& c) {
    std::string out;
    for (const auto& reason : c.reasons) out += comment("  ", reason);
    out += "  " + scalar(c.name) + ":\n";
    if (c.kind != ComponentKind::image)
        out += "    kind: " + std::string(components::to_string(c.kind)) + "\n";
    out += "    paths: " + flow_list(c.paths) + "\n";
    if (!c.depends_on.empty()) out += "    depends_on: " + flow_list(c.depends_on) + "\n";
    if (c.kind == ComponentKind::image) {
        out += "    parameter: " + scalar(c.parameter) + "\n";
        out += "    build: " + scalar(c.build) + "\n";
        out += "    # timeout: 20m\n";
    }
    return out;
}

std::string environment_text(const Discovery& d, const FoundEnvironment& e) {
    std::string out = comment("  ", "from the branch " + e.branch);
    out += "  " + scalar(e.name) + ":\n";
    out += "    stack: " + scalar(e.stack) + "\n";
    out += d.region.empty() ? "    # region: us-east-1  (else AWS_REGION or the profile's)\n"
                            : "    region: " + scalar(d.region) + "\n";
    if (!d.template_facts)
        out +=
            "    # template: template.yaml  (TODO: no CloudFormation template was found; a "
            "deploy needs one)\n";
    if (d.template_facts) {
        const auto& t = *d.template_facts;
        out += "    template: " + scalar(t.path) + "\n";
        if (!t.capabilities.empty()) out += "    capabilities: " + flow_list(t.capabilities) + "\n";
        if (!t.code_refs.empty())
            out += "    # artifact_bucket: my-bucket  (the template packages local code)\n";
    }
    out += "    base: " + scalar(e.branch) + "\n";
    std::string missing;
    for (const auto& p : d.unmatched_parameters) {
        if (!p.has_default && !e.parameters.contains(p.name))
            missing += (missing.empty() ? "" : ", ") + p.name + ": ...";
    }
    if (!e.parameters.empty()) {
        out += comment("    ", "stage parameters, from the environment's name");
        out += "    parameters:\n";
        for (const auto& [k, v] : e.parameters)
            out += "      " + scalar(k) + ": " + scalar(v) + "\n";
    }
    if (!missing.empty()) out += "    # parameters: {" + missing + "}  (TODO: no default)\n";
    return out;
}

// One entry of an environment's `stacks`.
std::string stack_text(const Discovery& d, const FoundEnvironment& e, std::size_t i) {
    const FoundStack& s = d.stacks[i];
    const auto own = own_components(s);
    std::string out = comment("      ", s.facts.path + ": " +
                                            (own.empty() ? "no image or code of its own; deployed "
                                                           "when the template changes"
                                                         : joined(own)));
    out += "      - name: " + scalar(e.stacks.at(i)) + "\n";
    out += "        template: " + scalar(s.facts.path) + "\n";
    out += "        components: " + flow_list(s.components) + "\n";
    if (!e.stack_parameters.at(i).empty()) {
        out += comment("        ", "stage parameters, from the environment's name");
        out += "        parameters:\n";
        for (const auto& [k, v] : e.stack_parameters.at(i))
            out += "          " + scalar(k) + ": " + scalar(v) + "\n";
    }
    std::string missing;
    for (const auto& name : missing_in(s, e, i)) {
        const auto at = s.outputs_elsewhere.find(name);
        if (at == s.outputs_elsewhere.end()) {
            missing += (missing.empty() ? "" : ", ") + name + ": ...";
            continue;
        }
        out += "        # parameters: {" + name + ": {stack: " + e.stacks.at(at->second) +
               ", output: " + name + "}}  (TODO: " + name + " has no default; " +
               d.stacks[at->second].facts.path + " outputs " + name + ")\n";
    }
    if (!missing.empty()) out += "        # parameters: {" + missing + "}  (TODO: no default)\n";
    return out;
}

// An environment of several stacks.
std::string stacks_environment_text(const Discovery& d, const FoundEnvironment& e) {
    std::string out = comment("  ", "from the branch " + e.branch);
    out += "  " + scalar(e.name) + ":\n";
    out += d.region.empty() ? "    # region: us-east-1  (else AWS_REGION or the profile's)\n"
                            : "    region: " + scalar(d.region) + "\n";
    std::set<std::string> capabilities;
    for (const auto& st : d.stacks)
        capabilities.insert(st.facts.capabilities.begin(), st.facts.capabilities.end());
    if (!capabilities.empty())
        out += "    capabilities: " + flow_list({capabilities.begin(), capabilities.end()}) + "\n";
    if (packages_code(d))
        out += "    # artifact_bucket: my-bucket  (a template packages local code)\n";
    out += "    base: " + scalar(e.branch) + "\n";
    if (!e.parameters.empty()) {
        out += comment("    ",
                       "stage parameters, from the environment's name (for every stack whose "
                       "template declares them)");
        out += "    parameters:\n";
        for (const auto& [k, v] : e.parameters)
            out += "      " + scalar(k) + ": " + scalar(v) + "\n";
    }
    out += "    stacks:\n";
    for (std::size_t i = 0; i < d.stacks.size(); ++i) out += stack_text(d, e, i);
    return out;
}

// What an environment would look like, when no branch told init of one.
std::string environment_example(const Discovery& d) {
    std::string out = "#   prod:\n#     base: main\n";
    if (d.stacks.empty())
        return "#   prod:\n#     stack: " + stack_name(d.project, "prod") + "\n#     base: main\n";
    out += "#     stacks:\n";
    for (const auto& s : d.stacks) {
        out += "#       - name: " + stack_name(d.project, s.key, "prod") + "\n";
        out += "#         template: " + s.facts.path + "\n";
        out += "#         components: " + flow_list(s.components) + "\n";
    }
    return out;
}

}  // namespace

std::string starter_manifest(const Discovery& d) {
    std::string out = header(d);
    out += "components:\n";
    for (const auto& c : d.components) out += component_text(c);
    if (d.environments.empty()) {
        out += d.stacks.empty()
                   ? "# No dev, test, staging, prod or main branch was found. An environment (one\n"
                     "# CloudFormation stack) looks like this:\n"
                   : "# No dev, test, staging, prod or main branch was found. An environment (a\n"
                     "# stack per template) looks like this:\n";
        out += "# environments:\n" + environment_example(d);
        return out;
    }
    out += "environments:\n";
    for (const auto& e : d.environments)
        out += d.stacks.empty() ? environment_text(d, e) : stacks_environment_text(d, e);
    return out;
}

std::string summary(const Discovery& d) {
    std::string out;
    if (d.template_facts) {
        out += fmt::format("template {} ({} parameters)\n", d.template_facts->path,
                           d.template_facts->parameters.size());
    }
    if (!d.other_templates.empty()) {
        std::string list;
        for (const auto& t : d.other_templates) list += (list.empty() ? "" : ", ") + t;
        if (d.stacks.empty()) {
            out += fmt::format(
                "other templates, not adopted: {} (each environment deploys one stack: adopt "
                "another with `slipway init --template FILE --force`, or add it as a stack of its "
                "own, docs/init.md \"Several templates\")\n",
                list);
        } else {
            out += fmt::format(
                "other templates, not adopted: {} (no stacks of their own: the notes say why)\n",
                list);
        }
    }
    for (const auto& st : d.stacks) {
        const auto own = own_components(st);
        out +=
            fmt::format("stack {}: {} ({} parameters): {}{}\n", st.key.empty() ? d.project : st.key,
                        st.facts.path, st.facts.parameters.size(), joined(st.components),
                        own.empty() ? " (no image or code of its own: deployed when the "
                                      "template changes)"
                                    : "");
    }
    for (const auto& c : d.components) {
        std::string why;
        for (const auto& r : c.reasons) why += (why.empty() ? "" : "; ") + r;
        out += fmt::format("component {} ({}): {}\n", c.name, components::to_string(c.kind), why);
    }
    for (const auto& e : d.environments) {
        if (d.stacks.empty()) {
            out += fmt::format("environment {}: stack {}, from the branch {}\n", e.name, e.stack,
                               e.branch);
        } else {
            out += fmt::format("environment {}: stacks {}, from the branch {}\n", e.name,
                               joined(e.stacks), e.branch);
        }
    }
    if (d.environments.empty())
        out += "no dev, test, staging, prod or main branch: no environments\n";
    std::string unmatched;
    for (const auto& p : d.unmatched_parameters)
        unmatched += (unmatched.empty() ? "" : ", ") + p.name;
    for (const auto& st : d.stacks) {
        std::vector<std::string> names;
        for (const auto& p : st.unmatched_parameters) names.push_back(p.name);
        if (!names.empty())
            unmatched += (unmatched.empty() ? "" : "; ") + st.facts.path + ": " + joined(names);
    }
    if (!unmatched.empty()) out += "parameters no component took: " + unmatched + "\n";
    for (const auto& n : d.notes) out += "note: " + n + "\n";
    for (const auto& t : to_do(d)) out += "to do: " + t + "\n";
    return out;
}

std::string init_json(const Discovery& d, const std::string& manifest) {
    auto strings = [](common::JsonOut& j, std::string_view key, const std::vector<std::string>& v) {
        j.key(key).begin_array();
        for (const auto& s : v) j.value(s);
        j.end_array();
    };
    common::JsonOut j;
    j.begin_object().field("commit_url", d.commit_url).key("components").begin_array();
    for (const auto& c : d.components) {
        j.begin_object().field("build", c.build);
        strings(j, "depends_on", c.depends_on);
        j.field("kind", std::string(components::to_string(c.kind))).field("name", c.name);
        j.field("parameter", c.parameter).field("parameter_guessed", c.parameter_guessed);
        strings(j, "paths", c.paths);
        strings(j, "reasons", c.reasons);
        j.end_object();
    }
    auto map = [](common::JsonOut& out, std::string_view key,
                  const std::map<std::string, std::string>& m) {
        out.key(key).begin_object();
        for (const auto& [k, v] : m) out.field(k, v);
        out.end_object();
    };
    j.end_array().key("environments").begin_array();
    for (const auto& e : d.environments) {
        j.begin_object().field("branch", e.branch).field("name", e.name);
        map(j, "parameters", e.parameters);
        j.key("stack");
        if (d.stacks.empty())
            j.value(e.stack);
        else
            j.null();
        j.key("stack_parameters").begin_array();
        for (const auto& values : e.stack_parameters) {
            j.begin_object();
            for (const auto& [k, v] : values) j.field(k, v);
            j.end_object();
        }
        j.end_array();
        strings(j, "stacks", e.stacks);
        j.end_object();
    }
    j.end_array().field("manifest", manifest);
    strings(j, "notes", d.notes);
    strings(j, "other_templates", d.other_templates);
    j.field("project", d.project).key("stacks").begin_array();
    for (const auto& st : d.stacks) {
        j.begin_object();
        strings(j, "components", st.components);
        j.field("key", st.key).key("outputs_elsewhere").begin_object();
        for (const auto& [name, at] : st.outputs_elsewhere) j.field(name, d.stacks[at].facts.path);
        j.end_object().field("template", st.facts.path);
        j.field("template_component", st.template_component);
        std::vector<std::string> names;
        for (const auto& p : st.unmatched_parameters) names.push_back(p.name);
        strings(j, "unmatched_parameters", names);
        j.end_object();
    }
    j.end_array().key("template");
    if (d.template_facts)
        j.value(d.template_facts->path);
    else
        j.null();
    strings(j, "to_do", to_do(d));
    std::vector<std::string> unmatched;
    for (const auto& p : d.unmatched_parameters) unmatched.push_back(p.name);
    strings(j, "unmatched_parameters", unmatched);
    strings(j, "warnings", d.warnings);
    return j.end_object().str();
}

std::vector<std::string> to_do(const Discovery& d) {
    std::vector<std::string> out;
    if (has_images(d))
        out.push_back("replace image.repository's placeholder with your ECR repository");
    if (!d.template_facts && d.stacks.empty() && !d.environments.empty())
        out.push_back(
            "write a CloudFormation template with a parameter for each image component "
            "and set it as each environment's template");
    if (packages_code(d) && !d.environments.empty())
        out.push_back(
            d.stacks.empty()
                ? "set each environment's artifact_bucket: the template packages local code"
                : "set each environment's artifact_bucket: a template packages local code");
    for (const auto& e : d.environments) {
        for (std::size_t i = 0; i < d.stacks.size(); ++i) {
            const auto& st = d.stacks[i];
            for (const auto& name : missing_in(st, e, i)) {
                std::string todo = "give " + name + " a value in " + e.name + "'s stack " +
                                   e.stacks.at(i) + " (the template has no Default";
                if (auto at = st.outputs_elsewhere.find(name); at != st.outputs_elsewhere.end())
                    todo += "; " + d.stacks[at->second].facts.path + " outputs " + name + ": `" +
                            name + ": {stack: " + e.stacks.at(at->second) + ", output: " + name +
                            "}` under the stack's parameters";
                out.push_back(todo + ")");
            }
        }
    }
    for (const auto& e : d.environments) {
        for (const auto& p : d.unmatched_parameters) {
            if (!p.has_default && !e.parameters.contains(p.name))
                out.push_back("give " + p.name + " a value in " + e.name +
                              "'s parameters (the template has no Default)");
        }
    }
    for (const auto& c : d.components) {
        if (!c.parameter_guessed) continue;
        std::string where = "the template";
        for (const auto& st : d.stacks) {
            if (std::binary_search(st.components.begin(), st.components.end(), c.name))
                where = st.facts.path;
        }
        out.push_back("add the parameter " + c.parameter + " to " + where + " (component " +
                      c.name + ")");
    }
    return out;
}

common::Result<void> refuse_to_overwrite(const std::filesystem::path& path, bool force) {
    if (force || !std::filesystem::exists(path)) return {};
    return common::fail(common::ErrorCode::input,
                        "writing " + path.string() + ": it exists (use --force to overwrite it)");
}

common::Result<void> write_manifest(const std::filesystem::path& path, const std::string& text,
                                    bool force) {
    const std::string file = path.string();
    if (auto ok = refuse_to_overwrite(path, force); !ok) return ok;
    auto manifest = components::parse_manifest(text, file);
    if (!manifest)
        return std::unexpected(manifest.error().with_context("checking the starter manifest"));
    if (auto graph = components::build_graph(*manifest); !graph)
        return std::unexpected(graph.error().with_context("checking the starter manifest"));
    const std::string temp = fmt::format("{}.{}.tmp", file, ::getpid());
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out << text;
        out.flush();
        if (!out) {
            std::filesystem::remove(temp);
            return common::fail(common::ErrorCode::input, "writing " + temp + ": cannot write");
        }
    }
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec) {
        std::filesystem::remove(temp);
        return common::fail(common::ErrorCode::input, "writing " + file + ": " + ec.message());
    }
    return {};
}

}  // namespace adopt
