// Template reading, with the same YAML reader as the manifest (common/yaml: libyaml's
// events, one library for both; yaml-cpp is gone). A short intrinsic tag (`!Ref X`) is the
// node's tag, and a scalar says whether it was written plain; the JSON writer uses both to
// produce CloudFormation's long form the way cfn-flip does: only plain, untagged scalars may
// become numbers, booleans or null. The rewrite of artifact locations replaces nodes as the
// JSON is written, so the parsed document is never changed.
#include "deploy/template.hpp"

#include "aws/crypto.hpp"
#include "common/yaml.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <regex>
#include <sstream>

namespace deploy {

class TemplateTree {
  public:
    common::yaml::Document doc;
};

namespace {

using common::ErrorCode;
using common::yaml::Node;

std::string where(const std::string& file, const Node& n) {
    return file + ":" + std::to_string(n.line());
}

common::Result<TemplateParameter> parse_parameter(const std::string& file, const std::string& name,
                                                  const Node& n) {
    TemplateParameter p;
    p.name = name;
    p.line = n.line();
    const std::string at = where(file, n) + ": parameter " + name;
    if (!n.is_map()) return common::fail(ErrorCode::input, at + ": expected a map");
    auto scalar = [&](const char* key) -> std::optional<std::string> {
        if (!n[key].is_scalar()) return std::nullopt;
        return std::string(n[key].scalar());
    };
    if (auto t = scalar("Type")) p.type = *t;
    p.default_value = scalar("Default");
    p.allowed_pattern = scalar("AllowedPattern");
    p.no_echo = scalar("NoEcho").value_or("false") == "true";
    for (Node v : n["AllowedValues"].children()) p.allowed_values.emplace_back(v.scalar());
    const std::pair<const char*, std::optional<double>*> numbers[] = {{"MaxValue", &p.max_value},
                                                                      {"MinValue", &p.min_value}};
    for (auto [key, out] : numbers) {
        if (auto v = scalar(key)) {
            *out = parse_number(*v);
            if (!*out) return common::fail(ErrorCode::input, at + ": " + key + " is not a number");
        }
    }
    const std::pair<const char*, std::optional<long>*> lengths[] = {{"MaxLength", &p.max_length},
                                                                    {"MinLength", &p.min_length}};
    for (auto [key, out] : lengths) {
        if (auto v = scalar(key)) {
            auto number = parse_number(*v);
            if (!number)
                return common::fail(ErrorCode::input, at + ": " + key + " is not a number");
            *out = static_cast<long>(*number);
        }
    }
    if (p.allowed_pattern) {
        try {
            std::regex check(*p.allowed_pattern);
        } catch (const std::regex_error&) {
            return common::fail(ErrorCode::input,
                                at + ": AllowedPattern is not a regular expression");
        }
    }
    return p;
}

// --- artifacts ---------------------------------------------------------------------------

struct ArtifactRule {
    const char* type;
    std::vector<const char*> property;  // nested keys
};

const ArtifactRule k_rules[] = {
    {"AWS::Lambda::Function", {"Code"}},
    {"AWS::Serverless::Function", {"CodeUri"}},
    {"AWS::Lambda::LayerVersion", {"Content"}},
    {"AWS::Serverless::LayerVersion", {"ContentUri"}},
    {"AWS::Glue::Job", {"Command", "ScriptLocation"}},
    {"AWS::CloudFormation::Stack", {"TemplateURL"}},
};

bool is_remote(const std::string& s) {
    return s.starts_with("s3://") || s.starts_with("https://") || s.starts_with("http://");
}

std::string joined(const std::vector<const char*>& keys) {
    std::string out;
    for (const char* k : keys) out += (out.empty() ? "" : ".") + std::string(k);
    return out;
}

// --- JSON writing --------------------------------------------------------------------------

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// What replaces a node when the JSON is written: an artifact's S3 location, as the
// property it stands in expects it.
struct Replacement {
    std::string property;  // ArtifactRef::property
    S3Location at;
};
using Replacements = std::map<std::int32_t, Replacement>;  // by node id

void write_string(Writer& w, std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void write_node(Writer& w, const Node& n, const Replacements& replace);

void write_replacement(Writer& w, const Replacement& r) {
    if (r.property == "Code" || r.property == "Content") {
        w.StartObject();
        w.Key("S3Bucket");
        write_string(w, r.at.bucket);
        w.Key("S3Key");
        write_string(w, r.at.key);
        w.EndObject();
    } else if (r.property == "TemplateURL") {
        write_string(w, r.at.url);
    } else {  // CodeUri, ContentUri, Command.ScriptLocation
        write_string(w, "s3://" + r.at.bucket + "/" + r.at.key);
    }
}

void write_scalar(Writer& w, const Node& n) {
    const std::string s(n.scalar());
    if (n.plain() && n.tag().empty()) {
        if (s == "true" || s == "True" || s == "TRUE") return void(w.Bool(true));
        if (s == "false" || s == "False" || s == "FALSE") return void(w.Bool(false));
        if (s == "null" || s == "~" || s.empty()) return void(w.Null());
        std::int64_t i = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
        if (ec == std::errc() && end == s.data() + s.size()) return void(w.Int64(i));
        if (auto d = parse_number(s); d && s.find_first_of(".eE") != std::string::npos)
            return void(w.Double(*d));
    }
    write_string(w, s);
}

void write_untagged(Writer& w, const Node& n, const Replacements& replace) {
    if (n.is_map()) {
        w.StartObject();
        for (const auto& [key, value] : n.entries()) {
            const std::string_view name = key.scalar();
            w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
            write_node(w, value, replace);
        }
        w.EndObject();
    } else if (n.is_sequence()) {
        w.StartArray();
        for (Node v : n.children()) write_node(w, v, replace);
        w.EndArray();
    } else if (n.is_null()) {
        w.Null();
    } else {
        write_scalar(w, n);
    }
}

void write_node(Writer& w, const Node& n, const Replacements& replace) {
    if (auto found = replace.find(n.id()); found != replace.end())
        return write_replacement(w, found->second);
    const std::string_view tag = n.tag();
    if (tag.size() < 2 || tag[0] != '!' || tag.starts_with("!!") || tag.starts_with("tag:")) {
        return write_untagged(w, n, replace);
    }
    const std::string fn(tag.substr(1));
    w.StartObject();
    if (fn == "Ref" || fn == "Condition") {
        w.Key(fn.c_str());
        write_string(w, n.scalar());
    } else if (fn == "GetAtt" && n.is_scalar()) {
        const std::string_view s = n.scalar();
        const auto dot = s.find('.');
        w.Key("Fn::GetAtt");
        w.StartArray();
        write_string(w, s.substr(0, dot));
        write_string(w, dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1));
        w.EndArray();
    } else {
        const std::string key = "Fn::" + fn;
        w.Key(key.c_str());
        if (n.is_scalar()) {
            write_string(w, n.scalar());
        } else {
            write_untagged(w, n, replace);
        }
    }
    w.EndObject();
}

// The node of a local artifact path under `resource`'s Properties for `rule`, or absent.
Node artifact_node(const Node& resource, const ArtifactRule& rule) {
    Node n = resource["Properties"];
    for (const char* key : rule.property) n = n[key];
    if (!n.is_scalar() || !(n.tag().empty() || n.tag() == "!")) return {};
    if (is_remote(std::string(n.scalar())) || n.scalar().empty()) return {};
    return n;
}

// artifact_refs, each with the node holding its path.
std::vector<std::pair<ArtifactRef, Node>> artifact_nodes(const Template& t) {
    std::vector<std::pair<ArtifactRef, Node>> out;
    for (const auto& [name, resource] : t.tree->doc.root()["Resources"].entries()) {
        if (!resource.is_map() || !resource["Type"].is_scalar() || !resource["Properties"])
            continue;
        const std::string type(resource["Type"].scalar());
        for (const auto& rule : k_rules) {
            if (type != rule.type) continue;
            if (Node n = artifact_node(resource, rule)) {
                out.push_back({{std::string(name.scalar()), type, joined(rule.property),
                                std::string(n.scalar())},
                               n});
            }
        }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return std::tie(a.first.resource, a.first.property) <
               std::tie(b.first.resource, b.first.property);
    });
    return out;
}

}  // namespace

