// Manifest reading. common::yaml gives the document (libyaml's events as a flat array of
// positioned nodes, within the size, depth and alias limits); this file walks it with a
// small reader that turns every surprise into one positioned error line. Messages are
// assembled only when something is wrong, so a valid 2,000-component manifest costs little
// more than libyaml's scan. Cycles are found here too (graph.cpp owns ordering) so that a
// loaded Manifest is always a valid one.
#include <algorithm>
#include <array>
#include <fstream>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "common/text.hpp"
#include "common/yaml.hpp"
#include "components/glob.hpp"
#include "components/graph.hpp"
#include "components/manifest.hpp"

namespace components {

using common::ErrorCode;
using common::Result;
using common::yaml::Node;

namespace {

const std::vector<std::string> k_top_keys = {
    "version", "project",    "store",        "image",      "global_inputs",
    "ignore",  "components", "environments", "commit_url", "remote"};
const std::vector<std::string> k_remote_keys = {"codebuild"};
const std::vector<std::string> k_codebuild_keys = {"project", "region", "compute_type", "image",
                                                   "privileged"};
const std::vector<std::string> k_image_keys = {"repository", "tag"};
const std::vector<std::string> k_component_keys = {"paths", "depends_on", "kind",   "parameter",
                                                   "build", "timeout",    "remote", "docker"};
const std::vector<std::string> k_docker_keys = {"context", "file", "args", "platform", "target"};
const std::vector<std::string> k_environment_keys = {
    "stack",    "region",           "template",   "base", "promote_from",
    "role_arn", "artifact_bucket",  "parameters", "tags", "capabilities",
    "image",    "service_role_arn", "trigger"};
const std::vector<std::string> k_trigger_keys = {"branch"};
const std::vector<std::string> k_environment_image_keys = {"promote_tags", "immutable"};
const std::vector<std::string> k_capabilities = {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM",
                                                 "CAPABILITY_AUTO_EXPAND"};

constexpr std::string_view k_name_rule =
    "use letters, digits, '.', '_' and '-' (up to 128, starting with a letter or digit)";

std::string node_type(const Node& n) {
    switch (n.kind()) {
        case common::yaml::Kind::map:
            return "a map";
        case common::yaml::Kind::sequence:
            return "a list";
        case common::yaml::Kind::scalar:
            return "a string";
        default:
            return "nothing";
    }
}

bool is_alnum(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

// What a value is called in messages ("component 'a'.paths", "environment 'e'.tags.x"),
// assembled only when a message is built: owner, then 'name' when given, then the parts.
struct What {
    std::string_view owner;
    std::string_view field = {};
    std::string_view key = {};
    std::string_view name = {};
    [[nodiscard]] std::string str() const {
        std::string out(owner);
        if (!name.empty()) out.append(" '").append(name).append("'");
        for (auto part : {field, key}) {
            if (!part.empty()) out.append(out.empty() ? "" : ".").append(part);
        }
        return out;
    }
};

// Walks the document; every method fails with a positioned ErrorCode::input error.
class Reader {
  public:
    explicit Reader(const common::yaml::Document& doc) : m_doc(doc) {}

    SourcePos pos(const Node& n) const { return {m_doc.file(), n.line(), n.column()}; }

    // One line whatever the manifest holds: control characters in echoed names are escaped.
    std::unexpected<common::Error> error(const Node& n, const std::string& message) const {
        return common::fail(ErrorCode::input, m_doc.where(n) + ": " + common::printable(message));
    }

    // Every key is a known one (a string) and appears once; `where` names the map. With
    // `fields`, the value of known[i] goes to fields[i] (absent keys stay false).
    Result<void> check_keys(const Node& map, const std::vector<std::string>& known,
                            const What& where, Node* fields = nullptr) const {
        std::uint64_t seen = 0;  // bit i: known[i] was read (the lists are short)
        for (const auto& [key, value] : map.entries()) {
            const std::string_view name = key.scalar();
            auto at = std::find(known.begin(), known.end(), name);
            if (at == known.end() || !(key.is_scalar() || key.is_null())) {
                return error(key, "unknown key '" + std::string(name) + "' in " + where.str() +
                                      common::did_you_mean(name, known));
            }
            const auto bit = std::uint64_t{1} << (at - known.begin());
            if (seen & bit) {
                return error(key, "duplicate key '" + std::string(name) + "' in " + where.str());
            }
            seen |= bit;
            if (fields) fields[at - known.begin()] = value;
        }
        return {};
    }

    Result<std::string> scalar(const Node& n, const What& what) const {
        if (!n.is_scalar())
            return error(n, what.str() + ": expected a string, got " + node_type(n));
        return std::string(n.scalar());
    }

    // A map key used as a name: a string, not a collection.
    Result<std::string> key_name(const Node& key, const What& what) const {
        if (!key.is_scalar() && !key.is_null())
            return error(key, what.str() + ": expected a name, got " + node_type(key));
        return std::string(key.scalar());
    }

    // Items of a list of strings (absent or null: none).
    Result<void> check_scalar_list(const Node& n, const What& what) const {
        if (!n || n.is_null()) return {};
        if (!n.is_sequence())
            return error(n, what.str() + ": expected a list, got " + node_type(n));
        for (Node item : n.children()) {
            if (!item.is_scalar())
                return error(item, what.str() + ": expected a string, got " + node_type(item));
        }
        return {};
    }

    Result<std::vector<std::string>> strings(const Node& n, const What& what) const {
        if (auto ok = check_scalar_list(n, what); !ok) return std::unexpected(ok.error());
        std::vector<std::string> out;
        out.reserve(n.size());
        for (Node item : n.children()) out.emplace_back(item.scalar());
        return out;
    }

    Result<std::map<std::string, std::string>> scalar_map(const Node& n, const What& what) const {
        std::map<std::string, std::string> out;
        if (!n || n.is_null()) return out;
        if (!n.is_map()) return error(n, what.str() + ": expected a map, got " + node_type(n));
        for (const auto& [key, value] : n.entries()) {
            auto name = key_name(key, what);
            if (!name) return std::unexpected(name.error());
            auto text = scalar(value, {what.owner, what.field, *name, what.name});
            if (!text) return std::unexpected(text.error());
            if (!out.emplace(*name, std::move(*text)).second)
                return error(key, "duplicate key '" + *name + "' in " + what.str());
        }
        return out;
    }

    Result<std::vector<PatternSpec>> patterns(const Node& n, const What& what) const {
        if (auto ok = check_scalar_list(n, what); !ok) return std::unexpected(ok.error());
        std::vector<PatternSpec> out;
        out.reserve(n.size());
        for (Node item : n.children()) {
            const std::string_view text = item.scalar();
            const bool plainly_fine =
                !text.empty() && text.front() != '#' && text.back() != ' ' && text.back() != '\r';
            if (!plainly_fine && !compile_pattern(text)) {
                return error(item, what.str() + ": pattern '" + std::string(item.scalar()) +
                                       "' is empty or a comment");
            }
            out.push_back({std::string(item.scalar()), pos(item)});
        }
        return out;
    }

  private:
    const common::yaml::Document& m_doc;
};

Result<ComponentKind> parse_kind(const Reader& r, const Node& n, const What& what) {
    auto text = r.scalar(n, what);
    if (!text) return std::unexpected(text.error());
    if (*text == "image") return ComponentKind::image;
    if (*text == "library") return ComponentKind::library;
    if (*text == "config") return ComponentKind::config;
    return r.error(n, what.str() + ": '" + *text + "' is not one of image, library, config");
}

Result<std::chrono::seconds> parse_timeout(const Reader& r, const Node& n, const What& what) {
    auto text = r.scalar(n, what);
    if (!text) return std::unexpected(text.error());
    auto seconds = parse_duration(*text);
    if (!seconds && duration_exceeds_limit(*text)) {
        return r.error(n, what.str() + ": '" + *text + "' is longer than the limit of " +
                              std::to_string(k_max_duration.count() / 3600) + "h (7 days)");
    }
    if (!seconds)
        return r.error(n, what.str() + ": bad duration '" + *text + "' (use e.g. 90s, 20m, 1h30m)");
    return *seconds;
}

// The keys of a component, in k_component_keys' order (indices into its fields).
enum ComponentKey : std::size_t {
    k_paths,
    k_depends_on,
    k_kind,
    k_parameter,
    k_build,
    k_timeout,
    k_remote,
    k_docker
};
using ComponentFields = std::array<Node, 8>;

std::string component_where(const Component& c) {
    return "component '" + c.name + "'";
}

// A path of the repository in a `docker` section: relative and clean ("." the root); a
// trailing `/` is dropped.
std::optional<std::string> repo_path(std::string_view text) {
    if (text.size() > 1 && text.back() == '/') text.remove_suffix(1);
    if (text == ".") return std::string(text);
    if (text.empty() || text.front() == '/') return std::nullopt;
    for (std::size_t start = 0; start <= text.size();) {
        const auto end = std::min(text.find('/', start), text.size());
        const auto part = text.substr(start, end - start);
        if (part.empty() || part == "." || part == "..") return std::nullopt;
        start = end + 1;
    }
    return std::string(text);
}

bool all_of_chars(std::string_view text, std::string_view extra) {
    return std::all_of(text.begin(), text.end(), [&](char c) {
        return is_alnum(c) || extra.find(c) != std::string_view::npos;
    });
}

// A component's `docker` section.
Result<DockerBuild> parse_docker(const Reader& r, const Node& n, std::string_view where) {
    const What what{"component", "docker", {}, where};
    if (!n.is_map()) return r.error(n, what.str() + ": expected a map, got " + node_type(n));
    std::array<Node, 5> f;
    if (auto ok = r.check_keys(n, k_docker_keys, what, f.data()); !ok)
        return std::unexpected(ok.error());
    DockerBuild d;
    d.pos = r.pos(n);
    if (!f[0]) return r.error(n, what.str() + ": missing required key 'context'");
    // f[2] (args) is a map, read below.
    const std::array<std::string*, 5> texts = {&d.context, &d.file, nullptr, &d.platform,
                                               &d.target};
    for (std::size_t i = 0; i < texts.size(); ++i) {
        if (!f[i] || !texts[i]) continue;
        auto text = r.scalar(f[i], {"component", "docker", k_docker_keys[i], where});
        if (!text) return std::unexpected(text.error());
        *texts[i] = std::move(*text);
    }
    for (auto [i, out] : {std::pair{0u, &d.context}, {1u, &d.file}}) {
        if (i == 1 && !f[1]) continue;
        auto clean = repo_path(*out);
        if (!clean)
            return r.error(f[i], what.str() + "." + k_docker_keys[i] + ": '" + *out +
                                     "' is not a path of the repository (relative, without "
                                     "'.', '..' or empty parts; '.' is the root)");
        *out = std::move(*clean);
    }
    if (!f[1]) d.file = d.context == "." ? "Dockerfile" : d.context + "/Dockerfile";
    if (d.context != "." && d.file == d.context)
        return r.error(f[1], what.str() + ".file: '" + d.file + "' is the context directory");
    if (!all_of_chars(d.platform, "/_,.-"))
        return r.error(f[3], what.str() + ".platform: '" + d.platform +
                                 "' is not a platform (e.g. linux/amd64, linux/arm64/v8)");
    if (!all_of_chars(d.target, "._-"))
        return r.error(f[4], what.str() + ".target: '" + d.target + "' is not a stage name");
    auto args = r.scalar_map(f[2], {"component", "docker.args", {}, where});
    if (!args) return std::unexpected(args.error());
    for (const auto& [name, value] : *args) {
        if (name.empty() || name.find('=') != std::string::npos || !all_of_chars(name, "_.-"))
            return r.error(f[2], what.str() + ".args: '" + name + "' is not a build argument name");
    }
    d.args = std::move(*args);
    return d;
}

// Field-by-field reading of one component; rules between fields come after. The names in
// messages are assembled only on the way out with an error.
Result<Component> parse_component(const Reader& r, const Node& key, const Node& n,
                                  ComponentFields& f) {
    Component c;
    auto name = r.key_name(key, {"components"});
    if (!name) return std::unexpected(name.error());
    c.name = std::move(*name);
    c.pos = r.pos(key);
    if (!valid_name(c.name))
        return r.error(key, "invalid component name '" + c.name + "': " + std::string(k_name_rule));
    if (!n.is_map())
        return r.error(n, component_where(c) + ": expected a map, got " + node_type(n));
    const std::string_view where = c.name;  // "component 'x'" only when a message needs it
    if (auto ok = r.check_keys(n, k_component_keys, {"component", {}, {}, where}, f.data()); !ok)
        return std::unexpected(ok.error());
    auto what = [&](const char* field) { return What{"component", field, {}, where}; };
    if (f[k_kind]) {
        auto parsed = parse_kind(r, f[k_kind], what("kind"));
        if (!parsed) return std::unexpected(parsed.error());
        c.kind = *parsed;
    }
    if (!f[k_paths]) return r.error(key, component_where(c) + ": missing required key 'paths'");
    auto paths = r.patterns(f[k_paths], what("paths"));
    if (!paths) return std::unexpected(paths.error());
    c.paths = std::move(*paths);
    auto deps = r.strings(f[k_depends_on], what("depends_on"));
    if (!deps) return std::unexpected(deps.error());
    c.depends_on = std::move(*deps);
    for (auto [field, out] :
         {std::pair{k_parameter, &c.parameter}, {k_build, &c.build}, {k_remote, &c.remote}}) {
        if (!f[field]) continue;
        auto text = r.scalar(f[field], what(k_component_keys[field].c_str()));
        if (!text) return std::unexpected(text.error());
        *out = std::move(*text);
    }
    if (f[k_timeout]) {
        auto seconds = parse_timeout(r, f[k_timeout], what("timeout"));
        if (!seconds) return std::unexpected(seconds.error());
        c.timeout = *seconds;
    }
    if (f[k_docker]) {
        auto docker = parse_docker(r, f[k_docker], where);
        if (!docker) return std::unexpected(docker.error());
        c.docker = std::move(*docker);
        if (c.build.empty()) c.build = docker_build_command(*c.docker);
    }
    return c;
}

// Rules that tie a component's fields together.
Result<void> check_component_rules(const Reader& r, const Node& n, const ComponentFields& f,
                                   const Component& c) {
    if (c.paths.empty()) return r.error(f[k_paths], component_where(c) + ": 'paths' is empty");
    if (c.docker && c.kind != ComponentKind::image)
        return r.error(f[k_docker], component_where(c) + ": a " + std::string(to_string(c.kind)) +
                                        " component has no image, so no 'docker'");
    switch (c.kind) {
        case ComponentKind::image:
            if (c.parameter.empty()) {
                return r.error(n, component_where(c) +
                                      ": an image component needs 'parameter' (the "
                                      "CloudFormation parameter that receives its image)");
            }
            if (c.build.empty() && !c.docker)
                return r.error(n, component_where(c) +
                                      ": an image component needs 'build' (or "
                                      "'docker')");
            break;
        case ComponentKind::library:
        case ComponentKind::config:
            if (!c.parameter.empty()) {
                return r.error(f[k_parameter], component_where(c) + ": a " +
                                                   std::string(to_string(c.kind)) +
                                                   " component has no image, so no 'parameter'");
            }
            if (c.kind == ComponentKind::config && !c.build.empty()) {
                return r.error(f[k_build],
                               component_where(c) + ": a config component has no 'build'");
            }
            break;
    }
    if (!c.remote.empty() && c.remote != "codebuild")
        return r.error(f[k_remote],
                       component_where(c) + ".remote: '" + c.remote + "' is not codebuild");
    if (!c.remote.empty() && c.build.empty())
        return r.error(f[k_remote],
                       component_where(c) + ".remote: the component has no 'build' to run there");
    return {};
}

// The error for the first depends_on entry of component `index` that names no component.
std::unexpected<common::Error> unknown_dependency(const Reader& r, const Node& n, const Manifest& m,
                                                  std::size_t index, std::size_t dep) {
    const Component& c = m.components[index];
    auto entry = n.entries().begin();
    std::advance(entry, static_cast<std::ptrdiff_t>(index));
    auto item = (*entry).value["depends_on"].children().begin();
    std::advance(item, static_cast<std::ptrdiff_t>(dep));
    const auto names = m.component_names();
    return r.error(*item, "component '" + c.name + "' depends on unknown component '" +
                              c.depends_on[dep] + "'" +
                              common::did_you_mean(c.depends_on[dep], names));
}

// Every depends_on names a component, and the dependencies have no cycle. The cycle test is
// Kahn's algorithm over indices (no strings); only when it finds one does build_graph run,
// to name the cycle the way every other command does.
Result<void> check_dependencies(const Reader& r, const Node& n, const Manifest& m,
                                const std::unordered_map<std::string_view, std::uint32_t>& index) {
    const std::size_t count = m.components.size();
    std::vector<std::uint32_t> waiting(count), first(count + 1), edges;
    for (std::size_t i = 0; i < count; ++i) {
        const auto& deps = m.components[i].depends_on;
        for (std::size_t d = 0; d < deps.size(); ++d) {
            auto found = index.find(deps[d]);
            if (found == index.end()) return unknown_dependency(r, n, m, i, d);
            ++first[found->second + 1];  // dependents of each component, counted first
        }
        waiting[i] = static_cast<std::uint32_t>(deps.size());
    }
    for (std::size_t i = 0; i < count; ++i) first[i + 1] += first[i];
    edges.resize(first[count]);
    auto fill = first;
    for (std::size_t i = 0; i < count; ++i) {
        for (const auto& dep : m.components[i].depends_on)
            edges[fill[index.at(dep)]++] = static_cast<std::uint32_t>(i);
    }
    std::vector<std::uint32_t> ready;
    for (std::size_t i = 0; i < count; ++i)
        if (waiting[i] == 0) ready.push_back(static_cast<std::uint32_t>(i));
    for (std::size_t done = 0; done < ready.size(); ++done) {
        const auto v = ready[done];
        for (auto e = first[v]; e < first[v + 1]; ++e)
            if (--waiting[edges[e]] == 0) ready.push_back(edges[e]);
    }
    if (ready.size() == count) return {};
    if (auto graph = build_graph(m); !graph) return std::unexpected(graph.error());
    return {};
}

Result<void> parse_components(const Reader& r, const Node& n, Manifest& m) {
    if (!n) return {};
    if (!n.is_map()) return r.error(n, "components: expected a map, got " + node_type(n));
    std::unordered_map<std::string_view, std::uint32_t> index;  // views into the document
    index.reserve(n.size());
    m.components.reserve(n.size());
    for (const auto& [key, value] : n.entries()) {
        const auto at = static_cast<std::uint32_t>(m.components.size());
        if (!index.emplace(key.scalar(), at).second)
            return r.error(key, "duplicate component '" + std::string(key.scalar()) + "'");
        ComponentFields fields;
        auto c = parse_component(r, key, value, fields);
        if (!c) return std::unexpected(c.error());
        if (auto ok = check_component_rules(r, value, fields, *c); !ok) return ok;
        m.components.push_back(std::move(*c));
    }
    return check_dependencies(r, n, m, index);
}

Result<void> parse_environment_image(const Reader& r, const Node& n, const std::string& where,
                                     Environment& e) {
    if (!n) return {};
    const std::string what = where + ".image";
    if (!n.is_map()) return r.error(n, what + ": expected a map, got " + node_type(n));
    if (auto ok = r.check_keys(n, k_environment_image_keys, {what}); !ok) return ok;
    const std::pair<const char*, bool*> flags[] = {{"promote_tags", &e.promote_tags},
                                                   {"immutable", &e.immutable}};
    for (auto [key, out] : flags) {
        Node flag = n[key];
        if (!flag) continue;
        auto value = r.scalar(flag, {what, key});
        if (!value) return std::unexpected(value.error());
        if (*value != "true" && *value != "false")
            return r.error(flag, what + "." + key + ": expected true or false");
        *out = *value == "true";
    }
    return {};
}

// trigger: {branch: B}, the branch `slipway serve` deploys this environment from.
Result<void> parse_trigger(const Reader& r, const Node& n, const std::string& where,
                           Environment& e) {
    if (!n) return {};
    const std::string what = where + ".trigger";
    if (!n.is_map()) return r.error(n, what + ": expected a map, got " + node_type(n));
    if (auto ok = r.check_keys(n, k_trigger_keys, {what}); !ok) return ok;
    Node branch = n["branch"];
    if (!branch) return r.error(n, what + ": missing required key 'branch'");
    auto text = r.scalar(branch, {what, "branch"});
    if (!text) return std::unexpected(text.error());
    e.trigger_branch = std::move(*text);
    return {};
}

// CloudFormation's rule for stack names: a letter, then letters, digits and '-', up to 128.
bool valid_stack_name(std::string_view name) {
    if (name.empty() || name.size() > 128) return false;
    if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z'))) return false;
    return std::all_of(name.begin(), name.end(), [](char ch) { return is_alnum(ch) || ch == '-'; });
}

Result<void> parse_environment_fields(const Reader& r, const Node& n, const std::string& where,
                                      Environment& e) {
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
        Node value = n[field];
        if (!value) continue;
        auto text = r.scalar(value, {where, field});
        if (!text) return std::unexpected(text.error());
        *out = std::move(*text);
    }
    if (Node stack = n["stack"]; stack && !valid_stack_name(e.stack)) {
        return r.error(stack, where + ".stack: invalid stack name '" + e.stack +
                                  "': CloudFormation allows letters, digits and '-' (up to 128, "
                                  "starting with a letter)");
    }
    return {};
}

Result<Environment> parse_environment(const Reader& r, const Node& key, const Node& n) {
    Environment e;
    auto name = r.key_name(key, {"environments"});
    if (!name) return std::unexpected(name.error());
    e.name = std::move(*name);
    e.pos = r.pos(key);
    if (!valid_name(e.name)) {
        return r.error(key,
                       "invalid environment name '" + e.name + "': " + std::string(k_name_rule));
    }
    const std::string where = "environment '" + e.name + "'";
    if (!n.is_map()) return r.error(n, where + ": expected a map, got " + node_type(n));
    if (auto ok = r.check_keys(n, k_environment_keys, {where}); !ok)
        return std::unexpected(ok.error());
    if (auto ok = parse_environment_fields(r, n, where, e); !ok) return std::unexpected(ok.error());
    if (e.stack.empty()) return r.error(key, where + ": missing required key 'stack'");
    auto params = r.scalar_map(n["parameters"], {where, "parameters"});
    if (!params) return std::unexpected(params.error());
    e.parameters = std::move(*params);
    auto tags = r.scalar_map(n["tags"], {where, "tags"});
    if (!tags) return std::unexpected(tags.error());
    e.tags = std::move(*tags);
    if (auto ok = parse_environment_image(r, n["image"], where, e); !ok)
        return std::unexpected(ok.error());
    if (auto ok = parse_trigger(r, n["trigger"], where, e); !ok) return std::unexpected(ok.error());
    Node caps = n["capabilities"];
    if (auto ok = r.check_scalar_list(caps, {where, "capabilities"}); !ok)
        return std::unexpected(ok.error());
    for (Node cap : caps.children()) {
        const std::string text(cap.scalar());
        if (std::find(k_capabilities.begin(), k_capabilities.end(), text) == k_capabilities.end())
            return r.error(cap, where + ": unknown capability '" + text + "'");
        e.capabilities.push_back(text);
    }
    return e;
}

Result<void> parse_environments(const Reader& r, const Node& n, Manifest& m) {
    if (!n) return {};
    if (!n.is_map()) return r.error(n, "environments: expected a map, got " + node_type(n));
    std::unordered_set<std::string_view> seen;
    for (const auto& [key, value] : n.entries()) {
        if (!seen.insert(key.scalar()).second)
            return r.error(key, "duplicate environment '" + std::string(key.scalar()) + "'");
        auto e = parse_environment(r, key, value);
        if (!e) return std::unexpected(e.error());
        m.environments.push_back(std::move(*e));
    }
    std::size_t index = 0;
    for (const auto& [key, value] : n.entries()) {
        const Environment& e = m.environments[index++];
        if (e.promote_from.empty() || seen.contains(e.promote_from)) continue;
        std::vector<std::string> names;
        for (const auto& other : m.environments) names.push_back(other.name);
        return r.error(value["promote_from"],
                       "environment '" + e.name + "' promotes from unknown environment '" +
                           e.promote_from + "'" + common::did_you_mean(e.promote_from, names));
    }
    return {};
}

Result<void> parse_image(const Reader& r, const Node& n, Manifest& m) {
    if (!n) return {};
    if (!n.is_map()) return r.error(n, "image: expected a map, got " + node_type(n));
    if (auto ok = r.check_keys(n, k_image_keys, {"image"}); !ok) return ok;
    if (Node repo = n["repository"]) {
        auto text = r.scalar(repo, {"image", "repository"});
        if (!text) return std::unexpected(text.error());
        m.image.repository = std::move(*text);
    }
    if (Node tag = n["tag"]) {
        auto text = r.scalar(tag, {"image", "tag"});
        if (!text) return std::unexpected(text.error());
        if (auto bad = unknown_placeholder(*text); !bad.empty()) {
            return r.error(tag, "image.tag: unknown placeholder " + bad +
                                    " (known: {component} {build} {commit} {short_commit} "
                                    "{env} {timestamp})");
        }
        m.image.tag = std::move(*text);
    }
    return {};
}

// `remote: {codebuild: {project, region, compute_type, image, privileged}}`.
Result<void> parse_remote(const Reader& r, const Node& n, Manifest& m) {
    if (!n) return {};
    if (!n.is_map()) return r.error(n, "remote: expected a map, got " + node_type(n));
    if (auto ok = r.check_keys(n, k_remote_keys, {"remote"}); !ok) return ok;
    const Node cb = n["codebuild"];
    if (!cb) return {};
    if (!cb.is_map()) return r.error(cb, "remote.codebuild: expected a map, got " + node_type(cb));
    if (auto ok = r.check_keys(cb, k_codebuild_keys, {"remote.codebuild"}); !ok) return ok;
    CodeBuildSettings c;
    c.pos = r.pos(cb);
    const std::pair<const char*, std::string*> fields[] = {{"project", &c.project},
                                                           {"region", &c.region},
                                                           {"compute_type", &c.compute_type},
                                                           {"image", &c.image}};
    for (auto [field, out] : fields) {
        Node value = cb[field];
        if (!value) continue;
        auto text = r.scalar(value, {"remote.codebuild", field});
        if (!text) return std::unexpected(text.error());
        *out = std::move(*text);
    }
    if (c.project.empty()) return r.error(cb, "remote.codebuild: missing required key 'project'");
    if (Node privileged = cb["privileged"]) {
        auto value = r.scalar(privileged, {"remote.codebuild", "privileged"});
        if (!value) return std::unexpected(value.error());
        if (*value != "true" && *value != "false")
            return r.error(privileged, "remote.codebuild.privileged: expected true or false");
        c.privileged = *value == "true";
    }
    m.codebuild = std::move(c);
    return {};
}

// Components that build remotely need somewhere to build.
Result<void> check_remote_builds(const Reader& r, const Node& components, const Manifest& m) {
    if (m.codebuild || !components) return {};
    for (const auto& [key, value] : components.entries()) {
        if (Node remote = value.is_map() ? value["remote"] : Node{}) {
            return r.error(remote, "component '" + std::string(key.scalar()) +
                                       "'.remote: codebuild needs a top-level "
                                       "'remote: {codebuild: {project: ...}}'");
        }
    }
    return {};
}

Result<void> parse_top(const Reader& r, const Node& root, Manifest& m) {
    if (!root.is_map())
        return r.error(root, "expected a map at the top of the manifest, got " + node_type(root));
    if (auto ok = r.check_keys(root, k_top_keys, {"the manifest"}); !ok) return ok;
    if (Node version = root["version"]) {
        auto v = r.scalar(version, {"version"});
        if (!v) return std::unexpected(v.error());
        if (*v != "1")
            return r.error(version,
                           "version: this slipway reads manifest version 1, not '" + *v + "'");
    }
    for (auto [field, out] :
         {std::pair{"project", &m.project}, {"store", &m.store}, {"commit_url", &m.commit_url}}) {
        Node value = root[field];
        if (!value) continue;
        auto text = r.scalar(value, {field});
        if (!text) return std::unexpected(text.error());
        *out = std::move(*text);
    }
    if (auto ok = parse_image(r, root["image"], m); !ok) return ok;
    auto global = r.patterns(root["global_inputs"], {"global_inputs"});
    if (!global) return std::unexpected(global.error());
    m.global_inputs = std::move(*global);
    auto ignore = r.patterns(root["ignore"], {"ignore"});
    if (!ignore) return std::unexpected(ignore.error());
    m.ignore = std::move(*ignore);
    if (auto ok = parse_remote(r, root["remote"], m); !ok) return ok;
    if (auto ok = parse_components(r, root["components"], m); !ok) return ok;
    if (auto ok = check_remote_builds(r, root["components"], m); !ok) return ok;
    return parse_environments(r, root["environments"], m);
}

}  // namespace

bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > 128 || !is_alnum(name[0])) return false;
    return std::all_of(name.begin(), name.end(),
                       [](char ch) { return is_alnum(ch) || ch == '.' || ch == '_' || ch == '-'; });
}

