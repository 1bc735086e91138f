#pragma once
// What `slipway init` needs from a CloudFormation or SAM template: its parameters, which of
// them receive images (they are what an `ImageUri` or `Image` property refers to with
// `Ref`), the folders it packages (`Code`, `CodeUri` and the other properties
// `aws cloudformation package` uploads), the build contexts of SAM image functions
// (`Metadata: DockerContext`) and the capabilities a deploy will need. Pure: text in.
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace adopt {

struct TemplateParameter {
    std::string name;
    bool has_default = false;
    std::vector<std::string> allowed_values;
};

/// A SAM image function's build: context and Dockerfile (repository-relative) and the
/// parameter its ImageUri refers to ("" when none).
struct DockerBuild {
    std::string resource;
    std::string context;
    std::string dockerfile;  // relative to `context`
    std::string parameter;
};

/// A local artifact the template packages, with its path made repository-relative.
struct CodeRef {
    std::string resource;
    std::string property;  // "CodeUri", "Code", ...
    std::string path;
};

struct TemplateFacts {
    std::string path;                           // repository-relative
    std::vector<TemplateParameter> parameters;  // sorted by name
    std::set<std::string> image_parameters;     // referred to by an ImageUri / Image property
    std::vector<DockerBuild> docker_builds;     // sorted by resource
    std::vector<CodeRef> code_refs;             // sorted by resource, then property
    std::vector<std::string> capabilities;      // CAPABILITY_*, sorted
    std::vector<std::string> notes;             // references that could not be used, and why
    std::vector<std::pair<std::string, std::string>> resources;  // (logical id, type), sorted
    std::vector<std::string> outputs;                            // the names of its Outputs, sorted
    /// Local templates it deploys as nested stacks (a stack's TemplateURL, a SAM
    /// application's Location), repository-relative, sorted.
    std::vector<std::string> nested_templates;
};

/// Whether `text` reads like a CloudFormation template (a quick test on the text, before
/// parsing).
bool looks_like_template(std::string_view text);

/// Scans the template at repository-relative `path`. Fails with ErrorCode::input naming
/// path:line when it is not a valid template.
common::Result<TemplateFacts> scan_template(const std::string& text, const std::string& path);

}  // namespace adopt
