// Manifest loading. yaml-cpp gives the tree and the position of every node; this file
// walks it with a small reader that turns every surprise into one positioned error line.
// Cycles are found here too (graph.cpp owns ordering) so that a loaded Manifest is always
// a valid one.
#include "components/manifest.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "common/text.hpp"
#include "components/glob.hpp"
#include "components/graph.hpp"

namespace components {

using common::ErrorCode;
using common::Result;

std::string SourcePos::str() const {
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string_view to_string(ComponentKind kind) {
    switch (kind) {
        case ComponentKind::image:
            return "image";
        case ComponentKind::library:
            return "library";
        case ComponentKind::config:
            return "config";
    }
    return "image";
}

const Component* Manifest::find(std::string_view name) const {
    auto it = std::find_if(components.begin(), components.end(),
                           [&](const Component& c) { return c.name == name; });
    return it == components.end() ? nullptr : &*it;
}

std::vector<std::string> Manifest::component_names() const {
    std::vector<std::string> names;
    for (const auto& c : components) names.push_back(c.name);
    return names;
}

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
    static const std::regex form(R"(^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$|^(\d+)$)");
    std::match_results<std::string_view::const_iterator> m;
    if (text.empty() || !std::regex_match(text.begin(), text.end(), m, form)) return std::nullopt;
    auto number = [&](int i) { return m[i].matched ? std::stoll(m[i].str()) : 0LL; };
    long long total = number(1) * 3600 + number(2) * 60 + number(3) + number(4);
    if (total <= 0) return std::nullopt;
    return std::chrono::seconds(total);
}

std::string unknown_placeholder(std::string_view tag_template) {
    static const std::set<std::string, std::less<>> known = {"component",    "build", "commit",
                                                             "short_commit", "env",   "timestamp"};
    for (std::size_t open = tag_template.find('{'); open != std::string_view::npos;
         open = tag_template.find('{', open + 1)) {
        auto close = tag_template.find('}', open);
        if (close == std::string_view::npos) return std::string(tag_template.substr(open));
        auto name = tag_template.substr(open + 1, close - open - 1);
        if (!known.contains(name)) return "{" + std::string(name) + "}";
    }
    return "";
}

namespace {

const std::vector<std::string> k_top_keys = {
    "version", "project",    "store",        "image",      "global_inputs",
    "ignore",  "components", "environments", "commit_url", "remote"};
const std::vector<std::string> k_remote_keys = {"codebuild"};
const std::vector<std::string> k_codebuild_keys = {"project", "region", "compute_type", "image",
                                                   "privileged"};
const std::vector<std::string> k_image_keys = {"repository", "tag"};
const std::vector<std::string> k_component_keys = {"paths", "depends_on", "kind",  "parameter",
                                                   "build", "timeout",    "remote"};
const std::vector<std::string> k_environment_keys = {
    "stack",    "region",           "template",   "base", "promote_from",
    "role_arn", "artifact_bucket",  "parameters", "tags", "capabilities",
    "image",    "service_role_arn", "trigger"};
const std::vector<std::string> k_trigger_keys = {"branch"};
const std::vector<std::string> k_environment_image_keys = {"promote_tags", "immutable"};
const std::vector<std::string> k_capabilities = {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM",
                                                 "CAPABILITY_AUTO_EXPAND"};

std::string node_type(const YAML::Node& n) {
    switch (n.Type()) {
        case YAML::NodeType::Map:
            return "a map";
        case YAML::NodeType::Sequence:
            return "a list";
        case YAML::NodeType::Scalar:
            return "a string";
        default:
            return "nothing";
    }
}

bool valid_component_name(std::string_view name) {
    static const std::regex form("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$");
    return std::regex_match(name.begin(), name.end(), form);
}

// Walks the YAML tree; every method fails with a positioned ErrorCode::input error.
class Reader {
  public:
    explicit Reader(std::string file) : m_file(std::move(file)) {}

    SourcePos pos(const YAML::Node& n) const {
        auto m = n.Mark();
        return {m_file, m.line + 1, m.column + 1};
    }

    std::unexpected<common::Error> error(const YAML::Node& n, const std::string& message) const {
        return common::fail(ErrorCode::input, pos(n).str() + ": " + message);
    }

