#include "cli/build_session.hpp"

#include <unistd.h>

#include <map>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>

#include "cli/console.hpp"
#include "cli/runtime.hpp"
#include "common/interrupt.hpp"
#include "components/input_hash.hpp"

extern char** environ;

namespace cli {

common::Result<std::vector<std::string>> component_hashes(diff::Repository& repo,
                                                          const components::Manifest& manifest,
                                                          const components::ComponentGraph& graph,
                                                          const std::string& head_id) {
    auto files = repo.list_files_with_ids(head_id);
    if (!files) return std::unexpected(files.error());
    components::Selector selector(manifest, graph);
    return components::input_hashes(manifest, graph, selector, *files,
                                    [](std::string_view text) { return diff::hash_text(text); });
}

std::vector<std::string> plan_hashes(const components::BuildPlan& plan,
                                     const components::ComponentGraph& graph,
                                     const std::vector<std::string>& hashes) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < plan.size(); ++i)
        out.push_back(hashes[graph.index_of(plan.at(i).component)]);
    return out;
}

versioning::RunRecord new_run_record(const std::string& id, const std::string& trigger,
                                     const std::string& base, const std::string& head,
                                     const std::string& env, versioning::Millis started) {
    versioning::RunRecord run;
    run.id = id;
    run.trigger = trigger;
    run.base = base;
    run.head = head;
    run.env = env;
    run.started_at = started;
    run.host = host_name();
    run.pid = ::getpid();
    run.pid_start = process_start(run.pid);
    return run;
}

std::vector<versioning::DiffRecord> diffs_of(const components::Selection& s,
                                             const std::string& commit) {
    std::vector<versioning::DiffRecord> out;
    for (const auto& c : s.affected) {
        std::set<std::string> paths;
        for (const auto& r : c.reasons) {
            if (r.kind != components::ReasonKind::dependency) paths.insert(r.path);
        }
        out.push_back({commit, c.name, {paths.begin(), paths.end()}});
    }
    return out;
}

namespace {

// How long each component's last build took, when it ran to success: the plan's weights
// when more builds are planned than run at once. Only an ordering hint, so a store that
// cannot answer leaves the plan unweighted.
std::map<std::string, std::int64_t> expected_durations(versioning::VersionStore& store) {
    std::map<std::string, std::int64_t> out;
    auto latest = store.latest_builds();
    if (!latest) {
        spdlog::debug("no build durations for scheduling: {}", latest.error().message);
        return out;
    }
    for (const auto& b : *latest) {
        if (b.status == versioning::BuildStatus::succeeded && b.finished_at &&
            *b.finished_at > b.started_at)
            out[b.component] = *b.finished_at - b.started_at;
    }
    return out;
}

}  // namespace

common::Result<components::BuildReport> run_build_plan(components::BuildPlan& plan,
                                                       const std::vector<std::string>& hashes,
                                                       versioning::VersionStore& store,
                                                       const BuildJob& job) {
    components::BuildSettings settings;
    settings.run_id = job.run_id;
    settings.commit = job.commit;
    settings.repo_root = job.root;
    settings.env = job.env;
    settings.timestamp = compact_time(job.started);
    settings.log_dir = slipway_dir(job.root, "logs/" + job.run_id);
    settings.image = job.image;
    for (char** e = environ; *e; ++e) settings.base_env.emplace_back(*e);
    settings.jobs = job.jobs ? job.jobs : std::max(1u, std::thread::hardware_concurrency());
    settings.fail_fast = job.fail_fast;
    settings.reuse = job.reuse;
    settings.now = now_millis;
    if (plan.size() > settings.jobs) plan.weigh(expected_durations(store));
    auto console = make_console(job.quiet);
    auto runner = components::make_process_runner(*console, common::install_interrupt_pipe(),
                                                  std::chrono::seconds(5));
    return components::run_builds(plan, hashes, store, *runner, *console, settings);
}

}  // namespace cli
