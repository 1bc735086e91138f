// Queries over the version store: `slipway history`, `slipway status`, `slipway diffs`.
#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <set>

#include "cli/command.hpp"
#include "cli/project.hpp"
#include "cli/runtime.hpp"
#include "common/text.hpp"

namespace cli {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

struct QueryOptions {
    std::string repo = ".";
    std::string manifest;
    std::string store;
    std::string env;
    std::string subject;  // the component or the commit
    std::size_t limit = 20;
    bool json = false;
};

// The repository (if any), its manifest (if it loads) and the store (nullptr: none yet).
struct Context {
    std::optional<diff::Repository> repo;
    std::optional<components::Manifest> manifest;
    std::unique_ptr<versioning::VersionStore> store;
};

common::Result<Context> open_context(const QueryOptions& o) {
    Context c;
    if (auto repo = diff::Repository::open(o.repo)) c.repo = std::move(*repo);
    if (c.repo || !o.manifest.empty()) {
        auto manifest = load_project_manifest(c.repo ? &*c.repo : nullptr, o.manifest, "HEAD");
        if (!manifest && !o.manifest.empty()) return std::unexpected(manifest.error());
        if (manifest) c.manifest = std::move(*manifest);
    }
    const std::string root = c.repo ? c.repo->root().string() : ".";
    auto store = open_store_at(store_url(o.store, c.manifest ? &*c.manifest : nullptr), root, true);
    if (!store) return std::unexpected(store.error());
    c.store = std::move(*store);
    return c;
}

common::Result<std::vector<std::string>> all_components(Context& c) {
    std::set<std::string> names;
    if (c.manifest) {
        for (const auto& n : c.manifest->component_names()) names.insert(n);
    }
    if (c.store) {
        auto known = c.store->known_components();
        if (!known) return std::unexpected(known.error());
        names.insert(known->begin(), known->end());
    }
    return std::vector<std::string>(names.begin(), names.end());
}

void write_build(JsonWriter& w, const versioning::BuildRecord& b) {
    w.StartObject();
    w.Key("build_number");
    b.build_number ? w.Int64(b.build_number) : w.Null();
    w.Key("commit"), w.String(b.commit.c_str());
    w.Key("exit_code");
    b.exit_code ? w.Int(*b.exit_code) : w.Null();
    w.Key("finished_at");
    b.finished_at ? w.String(iso_time(*b.finished_at).c_str()) : w.Null();
    w.Key("image_uri"), w.String(b.image_uri.c_str());
    w.Key("input_hash"), w.String(b.input_hash.c_str());
    w.Key("log_path"), w.String(b.log_path.c_str());
    w.Key("run_id"), w.String(b.run_id.c_str());
    w.Key("started_at"), w.String(iso_time(b.started_at).c_str());
    w.Key("status"), w.String(std::string(versioning::to_string(b.status)).c_str());
    w.EndObject();
}

std::string build_line(const versioning::BuildRecord& b) {
    const std::string number = b.build_number ? "#" + std::to_string(b.build_number) : "-";
    return fmt::format("  {:<7} {:<11} {}  {}  {}\n", number, versioning::to_string(b.status),
                       iso_time(b.started_at), b.commit.substr(0, 12),
                       b.image_uri.empty() ? "-" : b.image_uri);
}

common::Result<int> run_history(const QueryOptions& o) {
    auto c = open_context(o);
    if (!c) return std::unexpected(c.error());
    auto names = all_components(*c);
    if (!names) return std::unexpected(names.error());
    if (std::find(names->begin(), names->end(), o.subject) == names->end()) {
        std::string message = "unknown component '" + o.subject + "'";
        if (auto hint = common::closest_match(o.subject, *names); !hint.empty())
            message += " (did you mean '" + hint + "'?)";
        return common::fail(common::ErrorCode::input, message);
    }
    std::vector<versioning::BuildRecord> builds;
    std::vector<versioning::ComponentDeployment> deployments;
    if (c->store) {
        auto b = c->store->builds_of(o.subject, o.limit);
        if (!b) return std::unexpected(b.error());
        builds = std::move(*b);
        auto d = c->store->deployments_of(o.subject, o.env, o.limit);
        if (!d) return std::unexpected(d.error());
        deployments = std::move(*d);
    }
    if (!o.json) {
        std::string out = o.subject + "\nbuilds:\n";
        for (const auto& b : builds) out += build_line(b);
        if (builds.empty()) out += "  none\n";
        out += "deployments:\n";
        for (const auto& d : deployments) {
            // "new": this deployment changed the component's image; "kept": it redeployed the
            // image the environment already had (a deploy carries every component).
            out += fmt::format("  {:<10} #{:<5} {:<10} {:<8} {:<4}  {}  {}\n", d.env,
                               d.build_number, d.status, d.kind, d.changed ? "new" : "kept",
                               d.finished_at ? iso_time(*d.finished_at) : "-", d.image_uri);
        }
        if (deployments.empty()) out += "  none\n";
        write_out(out);
        return 0;
    }
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("builds");
    w.StartArray();
    for (const auto& b : builds) write_build(w, b);
    w.EndArray();
    w.Key("component"), w.String(o.subject.c_str());
    w.Key("deployments");
    w.StartArray();
    for (const auto& d : deployments) {
        w.StartObject();
        w.Key("build_number"), w.Int64(d.build_number);
        w.Key("changed"), w.Bool(d.changed);
        w.Key("commit"), w.String(d.commit.c_str());
        w.Key("deployment_id"), w.Int64(d.deployment_id);
        w.Key("env"), w.String(d.env.c_str());
        w.Key("finished_at");
        d.finished_at ? w.String(iso_time(*d.finished_at).c_str()) : w.Null();
        w.Key("image_uri"), w.String(d.image_uri.c_str());
        w.Key("kind"), w.String(d.kind.c_str());
        w.Key("status"), w.String(d.status.c_str());
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    write_out(std::string(buffer.GetString(), buffer.GetSize()) + "\n");
    return 0;
}

// What a component without builds is: a library or config component has none to have.
std::string never_built(const Context& c, const std::string& name) {
    const auto* comp = c.manifest ? c.manifest->find(name) : nullptr;
    if (comp && comp->kind != components::ComponentKind::image)
        return "(" + std::string(components::to_string(comp->kind)) + ")";
    return "never built";
}

common::Result<int> run_status(const QueryOptions& o) {
    auto c = open_context(o);
    if (!c) return std::unexpected(c.error());
    auto names = all_components(*c);
    if (!names) return std::unexpected(names.error());
    std::map<std::string, versioning::BuildRecord> latest;
    std::vector<versioning::DeploymentRecord> current;
    if (c->store) {
        auto l = c->store->latest_builds();
        if (!l) return std::unexpected(l.error());
        for (auto& b : *l) latest.emplace(b.component, std::move(b));
        auto d = c->store->current_deployments(o.env);
        if (!d) return std::unexpected(d.error());
        current = std::move(*d);
    }
    auto deployed = [&](const versioning::DeploymentRecord& d,
                        const std::string& name) -> const versioning::DeploymentImage* {
        for (const auto& i : d.images) {
            if (i.component == name) return &i;
        }
        return nullptr;
    };
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    std::string text = fmt::format("{:<24} {:<8} {:<11}", "component", "latest", "status");
    for (const auto& d : current) text += fmt::format(" {:<10}", d.env);
    text += "\n";
    w.StartObject();
    w.Key("components");
    w.StartArray();
    for (const auto& name : *names) {
        const auto it = latest.find(name);
        const bool built = it != latest.end();
        text += fmt::format(
            "{:<24} {:<8} {:<11}", name,
            built && it->second.build_number ? "#" + std::to_string(it->second.build_number) : "-",
            built ? versioning::to_string(it->second.status) : never_built(*c, name));
        w.StartObject();
        w.Key("deployed");
        w.StartObject();
        for (const auto& d : current) {
            const auto* image = deployed(d, name);
            text += fmt::format(" {:<10}", image ? "#" + std::to_string(image->build_number) : "-");
            if (!image) continue;
            w.Key(d.env.c_str());
            w.StartObject();
            w.Key("build_number"), w.Int64(image->build_number);
            w.Key("deployment_id"), w.Int64(d.id);
            w.Key("image_uri"), w.String(image->image_uri.c_str());
            w.EndObject();
        }
        w.EndObject();
        w.Key("latest_build");
        built ? write_build(w, it->second) : (void)w.Null();
        w.Key("name"), w.String(name.c_str());
        w.EndObject();
        text += "\n";
    }
    w.EndArray();
    w.Key("environments");
    w.StartArray();
    for (const auto& d : current) w.String(d.env.c_str());
    w.EndArray();
    w.EndObject();
    write_out(o.json ? std::string(buffer.GetString(), buffer.GetSize()) + "\n" : text);
    return 0;
}

common::Result<int> run_diffs(const QueryOptions& o) {
    auto c = open_context(o);
    if (!c) return std::unexpected(c.error());
    std::string commit = o.subject;
    if (c->repo) {
        auto id = c->repo->resolve_commit(o.subject);
        if (!id) return std::unexpected(id.error());
        commit = *id;
    }
    std::vector<versioning::DiffRecord> diffs;
    if (c->store) {
        auto d = c->store->diffs_of(commit);
        if (!d) return std::unexpected(d.error());
        diffs = std::move(*d);
    }
    if (!o.json) {
        std::string out;
        for (const auto& d : diffs) {
            out += d.component + "\n";
            for (const auto& p : d.paths) out += "  " + p + "\n";
        }
        if (diffs.empty()) out = "no recorded changes for " + commit + "\n";
        write_out(out);
        return 0;
    }
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("commit"), w.String(commit.c_str());
    w.Key("components");
    w.StartArray();
    for (const auto& d : diffs) {
        w.StartObject();
        w.Key("name"), w.String(d.component.c_str());
        w.Key("paths");
        w.StartArray();
        for (const auto& p : d.paths)
            w.String(p.c_str(), static_cast<rapidjson::SizeType>(p.size()));
        w.EndArray();
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    write_out(std::string(buffer.GetString(), buffer.GetSize()) + "\n");
    return 0;
}

std::shared_ptr<QueryOptions> common_options(CLI::App& sub) {
    auto o = std::make_shared<QueryOptions>();
    add_project_options(sub, o->repo, &o->manifest);
    sub.add_option("--store", o->store, "version store URL (default: sqlite:.slipway/state.db)");
    sub.add_flag("--json", o->json, "print JSON (docs/json.md)");
    return o;
}

}  // namespace

Handler setup_history(CLI::App& sub) {
    auto o = common_options(sub);
    sub.add_option("component", o->subject, "the component")->required();
    sub.add_option("--env", o->env, "deployments to this environment only");
    sub.add_option("--limit", o->limit, "at most this many builds and deployments (default 20)");
    return [o] { return run_history(*o); };
}

Handler setup_status(CLI::App& sub) {
    auto o = common_options(sub);
    sub.add_option("--env", o->env, "this environment only");
    return [o] { return run_status(*o); };
}

Handler setup_diffs(CLI::App& sub) {
    auto o = common_options(sub);
    sub.add_option("commit", o->subject, "a commit (any ref inside a repository)")->required();
    return [o] { return run_diffs(*o); };
}

}  // namespace cli