Result<Manifest> parse_manifest(const std::string& text, const std::string& file) {
    common::yaml::Limits limits;
    limits.max_bytes = k_max_manifest_bytes;
    limits.max_depth = k_max_manifest_depth;
    limits.max_alias_nodes = k_max_manifest_alias_nodes;
    auto doc = common::yaml::parse(text, file, limits);
    if (!doc) return std::unexpected(doc.error());
    Manifest m;
    m.file = file;
    const Reader reader(*doc);
    const Node root = doc->root();
    if (auto ok = parse_top(reader, root, m); !ok) return std::unexpected(ok.error());
    if (m.components.empty())
        return common::fail(ErrorCode::input, file + ":1:1: the manifest has no components");
    bool has_image = std::any_of(m.components.begin(), m.components.end(),
                                 [](const Component& c) { return c.kind == ComponentKind::image; });
    if (has_image && m.image.repository.empty()) {
        return reader.error(root["image"] ? root["image"] : root,
                            "image.repository is required when there are image components");
    }
    return m;  // the dependencies were checked (cycles included) with the components
}

Result<Manifest> load_manifest(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return common::fail(ErrorCode::input, "cannot read manifest " + path);
    auto too_big = [&](const std::string& size) {
        return common::fail(ErrorCode::input, path + ":1:1: the file is " + size +
                                                  " bytes, over the limit of " +
                                                  std::to_string(k_max_manifest_bytes) + " bytes");
    };
    in.seekg(0, std::ios::end);
    const auto end = in.tellg();  // -1 for a pipe
    in.clear();
    in.seekg(0, std::ios::beg);
    in.clear();
    if (end > 0 && static_cast<std::size_t>(end) > k_max_manifest_bytes)
        return too_big(std::to_string(static_cast<std::size_t>(end)));  // not even read
    std::string text;
    std::size_t want = end > 0 ? static_cast<std::size_t>(end) : std::size_t{65536};
    while (text.size() <= k_max_manifest_bytes) {  // a pipe, or a file that grows: on to the end
        const std::size_t had = text.size();
        text.resize(std::min(k_max_manifest_bytes + 1, had + want));
        in.read(text.data() + had, static_cast<std::streamsize>(text.size() - had));
        text.resize(had + static_cast<std::size_t>(in.gcount()));
        if (!in) break;
        want = 65536;
    }
    if (in.bad()) return common::fail(ErrorCode::input, "cannot read manifest " + path);
    if (text.size() > k_max_manifest_bytes)
        return too_big("more than " + std::to_string(k_max_manifest_bytes));
    return parse_manifest(text, path);
}

}  // namespace components