std::optional<double> parse_number(const std::string& s) {
    double v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

common::Result<Template> parse_template(const std::string& text, const std::string& file) {
    Template t;
    t.file = file;
    t.text = text;
    t.tree = std::make_shared<TemplateTree>();
    auto doc = common::yaml::parse(text, file);
    if (!doc) return std::unexpected(doc.error());
    t.tree->doc = std::move(*doc);
    const Node root = t.tree->doc.root();
    if (!root.is_map() || !root["Resources"].is_map()) {
        return common::fail(ErrorCode::input,
                            file + ": not a CloudFormation template: no Resources");
    }
    if (const Node params = root["Parameters"]) {
        if (!params.is_map())
            return common::fail(ErrorCode::input,
                                where(file, params) + ": Parameters: expected a map");
        for (const auto& [key, value] : params.entries()) {
            auto p = parse_parameter(file, std::string(key.scalar()), value);
            if (!p) return std::unexpected(p.error());
            p->line = key.line();  // where its name is written
            t.parameters.emplace(p->name, std::move(*p));
        }
    }
    return t;
}

common::Result<Template> load_template(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return common::fail(ErrorCode::input, "cannot read template " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return parse_template(text.str(), path);
}

std::vector<ArtifactRef> artifact_refs(const Template& t) {
    std::vector<ArtifactRef> out;
    for (auto& [ref, node] : artifact_nodes(t)) out.push_back(std::move(ref));
    return out;
}

std::string rewrite_as_json(const Template& t, const std::map<std::string, S3Location>& locations) {
    Replacements replace;
    for (const auto& [ref, node] : artifact_nodes(t)) {
        auto found = locations.find(ref.resource + "." + ref.property);
        if (found != locations.end()) replace[node.id()] = {ref.property, found->second};
    }
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    write_node(w, t.tree->doc.root(), replace);
    return buffer.GetString();
}

std::string template_hash(const std::string& body) {
    auto parsed = parse_template(body, "template");
    return "sha256:" + aws::sha256_hex(parsed ? rewrite_as_json(*parsed, {}) : body);
}

}  // namespace deploy
