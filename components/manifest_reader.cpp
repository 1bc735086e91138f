// Manifest reading. common::yaml gives the document (libyaml's events as a flat array of
// positioned nodes, within the size, depth and alias limits); this file walks it with a
// small reader that turns every surprise into one positioned error line. Messages are
// assembled only when something is wrong, so a valid 2,000-component manifest costs little
// more than libyaml's scan. The dependency graph is built here too, once, from the indices
// the checks resolve (a cycle is an error), so that a loaded Manifest is always a valid one;
// callers that need the graph take it from the loader rather than building it again.
#include <algorithm>
#include <array>
#include <cerrno>
#include <fstream>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "common/text.hpp"
#include "common/yaml.hpp"
#include "components/glob.hpp"
#include "components/graph.hpp"
#include "components/manifest.hpp"
#include "components/manifest_reader.hpp"

namespace components {

using common::ErrorCode;
using common::Result;
using common::yaml::Node;
using detail::node_type;
using detail::Reader;
using detail::What;
using detail::is_alnum;

namespace {

const std::vector<std::string> k_top_keys = {
    "version",    "project",      "store",      "image",  "global_inputs", "ignore",
    "components", "environments", "commit_url", "remote", "teams"};
const std::vector<std::string> k_remote_keys = {"codebuild"};
const std::vector<std::string> k_codebuild_keys = {"project", "region", "compute_type", "image",
                                                   "privileged"};
const std::vector<std::string> k_image_keys = {"repository", "tag"};
const std::vector<std::string> k_component_keys = {"paths", "depends_on", "kind",   "parameter",
                                                   "build", "timeout",    "remote", "docker"};
const std::vector<std::string> k_docker_keys = {"context", "file", "args", "platform", "target"};

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
        return r.error(
            key, "invalid component name '" + c.name + "': " + std::string(detail::k_name_rule));
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

// Every depends_on names a component, and the dependencies have no cycle: the graph,
// built once from the indices found here (build_graph then compares no names but to order
// ties).
Result<ComponentGraph> check_dependencies(
    const Reader& r, const Node& n, const Manifest& m,
    const std::unordered_map<std::string_view, std::uint32_t>& index) {
    const std::size_t count = m.components.size();
    std::vector<std::size_t> first, deps;
    first.reserve(count + 1);
    first.push_back(0);
    for (std::size_t i = 0; i < count; ++i) {
        const auto& depends_on = m.components[i].depends_on;
        for (std::size_t d = 0; d < depends_on.size(); ++d) {
            auto found = index.find(depends_on[d]);
            if (found == index.end()) return unknown_dependency(r, n, m, i, d);
            deps.push_back(found->second);
        }
        first.push_back(deps.size());
    }
    return build_graph(m, std::move(first), std::move(deps));
}

Result<void> parse_components(const Reader& r, const Node& n, Manifest& m, ComponentGraph& graph) {
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
    auto checked = check_dependencies(r, n, m, index);
    if (!checked) return std::unexpected(checked.error());
    graph = std::move(*checked);
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

Result<void> parse_top(const Reader& r, const Node& root, Manifest& m, ComponentGraph& graph) {
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
    if (auto ok = detail::parse_teams(r, root["teams"], m); !ok) return ok;
    if (auto ok = parse_components(r, root["components"], m, graph); !ok) return ok;
    if (auto ok = check_remote_builds(r, root["components"], m); !ok) return ok;
    return detail::parse_environments(r, root["environments"], m);
}

}  // namespace

bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > 128 || !detail::is_alnum(name[0])) return false;
    return std::all_of(name.begin(), name.end(), [](char ch) {
        return detail::is_alnum(ch) || ch == '.' || ch == '_' || ch == '-';
    });
}

namespace {

Result<Manifest> read_document(Result<common::yaml::Document> doc, const std::string& file,
                               ComponentGraph* graph) {
    if (!doc) return std::unexpected(doc.error());
    Manifest m;
    m.file = file;
    const Reader reader(*doc);
    const Node root = doc->root();
    ComponentGraph checked;
    if (auto ok = parse_top(reader, root, m, checked); !ok) return std::unexpected(ok.error());
    if (m.components.empty())
        return common::fail(ErrorCode::input, file + ":1:1: the manifest has no components");
    bool has_image = std::any_of(m.components.begin(), m.components.end(),
                                 [](const Component& c) { return c.kind == ComponentKind::image; });
    if (has_image && m.image.repository.empty()) {
        return reader.error(root["image"] ? root["image"] : root,
                            "image.repository is required when there are image components");
    }
    if (graph) *graph = std::move(checked);
    return m;  // the dependencies were checked (cycles included) with the components
}

common::yaml::Limits manifest_limits() {
    common::yaml::Limits limits;
    limits.max_bytes = k_max_manifest_bytes;
    limits.max_depth = k_max_manifest_depth;
    limits.max_alias_nodes = k_max_manifest_alias_nodes;
    return limits;
}

}  // namespace

Result<Manifest> parse_manifest(const std::string& text, const std::string& file,
                                ComponentGraph* graph) {
    return read_document(common::yaml::parse(text, file, manifest_limits()), file, graph);
}

Result<Manifest> parse_manifest(std::string&& text, const std::string& file,
                                ComponentGraph* graph) {
    return read_document(common::yaml::parse_owned(std::move(text), file, manifest_limits()), file,
                         graph);
}

Result<Manifest> load_manifest(const std::string& path, ComponentGraph* graph) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        // The usual cause is a repository that has not adopted slipway yet.
        const bool missing = errno == ENOENT;
        return common::fail(ErrorCode::input,
                            "cannot read manifest " + path +
                                (missing ? ": no such file (write one with 'slipway init', or "
                                           "give --manifest)"
                                         : ""));
    }
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
    // A file's size and one byte more, so that the read that finds its end needs no
    // second buffer; a pipe's in blocks.
    std::size_t want = end > 0 ? static_cast<std::size_t>(end) + 1 : std::size_t{65536};
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
    return parse_manifest(std::move(text), path, graph);
}

}  // namespace components
