// Template reading. yaml-cpp keeps a short intrinsic tag (`!Ref X`) as the node's tag and a
// quoted scalar's tag as "!", a plain one's as "?"; the JSON writer uses both to produce
// CloudFormation's long form, the way cfn-flip does.
#include "deploy/template.hpp"

#include <yaml-cpp/yaml.h>

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
    YAML::Node root;
};

namespace {

using common::ErrorCode;

std::string where(const std::string& file, const YAML::Node& n) {
    return file + ":" + std::to_string(n.Mark().line + 1);
}

common::Result<TemplateParameter> parse_parameter(const std::string& file, const std::string& name,
                                                  const YAML::Node& n) {
    TemplateParameter p;
    p.name = name;
    p.line = n.Mark().line + 1;
    const std::string at = where(file, n) + ": parameter " + name;
    if (!n.IsMap()) return common::fail(ErrorCode::input, at + ": expected a map");
    auto scalar = [&](const char* key) -> std::optional<std::string> {
        if (!n[key] || !n[key].IsScalar()) return std::nullopt;
        return n[key].Scalar();
    };
    if (auto t = scalar("Type")) p.type = *t;
    p.default_value = scalar("Default");
    p.allowed_pattern = scalar("AllowedPattern");
    p.no_echo = scalar("NoEcho").value_or("false") == "true";
    if (n["AllowedValues"] && n["AllowedValues"].IsSequence()) {
        for (const auto& v : n["AllowedValues"]) p.allowed_values.push_back(v.Scalar());
    }
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

void write_node(Writer& w, const YAML::Node& n);

void write_scalar(Writer& w, const YAML::Node& n) {
    const std::string& s = n.Scalar();
    if (n.Tag() == "?") {
        if (s == "true" || s == "True" || s == "TRUE") return void(w.Bool(true));
        if (s == "false" || s == "False" || s == "FALSE") return void(w.Bool(false));
        if (s == "null" || s == "~" || s.empty()) return void(w.Null());
        std::int64_t i = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
        if (ec == std::errc() && end == s.data() + s.size()) return void(w.Int64(i));
        if (auto d = parse_number(s); d && s.find_first_of(".eE") != std::string::npos)
            return void(w.Double(*d));
    }
    w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
}

void write_untagged(Writer& w, const YAML::Node& n) {
    if (n.IsMap()) {
        w.StartObject();
        for (const auto& kv : n) {
            const std::string& key = kv.first.Scalar();
            w.Key(key.c_str(), static_cast<rapidjson::SizeType>(key.size()));
            write_node(w, kv.second);
        }
        w.EndObject();
    } else if (n.IsSequence()) {
        w.StartArray();
        for (const auto& v : n) write_node(w, v);
        w.EndArray();
    } else if (n.IsNull()) {
        w.Null();
    } else {
        write_scalar(w, n);
    }
}

void write_node(Writer& w, const YAML::Node& n) {
    const std::string& tag = n.Tag();
    if (tag.size() < 2 || tag[0] != '!' || tag.starts_with("!!") || tag.starts_with("tag:")) {
        return write_untagged(w, n);
    }
    const std::string fn = tag.substr(1);
    w.StartObject();
    if (fn == "Ref" || fn == "Condition") {
        w.Key(fn.c_str());
        w.String(n.Scalar().c_str());
    } else if (fn == "GetAtt" && n.IsScalar()) {
        const std::string& s = n.Scalar();
        const auto dot = s.find('.');
        w.Key("Fn::GetAtt");
        w.StartArray();
        w.String(s.substr(0, dot).c_str());
        w.String(dot == std::string::npos ? "" : s.substr(dot + 1).c_str());
        w.EndArray();
    } else {
        const std::string key = "Fn::" + fn;
        w.Key(key.c_str());
        if (n.IsScalar()) {
            const std::string& s = n.Scalar();
            w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
        } else {
            write_untagged(w, n);
        }
    }
    w.EndObject();
}

// A string node that stays a string in JSON.
YAML::Node quoted(const std::string& s) {
    YAML::Node n(s);
    n.SetTag("!");
    return n;
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
    try {
        t.tree->root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        return common::fail(ErrorCode::input, file + ":" + std::to_string(e.mark.line + 1) +
                                                  ": not a CloudFormation template: " + e.msg);
    }
    const YAML::Node& root = t.tree->root;
    if (!root.IsMap() || !root["Resources"] || !root["Resources"].IsMap()) {
        return common::fail(ErrorCode::input,
                            file + ": not a CloudFormation template: no Resources");
    }
    if (const YAML::Node params = root["Parameters"]; params) {
        if (!params.IsMap())
            return common::fail(ErrorCode::input,
                                where(file, params) + ": Parameters: expected a map");
        for (const auto& kv : params) {
            auto p = parse_parameter(file, kv.first.Scalar(), kv.second);
            if (!p) return std::unexpected(p.error());
            p->line = kv.first.Mark().line + 1;  // where its name is written
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
    for (const auto& kv : t.tree->root["Resources"]) {
        const YAML::Node& resource = kv.second;
        if (!resource.IsMap() || !resource["Type"] || !resource["Properties"]) continue;
        const std::string type = resource["Type"].Scalar();
        for (const auto& rule : k_rules) {
            if (type != rule.type) continue;
            // Node::operator= writes through to the tree; reset() only re-points the handle.
            YAML::Node n = resource["Properties"];
            for (const char* key : rule.property) n.reset(n.IsMap() ? n[key] : YAML::Node());
            if (!n || !n.IsScalar() || (n.Tag() != "?" && n.Tag() != "!")) continue;
            if (is_remote(n.Scalar()) || n.Scalar().empty()) continue;
            out.push_back({kv.first.Scalar(), type, joined(rule.property), n.Scalar()});
        }
    }
    std::sort(out.begin(), out.end(), [](const ArtifactRef& a, const ArtifactRef& b) {
        return std::tie(a.resource, a.property) < std::tie(b.resource, b.property);
    });
    return out;
}

std::string rewrite_as_json(const Template& t, const std::map<std::string, S3Location>& locations) {
    YAML::Node root = YAML::Clone(t.tree->root);
    for (const auto& ref : artifact_refs(t)) {
        auto found = locations.find(ref.resource + "." + ref.property);
        if (found == locations.end()) continue;
        const S3Location& at = found->second;
        YAML::Node props = root["Resources"][ref.resource]["Properties"];
        if (ref.property == "Code") {
            YAML::Node code(YAML::NodeType::Map);
            code["S3Bucket"] = quoted(at.bucket);
            code["S3Key"] = quoted(at.key);
            props["Code"] = code;
        } else if (ref.property == "TemplateURL") {
            props["TemplateURL"] = quoted(at.url);
        } else if (ref.property == "CodeUri") {
            props["CodeUri"] = quoted("s3://" + at.bucket + "/" + at.key);
        } else {
            props["Command"]["ScriptLocation"] = quoted("s3://" + at.bucket + "/" + at.key);
        }
    }
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    write_node(w, root);
    return buffer.GetString();
}

}  // namespace deploy