    // Every key is a known one and appears once; `where` names the map in messages.
    Result<void> check_keys(const YAML::Node& map, const std::vector<std::string>& known,
                            const std::string& where) const {
        std::set<std::string> seen;
        for (auto it = map.begin(); it != map.end(); ++it) {
            const std::string key = it->first.Scalar();
            if (std::find(known.begin(), known.end(), key) == known.end()) {
                std::string message = "unknown key '" + key + "' in " + where;
                if (auto hint = common::closest_match(key, known); !hint.empty()) {
                    message += " (did you mean '" + hint + "'?)";
                }
                return error(it->first, message);
            }
            if (!seen.insert(key).second) {
                return error(it->first, "duplicate key '" + key + "' in " + where);
            }
        }
        return {};
    }

    Result<std::string> scalar(const YAML::Node& n, const std::string& what) const {
        if (!n.IsScalar()) return error(n, what + ": expected a string, got " + node_type(n));
        return n.Scalar();
    }

    Result<std::vector<std::pair<std::string, SourcePos>>> scalar_list(
        const YAML::Node& n, const std::string& what) const {
        std::vector<std::pair<std::string, SourcePos>> out;
        if (!n.IsDefined() || n.IsNull()) return out;
        if (!n.IsSequence()) return error(n, what + ": expected a list, got " + node_type(n));
        for (const auto& item : n) {
            auto value = scalar(item, what);
            if (!value) return std::unexpected(value.error());
            out.emplace_back(*value, pos(item));
        }
        return out;
    }

    Result<std::map<std::string, std::string>> scalar_map(const YAML::Node& n,
                                                          const std::string& what) const {
        std::map<std::string, std::string> out;
        if (!n.IsDefined() || n.IsNull()) return out;
        if (!n.IsMap()) return error(n, what + ": expected a map, got " + node_type(n));
        for (auto it = n.begin(); it != n.end(); ++it) {
            auto value = scalar(it->second, what + "." + it->first.Scalar());
            if (!value) return std::unexpected(value.error());
            if (!out.emplace(it->first.Scalar(), *value).second) {
                return error(it->first, "duplicate key '" + it->first.Scalar() + "' in " + what);
            }
        }
        return out;
    }

    Result<std::vector<PatternSpec>> patterns(const YAML::Node& n, const std::string& what) const {
        auto items = scalar_list(n, what);
        if (!items) return std::unexpected(items.error());
        std::vector<PatternSpec> out;
        for (auto& [text, where] : *items) {
            if (!compile_pattern(text)) {
                return common::fail(ErrorCode::input, where.str() + ": " + what + ": pattern '" +
                                                          text + "' is empty or a comment");
            }
            out.push_back({text, where});
        }
        return out;
    }

