// Reading a template for `slipway init`. Parameters and packaged artifacts come from the
// deploy library's template reader (so init and deploy agree on what a template declares
// and packages); image references, SAM build metadata and IAM resources are read from the
// same text with yaml-cpp, short intrinsic tags (`!Ref X`) being tagged scalars there.
#include "adopt/template_scan.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <tuple>

#include "adopt/paths.hpp"
#include "deploy/template.hpp"

namespace adopt {
namespace {

// The parameter a value refers to with `!Ref X` or `{Ref: X}`, or "".
std::string ref_of(const YAML::Node& value) {
    if (value.IsScalar() && value.Tag() == "!Ref") return value.Scalar();
    if (value.IsMap() && value.size() == 1 && value["Ref"] && value["Ref"].IsScalar())
        return value["Ref"].Scalar();
    return "";
}

// Every parameter an `ImageUri` or `Image` key below `node` refers to.
void collect_image_refs(const YAML::Node& node, std::set<std::string>& out) {
    if (node.IsMap()) {
        for (const auto& kv : node) {
            const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
            if (key == "ImageUri" || key == "Image") {
                if (auto ref = ref_of(kv.second); !ref.empty()) out.insert(ref);
            }
            collect_image_refs(kv.second, out);
        }
    } else if (node.IsSequence()) {
        for (const auto& item : node) collect_image_refs(item, out);
    }
}

// `n[key]`, or a null node when `n` is no map or lacks the key (yaml-cpp's missing-key nodes
// throw on use).
YAML::Node child(const YAML::Node& n, const char* key) {
    if (!n || !n.IsMap()) return YAML::Node();
    const YAML::Node c = n[key];
    return c ? c : YAML::Node();
}

std::string scalar_at(const YAML::Node& map, const char* key) {
    const YAML::Node v = child(map, key);
    return v.IsScalar() ? v.Scalar() : "";
}

// CAPABILITY_IAM for IAM resources and SAM functions (they create roles), NAMED_IAM for
// IAM resources given names, AUTO_EXPAND for transforms.
std::vector<std::string> capabilities_of(const YAML::Node& root) {
    std::set<std::string> caps;
    if (root["Transform"]) caps.insert("CAPABILITY_AUTO_EXPAND");
    for (const auto& kv : root["Resources"]) {
        const std::string type = scalar_at(kv.second, "Type");
        const YAML::Node props = child(kv.second, "Properties");
        if (type.starts_with("AWS::IAM::")) {
            bool named = false;
            for (const char* key :
                 {"RoleName", "UserName", "GroupName", "ManagedPolicyName", "InstanceProfileName"})
                named = named || !scalar_at(props, key).empty();
            caps.insert(named ? "CAPABILITY_NAMED_IAM" : "CAPABILITY_IAM");
        } else if (type == "AWS::Serverless::Function" && child(props, "Role").IsNull()) {
            caps.insert("CAPABILITY_IAM");
        }
    }
    if (caps.contains("CAPABILITY_NAMED_IAM")) caps.erase("CAPABILITY_IAM");
    return {caps.begin(), caps.end()};
}

// SAM image functions: Metadata.DockerContext (and Dockerfile), with ImageUri's parameter.
void collect_docker_builds(const YAML::Node& root, TemplateFacts& facts) {
    const std::string base = parent_folder(facts.path);
    for (const auto& kv : root["Resources"]) {
        const YAML::Node meta = child(kv.second, "Metadata");
        const std::string context = scalar_at(meta, "DockerContext");
        if (context.empty()) continue;
        const std::string name = kv.first.Scalar();
        auto folder = join_relative(base, context);
        if (!folder) {
            facts.notes.push_back(name + ": DockerContext '" + context +
                                  "' is outside the repository; not used");
            continue;
        }
        std::string dockerfile = scalar_at(meta, "Dockerfile");
        const std::string parameter = ref_of(child(child(kv.second, "Properties"), "ImageUri"));
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
        facts.parameters.push_back({name, p.default_value.has_value()});
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& e) {  // parse_template accepted it, so this is unexpected
        return common::fail(common::ErrorCode::input, path + ": " + e.what());
    }
    for (const auto& kv : root["Resources"]) {
        collect_image_refs(child(kv.second, "Properties"), facts.image_parameters);
    }
    std::erase_if(facts.image_parameters,
                  [&](const std::string& p) { return !parsed->parameters.contains(p); });
    collect_docker_builds(root, facts);
    collect_code_refs(*parsed, facts);
    facts.capabilities = capabilities_of(root);
    std::sort(facts.docker_builds.begin(), facts.docker_builds.end(),
              [](const auto& a, const auto& b) { return a.resource < b.resource; });
    return facts;
}

}  // namespace adopt
