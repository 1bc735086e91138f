// See history.hpp.
#include "pipeline/history.hpp"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "common/text.hpp"
#include "pipeline/stacks.hpp"

namespace pipeline {
namespace {

// The newest requests of an environment read for a history's trails (a request is one per
// promotion into a gated environment; older ones than this are shown by their note alone).
constexpr std::size_t k_requests_looked_at = 500;

}  // namespace

common::Result<QueryContext> open_for_query(const ProjectRequest& r) {
    QueryContext c;
    auto repo = diff::Repository::open(r.repo);
    if (repo) c.repo = std::move(*repo);
    const bool store_named =
        !r.store.empty() || (std::getenv("SLIPWAY_STORE") && *std::getenv("SLIPWAY_STORE"));
    // Outside a repository, with neither a manifest nor a store named, there is nothing to
    // ask: say so rather than answer from an empty store in the current folder.
    if (!c.repo && r.manifest.empty() && !store_named)
        return std::unexpected(
            repo.error().with_context("no manifest and no store to read (give --repo, "
                                      "--manifest or --store)"));
    if (c.repo || !r.manifest.empty()) {
        auto manifest = load_project_manifest(c.repo ? &*c.repo : nullptr, r.manifest, "HEAD");
        if (!manifest && !r.manifest.empty()) return std::unexpected(manifest.error());
        if (manifest) c.manifest = std::move(*manifest);
    }
    const std::string root = c.repo ? c.repo->root().string() : ".";
    const std::string url = store_url(r.store, c.manifest_or_null());
    auto store = open_store_at(url, root, true);
    if (!store) return std::unexpected(store.error());
    // A store that does not exist has recorded nothing: a mistyped --store would otherwise
    // answer "never built" for everything.
    if (!*store)
        return common::fail(common::ErrorCode::input,
                            "the version store " + url + " does not exist (relative to " + root +
                                "): check --store / SLIPWAY_STORE, or build or deploy first "
                                "(slipway store init creates an empty one)");
    c.store = std::move(*store);
    return c;
}

common::Result<void> check_environment(const components::Manifest* manifest,
                                       const std::string& env) {
    if (env.empty() || !manifest) return {};
    std::vector<std::string> names;
    for (const auto& e : manifest->environments) {
        if (e.name == env) return {};
        names.push_back(e.name);
    }
    std::string message = manifest->file + ": unknown environment '" + env + "'";
    message += common::did_you_mean(env, names);
    std::string all;
    for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
    message += all.empty() ? "; the manifest has no environments" : "; environments: " + all;
    return common::fail(common::ErrorCode::input, message);
}

common::Result<RecordedDiffs> recorded_diffs(const QueryContext& c, const std::string& ref) {
    RecordedDiffs out{ref, {}};
    if (c.repo) {
        auto id = c.repo->resolve_commit(ref);
        if (!id) return std::unexpected(id.error());
        out.commit = *id;
    }
    if (c.store) {
        auto d = c.store->diffs_of(out.commit);
        if (!d) return std::unexpected(d.error());
        out.diffs = std::move(*d);
    }
    return out;
}

common::Result<std::vector<std::string>> known_components(const components::Manifest* manifest,
                                                          versioning::VersionStore* store) {
    std::set<std::string> names;
    if (manifest) {
        for (const auto& n : manifest->component_names()) names.insert(n);
    }
    if (store) {
        auto known = store->known_components();
        if (!known) return std::unexpected(known.error());
        names.insert(known->begin(), known->end());
    }
    return std::vector<std::string>(names.begin(), names.end());
}

common::Result<ComponentHistory> component_history(const components::Manifest* manifest,
                                                   versioning::VersionStore* store,
                                                   const std::string& component,
                                                   const std::string& env, std::size_t limit) {
    if (auto ok = check_environment(manifest, env); !ok) return std::unexpected(ok.error());
    auto names = known_components(manifest, store);
    if (!names) return std::unexpected(names.error());
    if (std::find(names->begin(), names->end(), component) == names->end()) {
        std::string message = "unknown component '" + component + "'";
        message += common::did_you_mean(component, *names);
        return common::fail(common::ErrorCode::input, message);
    }
    ComponentHistory h{component, {}, {}};
    if (!store) return h;
    auto builds = store->builds_of(component, limit);
    if (!builds) return std::unexpected(builds.error());
    h.builds = std::move(*builds);
    auto deployments = store->deployments_of(component, env, limit);
    if (!deployments) return std::unexpected(deployments.error());
    h.deployments = std::move(*deployments);
    // The requests the promotions shipped: a request records the run that deployed it.
    std::set<std::string> envs, runs;
    for (const auto& d : h.deployments) {
        if (d.kind != "promote" || d.run_id.empty()) continue;
        envs.insert(d.env);
        runs.insert(d.run_id);
    }
    for (const auto& e : envs) {
        auto requests = store->requests(e, k_requests_looked_at);
        if (!requests) return std::unexpected(requests.error());
        for (auto& r : *requests)
            if (runs.contains(r.run_id)) h.requests.push_back(std::move(r));
    }
    std::sort(h.requests.begin(), h.requests.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
    return h;
}

const versioning::PromotionRequest* ComponentHistory::request_of(
    const versioning::ComponentDeployment& d) const {
    if (d.kind != "promote" || d.run_id.empty()) return nullptr;
    for (const auto& r : requests)
        if (r.run_id == d.run_id && r.env == d.env) return &r;
    return nullptr;
}

common::Result<StatusView> status_view(const components::Manifest* manifest,
                                       versioning::VersionStore* store, const std::string& env) {
    if (auto ok = check_environment(manifest, env); !ok) return std::unexpected(ok.error());
    auto names = known_components(manifest, store);
    if (!names) return std::unexpected(names.error());
    StatusView v;
    std::map<std::string, versioning::BuildRecord> latest;
    if (store) {
        auto builds = store->latest_builds();
        if (!builds) return std::unexpected(builds.error());
        for (auto& b : *builds) latest.emplace(b.component, std::move(b));
        auto current = store->current_deployments(env);
        if (!current) return std::unexpected(current.error());
        v.current = std::move(*current);
        // The manifest's order of environments (dev, test, prod), not the store's; those it
        // no longer names follow by name.
        auto rank = [&](const std::string& name) {
            if (manifest) {
                for (std::size_t i = 0; i < manifest->environments.size(); ++i)
                    if (manifest->environments[i].name == name) return i;
            }
            return std::size_t{1} << 20;
        };
        std::stable_sort(v.current.begin(), v.current.end(), [&](const auto& a, const auto& b) {
            return std::make_pair(rank(a.env), a.env) < std::make_pair(rank(b.env), b.env);
        });
        auto pending = store->pending_deployments(env);
        if (!pending) return std::unexpected(pending.error());
        v.pending = std::move(*pending);
    }
    // component -> env -> image, in one pass over the images (not one pass per component).
    std::map<std::string, std::map<std::string, DeployedImage>> deployed;
    for (const auto& d : v.current) {
        for (const auto& i : d.images) {
            auto [at, fresh] = deployed[i.component].try_emplace(
                d.env, DeployedImage{i.build_number, d.id, i.image_uri, i.commit});
            if (fresh) continue;
            // Current for different commits in different places: unknown (ledger.hpp).
            if (at->second.commit != i.commit) at->second.commit.clear();
            if (at->second.image_uri == i.image_uri) continue;
            at->second.differs = true;
            if (i.build_number < at->second.build_number)
                at->second = {i.build_number, d.id, i.image_uri, at->second.commit, true};
        }
    }
    for (const auto& d : v.current) {
        if (v.environments.empty() || v.environments.back().name != d.env)
            v.environments.push_back({d.env, false, {}});
        v.environments.back().stacks.push_back(d);
    }
    for (auto& e : v.environments) {
        auto recent = store->deployments_in(e.name, 64);
        if (!recent) return std::unexpected(recent.error());
        e.partially_deployed = partially_deployed(*recent);
    }
    for (const auto& name : *names) {
        ComponentStatus c{name, "", std::nullopt, {}};
        if (const auto* comp = manifest ? manifest->find(name) : nullptr)
            c.kind = components::to_string(comp->kind);
        if (auto it = latest.find(name); it != latest.end()) c.latest = it->second;
        if (auto it = deployed.find(name); it != deployed.end()) c.deployed = std::move(it->second);
        v.components.push_back(std::move(c));
    }
    return v;
}

}  // namespace pipeline