  private:
    std::string m_file;
};

Result<ComponentKind> parse_kind(const Reader& r, const YAML::Node& n, const std::string& where) {
    auto text = r.scalar(n, where + ".kind");
    if (!text) return std::unexpected(text.error());
    if (*text == "image") return ComponentKind::image;
    if (*text == "library") return ComponentKind::library;
    if (*text == "config") return ComponentKind::config;
    return r.error(n, where + ".kind: '" + *text + "' is not one of image, library, config");
}

// Field-by-field reading of one component; rules between fields come after.
Result<Component> parse_component(const Reader& r, const YAML::Node& key, const YAML::Node& n) {
    Component c;
    c.name = key.Scalar();
    c.pos = r.pos(key);
    const std::string where = "component '" + c.name + "'";
    if (!valid_component_name(c.name)) {
        return r.error(key, "invalid component name '" + c.name +
                                "': use letters, digits, '.', '_' and '-' (up to 128, "
                                "starting with a letter or digit)");
    }
    if (!n.IsMap()) return r.error(n, where + ": expected a map, got " + node_type(n));
    if (auto ok = r.check_keys(n, k_component_keys, where); !ok) return std::unexpected(ok.error());
    if (n["kind"]) {
        auto kind = parse_kind(r, n["kind"], where);
        if (!kind) return std::unexpected(kind.error());
        c.kind = *kind;
    }
    if (!n["paths"]) return r.error(key, where + ": missing required key 'paths'");
    auto paths = r.patterns(n["paths"], where + ".paths");
    if (!paths) return std::unexpected(paths.error());
    c.paths = std::move(*paths);
    auto deps = r.scalar_list(n["depends_on"], where + ".depends_on");
    if (!deps) return std::unexpected(deps.error());
    for (auto& [dep, _] : *deps) c.depends_on.push_back(dep);
    for (auto [field, out] :
         {std::pair{"parameter", &c.parameter}, {"build", &c.build}, {"remote", &c.remote}}) {
        if (!n[field]) continue;
        auto value = r.scalar(n[field], where + "." + field);
        if (!value) return std::unexpected(value.error());
        *out = *value;
    }
    if (n["timeout"]) {
        auto text = r.scalar(n["timeout"], where + ".timeout");
        if (!text) return std::unexpected(text.error());
        auto seconds = parse_duration(*text);
        if (!seconds) {
            return r.error(n["timeout"], where + ".timeout: bad duration '" + *text +
                                             "' (use e.g. 90s, 20m, 1h30m)");
        }
        c.timeout = *seconds;
    }
    return c;
}

// Rules that tie a component's fields together.
Result<void> check_component_rules(const Reader& r, const YAML::Node& n, const Component& c) {
    const std::string where = "component '" + c.name + "'";
    if (c.paths.empty()) return r.error(n["paths"], where + ": 'paths' is empty");
    switch (c.kind) {
        case ComponentKind::image:
            if (c.parameter.empty()) {
                return r.error(n, where +
                                      ": an image component needs 'parameter' (the "
                                      "CloudFormation parameter that receives its image)");
            }
            if (c.build.empty()) return r.error(n, where + ": an image component needs 'build'");
            break;
        case ComponentKind::library:
        case ComponentKind::config:
            if (!c.parameter.empty()) {
                return r.error(n["parameter"], where + ": a " + std::string(to_string(c.kind)) +
                                                   " component has no image, so no 'parameter'");
            }
            if (c.kind == ComponentKind::config && !c.build.empty()) {
                return r.error(n["build"], where + ": a config component has no 'build'");
            }
            break;
    }
    if (!c.remote.empty() && c.remote != "codebuild")
        return r.error(n["remote"], where + ".remote: '" + c.remote + "' is not codebuild");
    if (!c.remote.empty() && c.build.empty())
        return r.error(n["remote"], where + ".remote: the component has no 'build' to run there");
    return {};
}

Result<void> parse_components(const Reader& r, const YAML::Node& n, Manifest& m) {
    if (!n) return {};
    if (!n.IsMap()) return r.error(n, "components: expected a map, got " + node_type(n));
    std::set<std::string> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
        if (!seen.insert(it->first.Scalar()).second) {
            return r.error(it->first, "duplicate component '" + it->first.Scalar() + "'");
        }
        auto c = parse_component(r, it->first, it->second);
        if (!c) return std::unexpected(c.error());
        if (auto ok = check_component_rules(r, it->second, *c); !ok) return ok;
        m.components.push_back(std::move(*c));
    }
    // References between components, once all are known.
    const auto names = m.component_names();
    std::size_t index = 0;
    for (auto it = n.begin(); it != n.end(); ++it, ++index) {
        const Component& c = m.components[index];
        const YAML::Node deps = it->second["depends_on"];
        for (std::size_t i = 0; i < c.depends_on.size(); ++i) {
            const std::string& dep = c.depends_on[i];
            if (seen.contains(dep)) continue;
            std::string message =
                "component '" + c.name + "' depends on unknown component '" + dep + "'";
            if (auto hint = common::closest_match(dep, names); !hint.empty()) {
                message += " (did you mean '" + hint + "'?)";
            }
            return r.error(deps[i], message);
        }
    }
    return {};
}

Result<void> parse_environment_image(const Reader& r, const YAML::Node& n, const std::string& where,
                                     Environment& e) {
    if (!n) return {};
    if (!n.IsMap()) return r.error(n, where + ".image: expected a map, got " + node_type(n));
    if (auto ok = r.check_keys(n, k_environment_image_keys, where + ".image"); !ok) return ok;
    const std::pair<const char*, bool*> flags[] = {{"promote_tags", &e.promote_tags},
                                                   {"immutable", &e.immutable}};
    for (auto [key, out] : flags) {
        if (!n[key]) continue;
        auto value = r.scalar(n[key], where + ".image." + key);
        if (!value) return std::unexpected(value.error());
        if (*value != "true" && *value != "false")
            return r.error(n[key], where + ".image." + key + ": expected true or false");
        *out = *value == "true";
    }
    return {};
}

Result<Environment> parse_environment(const Reader& r, const YAML::Node& key, const YAML::Node& n) {
    Environment e;
    e.name = key.Scalar();
    e.pos = r.pos(key);
    const std::string where = "environment '" + e.name + "'";
    if (!n.IsMap()) return r.error(n, where + ": expected a map, got " + node_type(n));
    if (auto ok = r.check_keys(n, k_environment_keys, where); !ok)
        return std::unexpected(ok.error());
    const std::pair<const char*, std::string*> fields[] = {
        {"stack", &e.stack},
        {"region", &e.region},
        {"template", &e.template_path},
        {"base", &e.base},
        {"promote_from", &e.promote_from},
        {"role_arn", &e.role_arn},
        {"service_role_arn", &e.service_role_arn},
        {"artifact_bucket", &e.artifact_bucket}};
    for (auto [field, out] : fields) {
        if (!n[field]) continue;
        auto value = r.scalar(n[field], where + "." + field);
        if (!value) return std::unexpected(value.error());
        *out = *value;
    }
    if (e.stack.empty()) return r.error(key, where + ": missing required key 'stack'");
    auto params = r.scalar_map(n["parameters"], where + ".parameters");
    if (!params) return std::unexpected(params.error());
    e.parameters = std::move(*params);
    auto tags = r.scalar_map(n["tags"], where + ".tags");
    if (!tags) return std::unexpected(tags.error());
    e.tags = std::move(*tags);
    if (auto ok = parse_environment_image(r, n["image"], where, e); !ok)
        return std::unexpected(ok.error());
    if (const auto t = n["trigger"]) {
        if (!t.IsMap()) return r.error(t, where + ".trigger: expected a map, got " + node_type(t));
        if (auto ok = r.check_keys(t, k_trigger_keys, where + ".trigger"); !ok)
            return std::unexpected(ok.error());
        if (!t["branch"]) return r.error(t, where + ".trigger: missing required key 'branch'");
        auto branch = r.scalar(t["branch"], where + ".trigger.branch");
        if (!branch) return std::unexpected(branch.error());
        e.trigger_branch = *branch;
    }
    auto caps = r.scalar_list(n["capabilities"], where + ".capabilities");
    if (!caps) return std::unexpected(caps.error());
    for (auto& [cap, cap_pos] : *caps) {
        if (std::find(k_capabilities.begin(), k_capabilities.end(), cap) == k_capabilities.end()) {
            return common::fail(ErrorCode::input, cap_pos.str() + ": " + where +
                                                      ": unknown capability '" + cap + "'");
        }
        e.capabilities.push_back(cap);
    }
    return e;
}

Result<void> parse_environments(const Reader& r, const YAML::Node& n, Manifest& m) {
    if (!n) return {};
    if (!n.IsMap()) return r.error(n, "environments: expected a map, got " + node_type(n));
    std::set<std::string> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
        if (!seen.insert(it->first.Scalar()).second) {
            return r.error(it->first, "duplicate environment '" + it->first.Scalar() + "'");
        }
        auto e = parse_environment(r, it->first, it->second);
        if (!e) return std::unexpected(e.error());
        m.environments.push_back(std::move(*e));
    }
    for (auto it = n.begin(); it != n.end(); ++it) {
        const std::string from =
            it->second["promote_from"] ? it->second["promote_from"].Scalar() : "";
        if (!from.empty() && !seen.contains(from)) {
            return r.error(it->second["promote_from"], "environment '" + it->first.Scalar() +
                                                           "' promotes from unknown environment '" +
                                                           from + "'");
        }
    }
    return {};
}

