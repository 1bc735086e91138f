// Reading a template for `slipway init`. Parameters and packaged artifacts come from the
// deploy library's template reader (so init and deploy agree on what a template declares
// and packages); image references, SAM build metadata and IAM resources are read from the
// same text with common/yaml, short intrinsic tags (`!Ref X`) being tagged scalars there.
#include "adopt/template_scan.hpp"

#include <algorithm>
#include <tuple>

#include "adopt/paths.hpp"
#include "common/yaml.hpp"
#include "deploy/template.hpp"

namespace adopt {
namespace {

using common::yaml::Node;

// The parameter a value refers to with `!Ref X` or `{Ref: X}`, or "".
std::string ref_of(const Node& value) {
    if (value.is_scalar() && value.tag() == "!Ref") return std::string(value.scalar());
    if (value.is_map() && value.size() == 1 && value["Ref"].is_scalar())
        return std::string(value["Ref"].scalar());
    return "";
}

// Every parameter an `ImageUri` or `Image` key below `node` refers to.
void collect_image_refs(const Node& node, std::set<std::string>& out) {
    if (node.is_map()) {
        for (const auto [key, value] : node.entries()) {
            if (key.is_scalar() && (key.scalar() == "ImageUri" || key.scalar() == "Image")) {
                if (auto ref = ref_of(value); !ref.empty()) out.insert(ref);
            }
            collect_image_refs(value, out);
        }
    } else if (node.is_sequence()) {
        for (const auto item : node.children()) collect_image_refs(item, out);
    }
}

std::string scalar_at(const Node& map, const char* key) {
    const Node v = map[key];
    return v.is_scalar() ? std::string(v.scalar()) : "";
}

// CAPABILITY_IAM for IAM resources and SAM functions (they create roles), NAMED_IAM for
// IAM resources given names, AUTO_EXPAND for transforms.
std::vector<std::string> capabilities_of(const Node& root) {
    std::set<std::string> caps;
    if (root["Transform"]) caps.insert("CAPABILITY_AUTO_EXPAND");
    for (const auto [name, resource] : root["Resources"].entries()) {
        const std::string type = scalar_at(resource, "Type");
        const Node props = resource["Properties"];
        if (type.starts_with("AWS::IAM::")) {
            bool named = false;
            for (const char* key :
                 {"RoleName", "UserName", "GroupName", "ManagedPolicyName", "InstanceProfileName"})
                named = named || !scalar_at(props, key).empty();
            caps.insert(named ? "CAPABILITY_NAMED_IAM" : "CAPABILITY_IAM");
        } else if (type == "AWS::Serverless::Function" && props["Role"].is_null()) {
            caps.insert("CAPABILITY_IAM");
        }
    }
    if (caps.contains("CAPABILITY_NAMED_IAM")) caps.erase("CAPABILITY_IAM");
    return {caps.begin(), caps.end()};
}

// SAM image functions: Metadata.DockerContext (and Dockerfile), with ImageUri's parameter.
void collect_docker_builds(const Node& root, TemplateFacts& facts) {
    const std::string base = parent_folder(facts.path);
    for (const auto [key, resource] : root["Resources"].entries()) {
        const Node meta = resource["Metadata"];
        const std::string context = scalar_at(meta, "DockerContext");
        if (context.empty()) continue;
        const std::string name(key.scalar());
        auto folder = join_relative(base, context);
        if (!folder) {
            facts.notes.push_back(name + ": DockerContext '" + context +
                                  "' is outside the repository; not used");
            continue;
        }
        std::string dockerfile = scalar_at(meta, "Dockerfile");
        const std::string parameter = ref_of(resource["Properties"]["ImageUri"]);
        facts.docker_builds.push_back(
            {name, *folder, dockerfile.empty() ? "Dockerfile" : dockerfile, parameter});
    }
}

void collect_code_refs(const deploy::Template& t, TemplateFacts& facts) {
    const std::string base = parent_folder(facts.path);
    for (const auto& ref : deploy::artifact_refs(t)) {
        auto path = join_relative(base, ref.path);
        if (!path || path->empty()) {
            facts.notes.push_back(ref.resource + ": " + ref.property + " '" + ref.path + "' is " +
                                  (path ? "the template's own folder" : "outside the repository") +
                                  "; not made a component");
            continue;
        }
        facts.code_refs.push_back({ref.resource, ref.property, *path});
    }
}

// Resources, output names and nested templates: what tells several templates apart (a copy,
// a pipeline, a child of another).
void collect_shape(const Node& root, TemplateFacts& facts) {
    const std::string base = parent_folder(facts.path);
    for (const auto [key, resource] : root["Resources"].entries()) {
        const std::string type = scalar_at(resource, "Type");
        facts.resources.emplace_back(std::string(key.scalar()), type);
        if (type != "AWS::Serverless::Application") continue;
        const std::string location = scalar_at(resource["Properties"], "Location");
        if (location.empty() || location.find("://") != std::string::npos) continue;
        if (auto path = join_relative(base, location)) facts.nested_templates.push_back(*path);
    }
    for (const auto& ref : facts.code_refs)
        if (ref.property == "TemplateURL") facts.nested_templates.push_back(ref.path);
    for (const auto [key, output] : root["Outputs"].entries())
        facts.outputs.emplace_back(key.scalar());
    std::sort(facts.resources.begin(), facts.resources.end());
    std::sort(facts.outputs.begin(), facts.outputs.end());
    std::sort(facts.nested_templates.begin(), facts.nested_templates.end());
    facts.nested_templates.erase(
        std::unique(facts.nested_templates.begin(), facts.nested_templates.end()),
        facts.nested_templates.end());
}

}  // namespace

bool looks_like_template(std::string_view text) {
    return text.find("AWSTemplateFormatVersion") != std::string_view::npos ||
           text.find("AWS::Serverless-2016-10-31") != std::string_view::npos;
}

common::Result<TemplateFacts> scan_template(const std::string& text, const std::string& path) {
    auto parsed = deploy::parse_template(text, path);
    if (!parsed) return std::unexpected(parsed.error());
    TemplateFacts facts;
    facts.path = path;
    for (const auto& [name, p] : parsed->parameters)
        facts.parameters.push_back({name, p.default_value.has_value(), p.allowed_values});
    // The same text again, as a document (parse_template accepted it).
    auto doc = common::yaml::parse(text, path);
    if (!doc) return std::unexpected(doc.error());
    const Node root = doc->root();
    for (const auto [name, resource] : root["Resources"].entries()) {
        collect_image_refs(resource["Properties"], facts.image_parameters);
    }
    std::erase_if(facts.image_parameters,
                  [&](const std::string& p) { return !parsed->parameters.contains(p); });
    collect_docker_builds(root, facts);
    collect_code_refs(*parsed, facts);
    facts.capabilities = capabilities_of(root);
    collect_shape(root, facts);
    std::sort(facts.docker_builds.begin(), facts.docker_builds.end(),
              [](const auto& a, const auto& b) { return a.resource < b.resource; });
    return facts;
}

}  // namespace adopt
