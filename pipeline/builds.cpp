// See builds.hpp.
#include "pipeline/builds.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "common/text.hpp"
#include "components/input_hash.hpp"
#include "components/parallel.hpp"
#include "pipeline/host.hpp"
#include "pipeline/remote.hpp"
#include "pipeline/reuse.hpp"

extern char** environ;

namespace pipeline {
namespace {

// Every component's input hash at the head (by manifest component index): the head tree's
// ids, and for docker components their ignore files and Dockerfiles read from it.
common::Result<std::vector<std::string>> component_hashes(const Project& p) {
    auto listed = p.repo->list_files_with_ids(p.head);
    if (!listed) return std::unexpected(listed.error());
    std::vector<components::TreeFile> files;
    files.reserve(listed->size());
    for (auto& f : *listed) files.push_back({std::move(f.path), std::move(f.id), f.mode});
    auto selector = project_selector(p);
    if (!selector) return std::unexpected(selector.error());
    std::map<std::string, std::string> dockerfiles;
    const auto read = commit_reader(*p.repo, p.head);
    for (const auto& d : selector->docker()) {
        auto text = read(d.build.file);
        if (!text) return std::unexpected(text.error());
        if (*text) dockerfiles[d.build.file] = std::move(**text);
    }
    return components::input_hashes(
        p.manifest, p.graph, *selector, files,
        [](std::string_view text) { return diff::hash_text(text); }, dockerfiles);
}

// How long each component's last build took, when it ran to success: the plan's weights
// when more builds are planned than run at once. Only an ordering hint, so a store that
// cannot answer leaves the plan unweighted.
// Remote builds at once when -j does not say: CodeBuild runs them, not this machine.
constexpr std::size_t k_remote_jobs = 32;

// The region of environment `env` ("" when it is not one, or names none).
std::string region_of_env(const Project& p, const std::string& env) {
    for (const auto& e : p.manifest.environments) {
        if (e.name == env) return e.targets.empty() ? e.region : e.targets.front().region;
    }
    return "";
}

std::map<std::string, std::int64_t> expected_durations(versioning::VersionStore& store) {
    std::map<std::string, std::int64_t> out;
    auto latest = store.latest_durations();
    if (!latest) {
        spdlog::debug("no build durations for scheduling: {}", latest.error().message);
        return out;
    }
    for (auto& [component, took] : *latest) out.emplace(std::move(component), took);
    return out;
}

common::Result<std::vector<std::string>> check_only(const std::vector<std::string>& only,
                                                    const components::Manifest& m) {
    const auto names = m.component_names();
    for (const auto& name : only) {
        if (m.find(name)) continue;
        std::string message = "unknown component '" + name + "'";
        message += common::did_you_mean(name, names);
        return common::fail(common::ErrorCode::input, message);
    }
    return only;
}

}  // namespace

common::Result<PlannedBuilds> plan_builds(const Project& p,
                                          const std::vector<std::string>& selected,
                                          const std::string& remote) {
    if (auto ok = check_remote(p.manifest, remote); !ok) return std::unexpected(ok.error());
    PlannedBuilds out{components::BuildPlan::make(p.manifest, p.graph, selected, !remote.empty()),
                      {}};
    if (out.plan.size() == 0) return out;
    auto hashes = component_hashes(p);
    if (!hashes) return std::unexpected(hashes.error());
    for (std::size_t i = 0; i < out.plan.size(); ++i)
        out.hashes.push_back((*hashes)[p.graph.index_of(out.plan.at(i).component)]);
    return out;
}

common::Result<std::vector<ProspectiveBuild>> prospective_builds(
    const Project& p, const PlannedBuilds& builds, versioning::VersionStore* store,
    const std::vector<std::optional<components::Reusable>>& reusable, const std::string& env,
    versioning::Millis at) {
    std::vector<ProspectiveBuild> out;
    for (std::size_t i = 0; i < builds.plan.size(); ++i) {
        ProspectiveBuild b{builds.plan.at(i).component, 1, "", 0, "", "", false};
        if (i < reusable.size() && reusable[i]) {
            const auto& r = reusable[i];
            b.reused_number = r->build.build_number;
            b.reused_image = r->build.image_uri;
            b.reused_from = r->built_by;
            b.reused_image_checked = r->image_checked;
        }
        if (store) {
            auto peeked = store->peek_next_number(b.component);
            if (!peeked) return std::unexpected(peeked.error());
            b.next_number = *peeked;
        }
        auto uri = components::render_image_uri(
            p.manifest.image, {b.component, b.next_number, p.head, env, compact_time(at)});
        if (!uri) return std::unexpected(uri.error());
        b.next_image = *uri;
        out.push_back(std::move(b));
    }
    return out;
}

components::BuildSettings build_settings(const Project& p, const std::string& run_id,
                                         const std::string& env, versioning::Millis started,
                                         const BuildOptions& options, const Trigger& trigger,
                                         const Services& s) {
    components::BuildSettings settings;
    settings.run_id = run_id;
    settings.commit = p.head;
    settings.repo_root = p.root;
    settings.env = env;
    settings.timestamp = compact_time(started);
    settings.log_dir = log_dir(p, run_id);
    settings.image = p.manifest.image;
    for (char** e = environ; *e; ++e) settings.base_env.emplace_back(*e);
    settings.jobs = options.jobs ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
    settings.remote_jobs = options.jobs ? options.jobs : k_remote_jobs;
    settings.fail_fast = options.fail_fast;
    settings.reuse = options.reuse;
    settings.shareable = shares_builds(p.manifest, trigger, p.repo ? p.repo->current_branch() : "");
    settings.now = s.clock.now;
    settings.interrupt_fd = s.clock.interrupt_fd;
    return settings;
}

common::Result<components::BuildReport> run_builds(const Project& p, PlannedBuilds& builds,
                                                   const components::BuildSettings& settings,
                                                   Services& s, Observer& o) {
    if (builds.plan.size() == 0) return components::BuildReport{};
    if (builds.plan.size() > settings.jobs) builds.plan.weigh(expected_durations(s.store));
    components::BuildSettings with = settings;
    auto adopt = adopt_orphans(builds.plan, builds.hashes, settings.reuse, s, o);
    if (!adopt) return std::unexpected(adopt.error());
    with.adopt = std::move(*adopt);
    if (settings.reuse && settings.reusable.empty()) {
        auto reusable = reusable_builds(builds, s, o);
        if (!reusable) return std::unexpected(reusable.error());
        with.reusable = std::move(*reusable);
    }
    auto local = s.runner();
    std::unique_ptr<components::BuildRunner> remote;
    if (plans_remote(builds.plan)) {
        auto made =
            codebuild_runner(p.manifest, settings.commit, region_of_env(p, settings.env), s);
        if (!made) return std::unexpected(made.error());
        remote = std::move(*made);
    }
    components::Runners runners{local.get(), remote.get()};
    return components::run_builds(builds.plan, builds.hashes, s.store, runners, o.builds(), with);
}

std::vector<versioning::DiffRecord> diffs_of(const components::Selection& s,
                                             const std::string& commit) {
    std::vector<versioning::DiffRecord> out;
    for (const auto& c : s.affected) {
        std::set<std::string> paths;
        for (const auto& r : c.reasons) {
            if (r.kind == components::ReasonKind::path || r.kind == components::ReasonKind::global)
                paths.insert(r.path);
        }
        if (paths.empty() && c.reasons.size() == 1 &&
            c.reasons[0].kind == components::ReasonKind::deployed_commit)
            continue;  // not a change of this commit
        out.push_back({commit, c.name, {paths.begin(), paths.end()}});
    }
    return out;
}

common::Result<SelectedBuilds> select_builds(const Project& p, const BuildRequest& r) {
    const int modes = (r.diff.base.empty() ? 0 : 1) + (r.all ? 1 : 0) + (r.only.empty() ? 0 : 1);
    if (modes != 1)
        return common::fail(common::ErrorCode::usage,
                            "build: give one of --base REF, --all or --only a,b");
    if (!p.repo)
        return common::fail(common::ErrorCode::usage,
                            "build: '" + p.root + "' is not in a git repository");
    SelectedBuilds out;
    std::vector<std::string> selected;
    if (r.all) selected = p.manifest.component_names();
    if (!r.only.empty()) {
        auto only = check_only(r.only, p.manifest);
        if (!only) return std::unexpected(only.error());
        selected = *only;
    }
    if (!r.diff.base.empty()) {
        std::optional<diff::ChangeSet> changes;
        auto paths = changed_paths(&*p.repo, r.diff, "", changes);
        if (!paths) return std::unexpected(paths.error());
        auto selector = project_selector(p);
        if (!selector) return std::unexpected(selector.error());
        out.selection = selector->select(*paths);
        for (const auto& c : out.selection.affected) selected.push_back(c.name);
    }
    auto planned = plan_builds(p, selected, r.options.remote);
    if (!planned) return std::unexpected(planned.error());
    out.builds = std::move(*planned);
    return out;
}

common::Result<BuildCommandOutcome> run_build_command(const Project& p, const BuildRequest& r,
                                                      SelectedBuilds& selected, Services& s,
                                                      Observer& o) {
    RunSummary summary;
    summary.kind = "build";
    summary.started_at = s.clock.now();
    summary.run_id = new_run_id(summary.started_at);
    summary.trigger = r.trigger.name;
    summary.actor = r.trigger.actor;
    summary.env = r.env;
    summary.base = r.diff.base;
    summary.head = r.diff.head;
    // A build needs oneTBB's module: a broken installation says so before anything is recorded.
    if (selected.builds.plan.size() > 0) components::require_parallel_module();
    if (auto done = recover_runs(s.store, summary.started_at); !done)
        return std::unexpected(done.error());
    if (auto ok = s.store.begin_run(new_run_record(summary)); !ok)
        return std::unexpected(ok.error());
    if (!r.diff.base.empty()) {
        if (auto ok = s.store.record_diffs(diffs_of(selected.selection, p.head)); !ok)
            return std::unexpected(ok.error());
    }
    auto settings =
        build_settings(p, summary.run_id, r.env, summary.started_at, r.options, r.trigger, s);
    auto report = run_builds(p, selected.builds, settings, s, o);
    if (!report) {
        (void)s.store.finish_run(summary.run_id, versioning::RunStatus::failed, s.clock.now(), "");
        return std::unexpected(report.error());
    }
    if (auto ok = s.store.finish_run(summary.run_id, run_status_for_exit(exit_status(*report)),
                                     s.clock.now(), "");
        !ok)
        return std::unexpected(ok.error());
    return BuildCommandOutcome{summary.run_id, std::move(*report)};
}

int exit_status(const components::BuildReport& report) {
    if (report.interrupted) return 130;
    return report.all_succeeded() ? 0 : 1;
}

}  // namespace pipeline