Result<void> parse_image(const Reader& r, const YAML::Node& n, Manifest& m) {
    if (!n) return {};
    if (!n.IsMap()) return r.error(n, "image: expected a map, got " + node_type(n));
    if (auto ok = r.check_keys(n, k_image_keys, "image"); !ok) return ok;
    if (n["repository"]) {
        auto repo = r.scalar(n["repository"], "image.repository");
        if (!repo) return std::unexpected(repo.error());
        m.image.repository = *repo;
    }
    if (n["tag"]) {
        auto tag = r.scalar(n["tag"], "image.tag");
        if (!tag) return std::unexpected(tag.error());
        if (auto bad = unknown_placeholder(*tag); !bad.empty()) {
            return r.error(n["tag"], "image.tag: unknown placeholder " + bad +
                                         " (known: {component} {build} {commit} {short_commit} "
                                         "{env} {timestamp})");
        }
        m.image.tag = *tag;
    }
    return {};
}

// `remote: {codebuild: {project, region, compute_type, image, privileged}}`.
Result<void> parse_remote(const Reader& r, const YAML::Node& n, Manifest& m) {
    if (!n) return {};
    if (!n.IsMap()) return r.error(n, "remote: expected a map, got " + node_type(n));
    if (auto ok = r.check_keys(n, k_remote_keys, "remote"); !ok) return ok;
    const YAML::Node cb = n["codebuild"];
    if (!cb) return {};
    if (!cb.IsMap()) return r.error(cb, "remote.codebuild: expected a map, got " + node_type(cb));
    if (auto ok = r.check_keys(cb, k_codebuild_keys, "remote.codebuild"); !ok) return ok;
    CodeBuildSettings c;
    c.pos = r.pos(cb);
    const std::pair<const char*, std::string*> fields[] = {{"project", &c.project},
                                                           {"region", &c.region},
                                                           {"compute_type", &c.compute_type},
                                                           {"image", &c.image}};
    for (auto [field, out] : fields) {
        if (!cb[field]) continue;
        auto value = r.scalar(cb[field], std::string("remote.codebuild.") + field);
        if (!value) return std::unexpected(value.error());
        *out = *value;
    }
    if (c.project.empty()) return r.error(cb, "remote.codebuild: missing required key 'project'");
    if (cb["privileged"]) {
        auto value = r.scalar(cb["privileged"], "remote.codebuild.privileged");
        if (!value) return std::unexpected(value.error());
        if (*value != "true" && *value != "false")
            return r.error(cb["privileged"], "remote.codebuild.privileged: expected true or false");
        c.privileged = *value == "true";
    }
    m.codebuild = std::move(c);
    return {};
}

