#pragma once
// A CloudFormation template as slipway needs it: its `Parameters` (types, defaults and
// constraints, to check the values before any call to AWS) and, when artifacts must be
// packaged, a tree that can be written out again as JSON with artifact locations replaced.
// YAML templates with the short intrinsic tags (`!Ref`, `!Sub`, `!GetAtt`, ...) and JSON
// templates are both read with common/yaml (libyaml), JSON being YAML, within its limits.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace deploy {

/// One entry of the template's `Parameters`, with the constraints slipway checks.
struct TemplateParameter {
    std::string name;
    std::string type = "String";
    std::optional<std::string> default_value;
    std::optional<std::string> allowed_pattern;
    std::vector<std::string> allowed_values;
    std::optional<long> max_length;
    std::optional<long> min_length;
    std::optional<double> max_value;
    std::optional<double> min_value;
    bool no_echo = false;
    int line = 0;  // where the template declares it
};

class TemplateTree;

struct Template {
    std::string file;  // as given, for messages
    std::string text;  // the bytes as read
    std::map<std::string, TemplateParameter> parameters;
    std::shared_ptr<TemplateTree> tree;  // the parsed document
};

/// A number as CloudFormation writes one ("30", "0.5", "-1e3"); nullopt otherwise.
std::optional<double> parse_number(const std::string& text);

/// Parses template text; `file` names it in messages. Fails with ErrorCode::input naming
/// file:line when the text is not YAML/JSON, has no `Resources`, or declares a parameter
/// badly (a constraint that is not a number, a pattern that is not a regular expression).
common::Result<Template> parse_template(const std::string& text, const std::string& file);

/// Reads and parses a template file.
common::Result<Template> load_template(const std::string& path);

/// A local artifact reference found in the template: resource, property and the path as
/// written (relative to the template's folder).
struct ArtifactRef {
    std::string resource;
    std::string resource_type;
    std::string property;  // "Code", "CodeUri", "Command.ScriptLocation", "TemplateURL"
    std::string path;
};

/// The properties `aws cloudformation package` would upload, where they hold a plain string
/// that is not already an s3:// or http(s):// location. Sorted by resource, then property.
std::vector<ArtifactRef> artifact_refs(const Template& t);

/// Where an uploaded artifact lives.
struct S3Location {
    std::string bucket;
    std::string key;
    std::string url;  // https URL of the object (for TemplateURL)
};

/// The template as CloudFormation JSON with each artifact reference replaced by its S3
/// location (`Code` -> {S3Bucket, S3Key}; the others -> s3://bucket/key or the URL). Short
/// tags become their long forms (`!Ref X` -> {"Ref": "X"}, `!GetAtt A.B` -> {"Fn::GetAtt":
/// ["A", "B"]}, `!Sub` -> {"Fn::Sub": ...}); quoted scalars stay strings, plain ones that read
/// as numbers or booleans become numbers or booleans.
/// `locations` is keyed by "Resource.Property" (ArtifactRef::resource + "." + property).
std::string rewrite_as_json(const Template& t, const std::map<std::string, S3Location>& locations);

/// A hash of a template body that survives re-serialisation: "sha256:<hex>" of the body
/// parsed (YAML or JSON) and written as JSON, so the text sent and the text GetTemplate
/// answers compare equal when they hold the same document. A body that does not parse is
/// hashed as it is.
std::string template_hash(const std::string& body);

}  // namespace deploy
