#include "adopt/starter_manifest.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <regex>

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

}  // namespace

std::string starter_manifest(const Discovery& d) {
    std::string out = header(d);
    out += "components:\n";
    for (const auto& c : d.components) out += component_text(c);
    if (d.environments.empty()) {
        out +=
            "# No dev, test, staging, prod or main branch was found. An environment (one\n"
            "# CloudFormation stack) looks like this:\n"
            "# environments:\n"
            "#   prod:\n";
        out += "#     stack: " + stack_name(d.project, "prod") + "\n";
        out += "#     base: main\n";
        return out;
    }
    out += "environments:\n";
    for (const auto& e : d.environments) out += environment_text(d, e);
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
        out += fmt::format(
            "other templates, not adopted: {} (each environment deploys one stack: adopt another "
            "with `slipway init --template FILE --force`, or add it as a stack of its own, "
            "docs/init.md \"Several templates\")\n",
            list);
    }
    for (const auto& c : d.components) {
        std::string why;
        for (const auto& r : c.reasons) why += (why.empty() ? "" : "; ") + r;
        out += fmt::format("component {} ({}): {}\n", c.name, components::to_string(c.kind), why);
    }
    for (const auto& e : d.environments)
        out += fmt::format("environment {}: stack {}, from the branch {}\n", e.name, e.stack,
                           e.branch);
    if (d.environments.empty())
        out += "no dev, test, staging, prod or main branch: no environments\n";
    std::string unmatched;
    for (const auto& p : d.unmatched_parameters)
        unmatched += (unmatched.empty() ? "" : ", ") + p.name;
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
    j.end_array().key("environments").begin_array();
    for (const auto& e : d.environments) {
        j.begin_object().field("branch", e.branch).field("name", e.name).key("parameters");
        j.begin_object();
        for (const auto& [k, v] : e.parameters) j.field(k, v);
        j.end_object().field("stack", e.stack).end_object();
    }
    j.end_array().field("manifest", manifest);
    strings(j, "notes", d.notes);
    strings(j, "other_templates", d.other_templates);
    j.field("project", d.project).key("template");
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
    if (!d.template_facts && !d.environments.empty())
        out.push_back(
            "write a CloudFormation template with a parameter for each image component "
            "and set it as each environment's template");
    if (d.template_facts && !d.template_facts->code_refs.empty() && !d.environments.empty())
        out.push_back("set each environment's artifact_bucket: the template packages local code");
    for (const auto& e : d.environments) {
        for (const auto& p : d.unmatched_parameters) {
            if (!p.has_default && !e.parameters.contains(p.name))
                out.push_back("give " + p.name + " a value in " + e.name +
                              "'s parameters (the template has no Default)");
        }
    }
    for (const auto& c : d.components) {
        if (c.parameter_guessed)
            out.push_back("add the parameter " + c.parameter + " to the template (component " +
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