// Components that build remotely need somewhere to build.
Result<void> check_remote_builds(const Reader& r, const YAML::Node& components, const Manifest& m) {
    if (m.codebuild) return {};
    for (auto it = components.begin(); it != components.end(); ++it) {
        if (it->second.IsMap() && it->second["remote"]) {
            return r.error(it->second["remote"], "component '" + it->first.Scalar() +
                                                     "'.remote: codebuild needs a top-level "
                                                     "'remote: {codebuild: {project: ...}}'");
        }
    }
    return {};
}

Result<void> parse_top(const Reader& r, const YAML::Node& root, Manifest& m) {
    if (!root.IsMap())
        return r.error(root, "expected a map at the top of the manifest, got " + node_type(root));
    if (auto ok = r.check_keys(root, k_top_keys, "the manifest"); !ok) return ok;
    if (root["version"]) {
        auto v = r.scalar(root["version"], "version");
        if (!v) return std::unexpected(v.error());
        if (*v != "1")
            return r.error(root["version"],
                           "version: this slipway reads manifest version 1, not '" + *v + "'");
    }
    for (auto [field, out] :
         {std::pair{"project", &m.project}, {"store", &m.store}, {"commit_url", &m.commit_url}}) {
        if (!root[field]) continue;
        auto value = r.scalar(root[field], field);
        if (!value) return std::unexpected(value.error());
        *out = *value;
    }
    if (auto ok = parse_image(r, root["image"], m); !ok) return ok;
    auto global = r.patterns(root["global_inputs"], "global_inputs");
    if (!global) return std::unexpected(global.error());
    m.global_inputs = std::move(*global);
    auto ignore = r.patterns(root["ignore"], "ignore");
    if (!ignore) return std::unexpected(ignore.error());
    m.ignore = std::move(*ignore);
    if (auto ok = parse_remote(r, root["remote"], m); !ok) return ok;
    if (auto ok = parse_components(r, root["components"], m); !ok) return ok;
    if (auto ok = check_remote_builds(r, root["components"], m); !ok) return ok;
    return parse_environments(r, root["environments"], m);
}

}  // namespace

Result<Manifest> parse_manifest(const std::string& text, const std::string& file) {
    Manifest m;
    m.file = file;
    Reader reader(file);
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        return common::fail(ErrorCode::input, file + ":" + std::to_string(e.mark.line + 1) + ":" +
                                                  std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
    if (auto ok = parse_top(reader, root, m); !ok) return std::unexpected(ok.error());
    if (m.components.empty()) {
        return common::fail(ErrorCode::input, file + ":1:1: the manifest has no components");
    }
    bool has_image = std::any_of(m.components.begin(), m.components.end(),
                                 [](const Component& c) { return c.kind == ComponentKind::image; });
    if (has_image && m.image.repository.empty()) {
        return reader.error(root["image"] ? root["image"] : root,
                            "image.repository is required when there are image components");
    }
    if (auto graph = build_graph(m); !graph) return std::unexpected(graph.error());
    return m;
}

Result<Manifest> load_manifest(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return common::fail(ErrorCode::input, "cannot read manifest " + path);
    std::stringstream text;
    text << in.rdbuf();
    return parse_manifest(text.str(), path);
}

}  // namespace components
