// See ledger.hpp.
#include "pipeline/ledger.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <optional>
#include <set>

namespace pipeline {
namespace {

using common::ErrorCode;
using components::ComponentKind;

// A deployed commit this clone lacks: a shallow clone (fatal), or rewritten history (the
// environment's base branch instead, said so).
common::Result<std::string> missing_commit(const Project& p, const std::string& commit,
                                           const std::string& env_name, const std::string& env_base,
                                           Observer& o) {
    const std::string what = fmt::format("the commit {} deployed in {}", commit, env_name);
    if (p.repo->is_shallow())
        return common::fail(ErrorCode::input,
                            what +
                                " is not in this shallow clone: fetch full history (CodeBuild: "
                                "'git-clone-depth: 0' in the project's source settings, or "
                                "'git fetch --unshallow' first in the buildspec; GitHub "
                                "Actions: 'fetch-depth: 0')");
    if (env_base.empty())
        return common::fail(ErrorCode::input,
                            what + " is not in this repository; give --base REF, or --all");
    o.warning(what + " is not in this repository; comparing with '" + env_base + "' instead");
    return p.repo->resolve_commit(env_base);
}

// Adds `c` (with `reasons`) to `into` unless it is there.
void add(std::map<std::string, components::AffectedComponent>& into,
         const components::AffectedComponent& c) {
    into.emplace(c.name, c);
}

// The paths of `from` not yet in `into` (both sorted), merged.
void merge_paths(std::vector<std::string>& into, const std::vector<std::string>& from) {
    std::vector<std::string> out;
    std::set_union(into.begin(), into.end(), from.begin(), from.end(), std::back_inserter(out));
    into = std::move(out);
}

}  // namespace

std::map<std::string, std::string> deployed_commits(const components::Manifest& manifest,
                                                    const versioning::DeploymentRecord& current) {
    std::map<std::string, std::string> out;
    for (const auto& c : manifest.components) {
        if (c.kind == ComponentKind::config) out[c.name] = current.template_commit;
        if (c.kind == ComponentKind::image) out[c.name] = "";
    }
    for (const auto& i : current.images) {
        auto at = out.find(i.component);
        if (at != out.end()) at->second = i.commit;
    }
    return out;
}

namespace {

// Whether `d` is the deployment of `stack` at one of `env`'s targets.
bool at_target(const components::Environment& env, const versioning::DeploymentRecord& d) {
    for (const auto& t : env.targets) {
        if (d.region == t.recorded_region() && d.account == t.recorded_account()) return true;
    }
    return false;
}

bool holds(const components::Stack& stack, const std::string& name) {
    return std::find(stack.members.begin(), stack.members.end(), name) != stack.members.end();
}

}  // namespace

std::map<std::string, std::string> deployed_commits(
    const components::Manifest& manifest, const components::Environment& env,
    const std::vector<versioning::DeploymentRecord>& current) {
    // The current deployment of each (stack, target), nullptr where there is none.
    std::vector<std::vector<const versioning::DeploymentRecord*>> at(env.stacks.size());
    for (std::size_t s = 0; s < env.stacks.size(); ++s) {
        for (const auto& t : env.targets) {
            const versioning::DeploymentRecord* found = nullptr;
            for (const auto& d : current) {
                if (d.stack == env.stacks[s].name && d.region == t.recorded_region() &&
                    d.account == t.recorded_account())
                    found = &d;
            }
            at[s].push_back(found);
        }
    }
    std::map<std::string, std::string> out;
    for (const auto& c : manifest.components) {
        if (c.kind != ComponentKind::image && c.kind != ComponentKind::config) continue;
        std::vector<std::size_t> stacks;
        for (std::size_t s = 0; s < env.stacks.size(); ++s) {
            if (holds(env.stacks[s], c.name)) stacks.push_back(s);
        }
        if (stacks.empty() && c.kind == ComponentKind::image) continue;  // nothing deploys it
        if (stacks.empty()) {
            for (std::size_t s = 0; s < env.stacks.size(); ++s) stacks.push_back(s);
        }
        std::optional<std::string> commit;
        auto agree = [&](const std::string& seen) {
            if (!commit)
                commit = seen;
            else if (*commit != seen)
                commit = "";
        };
        for (auto s : stacks) {
            for (const auto* d : at[s]) {
                if (!d) {
                    agree("");
                    continue;
                }
                if (c.kind == ComponentKind::config) {
                    agree(d->template_commit);
                    continue;
                }
                std::string image_commit;  // "" when this deployment has no image of it
                for (const auto& i : d->images) {
                    if (i.component == c.name) image_commit = i.commit;
                }
                agree(image_commit);
            }
        }
        out[c.name] = commit.value_or("");
    }
    return out;
}

std::vector<std::string> template_commits(
    const components::Environment& env, const std::vector<versioning::DeploymentRecord>& current) {
    std::set<std::string> out;
    for (const auto& d : current) {
        if (d.template_commit.empty() || !at_target(env, d)) continue;
        for (const auto& st : env.stacks) {
            if (st.name == d.stack) out.insert(d.template_commit);
        }
    }
    return {out.begin(), out.end()};
}

common::Result<components::Selection> owed_selection(
    const Project& p, const std::map<std::string, std::string>& commits,
    const std::string& env_name, const std::string& env_base, Observer& o, std::string* fell_back,
    const std::vector<std::string>& path_commits) {
    std::map<std::string, std::vector<std::string>> by_commit;  // commit -> its components
    for (const auto& [name, commit] : commits) by_commit[commit].push_back(name);
    for (const auto& commit : path_commits) {
        if (!commit.empty()) by_commit[commit];  // its paths, no component of its own
    }
    components::Selector selector(p.manifest, p.graph);
    components::Selection out;
    std::map<std::string, components::AffectedComponent> owed;
    for (const auto& [commit, names] : by_commit) {
        if (commit.empty()) {
            for (const auto& name : names) {
                const auto* c = p.manifest.find(name);
                components::Reason why{components::ReasonKind::deployed_commit, "",
                                       "not deployed to " + env_name + " from a known commit", ""};
                add(owed, {name, c ? c->kind : ComponentKind::image, {why}});
            }
            continue;
        }
        auto from = p.repo->resolve_commit(commit);
        if (!from) {
            from = missing_commit(p, commit, env_name, env_base, o);
            if (from && fell_back)
                *fell_back = fmt::format(
                    "the commit {} deployed in {} is missing: the base "
                    "branch '{}'",
                    commit.substr(0, 12), env_name, env_base);
        }
        if (!from) return std::unexpected(from.error());
        std::optional<diff::ChangeSet> changes;
        auto paths = changed_paths(&*p.repo, {*from, p.head, true}, "", changes);
        if (!paths) return std::unexpected(paths.error());
        const auto selection = selector.select(*paths);
        merge_paths(out.changed, selection.changed);
        merge_paths(out.ignored, selection.ignored);
        merge_paths(out.unowned, selection.unowned);
        const std::set<std::string> here(names.begin(), names.end());
        for (const auto& c : selection.affected) {
            if (here.contains(c.name) || c.kind == ComponentKind::library) add(owed, c);
        }
    }
    for (auto& [name, c] : owed) out.affected.push_back(std::move(c));
    std::sort(out.affected.begin(), out.affected.end(), [&](const auto& a, const auto& b) {
        return p.graph.rank[p.graph.index_of(a.name)] < p.graph.rank[p.graph.index_of(b.name)];
    });
    return out;
}

std::string history_position(const diff::Repository* repo, const deploy::DeployPlan& plan) {
    std::set<std::string> commits;
    if (!plan.template_commit.empty()) commits.insert(plan.template_commit);
    for (const auto& i : plan.parameters.images) {
        if (i.commit.empty()) return "";
        commits.insert(i.commit);
    }
    if (commits.empty()) return "";
    std::string common = *commits.begin();
    for (const auto& c : commits) {
        if (c == common) continue;
        if (!repo) return "";
        auto base = repo->merge_base(common, common, c, c);
        if (!base) return "";
        common = *base;
    }
    return common;
}

namespace {
constexpr std::string_view k_older = "older in history: ";
}  // namespace

common::Result<void> check_newest(const Project& p, const std::string& env,
                                  const std::optional<versioning::DeploymentRecord>& deployed,
                                  bool allow_older, Observer* o) {
    if (!deployed || deployed->commit.empty() || !p.repo || p.head == deployed->commit) return {};
    const std::string head = p.head.substr(0, 12), at = deployed->commit.substr(0, 12);
    if (older_in_history(&*p.repo, p.head, deployed->commit)) {
        const std::string what =
            fmt::format("{} is an ancestor of {}, deployed to {} (deployment #{})", head, at, env,
                        deployed->id);
        if (!allow_older)
            return common::fail(ErrorCode::input,
                                std::string(k_older) + what +
                                    ": going back is what 'slipway rollback' is for; "
                                    "--allow-older ships it anyway");
        if (o) o->warning("shipping an older commit (--allow-older): " + what);
        return {};
    }
    auto newer = p.repo->contains(p.head, deployed->commit);
    if (o && newer && !*newer)
        o->note(
            fmt::format("{} is not a descendant of {}, deployed to {} (a force-push?): "
                        "shipping it",
                        head, at, env));
    return {};
}

bool is_older_head(const common::Error& e) {
    return e.code == ErrorCode::input && e.message.find(k_older) != std::string::npos;
}

bool older_in_history(const diff::Repository* repo, const std::string& head,
                      const std::string& deployed) {
    if (!repo || head.empty() || deployed.empty() || head == deployed) return false;
    auto contained = repo->contains(deployed, head);
    return contained && *contained;
}

common::Result<std::vector<std::string>> CommitComponents::of(const std::string& commit) {
    if (auto known = m_known.find(commit); known != m_known.end()) return known->second;
    std::vector<std::string> paths;
    if (auto parent = m_repo.resolve_commit(commit + "^")) {
        std::optional<diff::ChangeSet> changes;
        auto changed = changed_paths(&m_repo, {*parent, commit, true}, "", changes);
        if (!changed) return std::unexpected(changed.error());
        paths = std::move(*changed);
    } else {
        auto files = m_repo.list_files(commit);
        if (!files) return std::unexpected(files.error());
        paths = std::move(*files);
    }
    std::vector<std::string> names;
    for (const auto& c : m_selector.select(paths).affected) names.push_back(c.name);
    return m_known[commit] = std::move(names);
}

}  // namespace pipeline
