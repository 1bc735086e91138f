// `slipway build`: build exactly the selected components, in parallel and in dependency
// order, each with the next build number of its component, and record everything.
#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include "cli/build_session.hpp"
#include "cli/command.hpp"
#include "cli/console.hpp"
#include "cli/project.hpp"
#include "cli/runtime.hpp"
#include "common/interrupt.hpp"
#include "common/text.hpp"
#include "components/affected.hpp"
#include "components/build_plan.hpp"
#include "components/builder.hpp"
#include "components/input_hash.hpp"

namespace cli {
namespace {

using versioning::BuildStatus;

struct BuildOptions {
    std::string repo = ".";
    std::string manifest;
    std::string store;
    std::string env;
    diff::DiffRequest request;
    bool all = false;
    std::vector<std::string> only;
    std::size_t jobs = 0;
    bool fail_fast = false;
    bool dry_run = false;
    bool no_reuse = false;
    bool json = false;
    bool quiet = false;
};

// Everything the build needs to know before anything runs.
struct Prepared {
    std::optional<diff::Repository> repo;
    components::Manifest manifest;
    components::ComponentGraph graph;
    std::string head_id;
    components::Selection selection;  // empty unless --base
    std::vector<std::string> selected;
    std::vector<std::string> hashes;  // by manifest component index
};

common::Result<std::vector<std::string>> check_only(const std::vector<std::string>& only,
                                                    const components::Manifest& m) {
    const auto names = m.component_names();
    for (const auto& name : only) {
        if (m.find(name)) continue;
        std::string message = "unknown component '" + name + "'";
        if (auto hint = common::closest_match(name, names); !hint.empty())
            message += " (did you mean '" + hint + "'?)";
        return common::fail(common::ErrorCode::input, message);
    }
    return only;
}

common::Result<Prepared> prepare(const BuildOptions& o) {
    const int modes = (o.request.base.empty() ? 0 : 1) + (o.all ? 1 : 0) + (o.only.empty() ? 0 : 1);
    if (modes != 1)
        return common::fail(common::ErrorCode::usage,
                            "build: give one of --base REF, --all or --only a,b");
    Prepared p;
    auto repo = diff::Repository::open(o.repo);
    if (!repo) return std::unexpected(repo.error());
    p.repo = std::move(*repo);
    auto head = p.repo->resolve_commit(o.request.head);
    if (!head) return std::unexpected(head.error());
    p.head_id = *head;
    auto manifest = load_project_manifest(&*p.repo, o.manifest, o.request.head);
    if (!manifest) return std::unexpected(manifest.error());
    p.manifest = std::move(*manifest);
    auto graph = components::build_graph(p.manifest);
    if (!graph) return std::unexpected(graph.error());
    p.graph = std::move(*graph);
    components::Selector selector(p.manifest, p.graph);
    if (o.all) p.selected = p.manifest.component_names();
    if (!o.only.empty()) {
        auto only = check_only(o.only, p.manifest);
        if (!only) return std::unexpected(only.error());
        p.selected = *only;
    }
    if (!o.request.base.empty()) {
        std::optional<diff::ChangeSet> changes;
        auto paths = changed_paths(&*p.repo, o.request, "", changes);
        if (!paths) return std::unexpected(paths.error());
        p.selection = selector.select(*paths);
        for (const auto& c : p.selection.affected) p.selected.push_back(c.name);
    }
    auto hashes = component_hashes(*p.repo, p.manifest, p.graph, p.head_id);
    if (!hashes) return std::unexpected(hashes.error());
    p.hashes = std::move(*hashes);
    return p;
}

// --dry-run: what would be built, with the numbers and images it would take; no writes.
common::Result<int> print_plan(const BuildOptions& o, const Prepared& p,
                               const components::BuildPlan& plan, versioning::VersionStore* store) {
    const auto hashes = plan_hashes(plan, p.graph, p.hashes);
    const std::string stamp = compact_time(now_millis());
    std::string out = plan.size() ? "" : "nothing to build\n";
    for (std::size_t i = 0; i < plan.size(); ++i) {
        const auto& b = plan.at(i);
        std::int64_t number = 1;
        std::string note;
        if (store) {
            auto next = store->peek_next_number(b.component);
            if (!next) return std::unexpected(next.error());
            number = *next;
            if (!o.no_reuse) {
                auto earlier = store->find_reusable(b.component, hashes[i]);
                if (!earlier) return std::unexpected(earlier.error());
                if (*earlier)
                    note =
                        fmt::format("  (would reuse #{}: same inputs)", (*earlier)->build_number);
            }
        }
        auto uri = components::render_image_uri(p.manifest.image,
                                                {b.component, number, p.head_id, o.env, stamp});
        if (!uri) return std::unexpected(uri.error());
        std::string waits;
        for (auto w : b.waits_for)
            waits += (waits.empty() ? " after " : ", ") + plan.at(w).component;
        out += fmt::format("{:<24} #{:<5} {}{}{}\n", b.component, number, *uri, waits, note);
    }
    write_out(out);
    return 0;
}

std::string report_json(const components::BuildReport& r, const std::string& run_id,
                        const std::string& commit) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    w.Key("builds");
    w.StartArray();
    for (const auto& b : r.builds) {
        w.StartObject();
        b.build_number              ? w.Key("build_number"),
            w.Int64(b.build_number) : (w.Key("build_number"), w.Null());
        w.Key("component"), w.String(b.component.c_str());
        w.Key("duration_ms"), w.Int64(b.finished_at - b.started_at);
        w.Key("exit_code");
        b.exit_code ? w.Int(*b.exit_code) : w.Null();
        w.Key("finished_at"), w.String(iso_time(b.finished_at).c_str());
        w.Key("image_uri"), w.String(b.image_uri.c_str());
        w.Key("input_hash"), w.String(b.input_hash.c_str());
        w.Key("log_path"), w.String(b.log_path.c_str());
        w.Key("started_at"), w.String(iso_time(b.started_at).c_str());
        w.Key("status"), w.String(std::string(versioning::to_string(b.status)).c_str());
        w.EndObject();
    }
    w.EndArray();
    w.Key("commit"), w.String(commit.c_str());
    w.Key("interrupted"), w.Bool(r.interrupted);
    w.Key("run_id"), w.String(run_id.c_str());
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

std::string report_table(const components::BuildReport& r) {
    std::string out = fmt::format("{:<24} {:<11} {:<7} {:<8} {}\n", "component", "status", "build",
                                  "time", "image");
    for (const auto& b : r.builds) {
        out += fmt::format(
            "{:<24} {:<11} {:<7} {:<8} {}\n", b.component, versioning::to_string(b.status),
            b.build_number ? "#" + std::to_string(b.build_number) : "-",
            b.status == BuildStatus::skipped ? "-" : format_duration(b.finished_at - b.started_at),
            b.image_uri.empty() ? "-" : b.image_uri);
    }
    return out;
}

// Records the run, runs the plan, records how it ended.
common::Result<int> execute(const BuildOptions& o, Prepared& p, components::BuildPlan& plan,
                            versioning::VersionStore& store) {
    const auto started = now_millis();
    if (auto r = store.recover_interrupted(host_name(), started, process_alive); !r)
        return std::unexpected(r.error());
    const std::string run_id = new_run_id(started);
    auto run = new_run_record(run_id, "cli", o.request.base, o.request.head, o.env, started);
    if (auto ok = store.begin_run(run); !ok) return std::unexpected(ok.error());
    if (!o.request.base.empty()) {
        if (auto ok = store.record_diffs(diffs_of(p.selection, p.head_id)); !ok)
            return std::unexpected(ok.error());
    }
    BuildJob job{run_id,           p.head_id, o.env,  p.repo->root().string(),
                 p.manifest.image, started,   o.jobs, o.fail_fast,
                 !o.no_reuse,      o.quiet};
    auto report = run_build_plan(plan, plan_hashes(plan, p.graph, p.hashes), store, job);
    if (!report) {
        (void)store.finish_run(run_id, versioning::RunStatus::failed, now_millis(), "");
        return std::unexpected(report.error());
    }
    const auto status = report->interrupted       ? versioning::RunStatus::cancelled
                        : report->all_succeeded() ? versioning::RunStatus::succeeded
                                                  : versioning::RunStatus::failed;
    if (auto ok = store.finish_run(run_id, status, now_millis(), ""); !ok)
        return std::unexpected(ok.error());
    write_out(o.json ? report_json(*report, run_id, p.head_id) : report_table(*report));
    if (report->interrupted) return 130;
    return report->all_succeeded() ? 0 : 1;
}

common::Result<int> run_build(const BuildOptions& o) {
    auto prepared = prepare(o);
    if (!prepared) return std::unexpected(prepared.error());
    auto& p = *prepared;
    auto plan = components::BuildPlan::make(p.manifest, p.graph, p.selected);
    const std::string root = p.repo->root().string();
    const std::string url = store_url(o.store, &p.manifest);
    if (o.dry_run) {
        auto store = open_store_at(url, root, true);
        if (!store) return std::unexpected(store.error());
        return print_plan(o, p, plan, store->get());
    }
    if (plan.size() == 0) {
        write_out("nothing to build\n");
        return 0;
    }
    auto store = open_store_at(url, root, false);
    if (!store) return std::unexpected(store.error());
    return execute(o, p, plan, **store);
}

}  // namespace

Handler setup_build(CLI::App& sub) {
    auto o = std::make_shared<BuildOptions>();
    add_project_options(sub, o->repo, &o->manifest);
    sub.add_option("--store", o->store, "version store URL (default: sqlite:.slipway/state.db)");
    sub.add_option("--base", o->request.base, "build the components affected since this ref");
    sub.add_option("--head", o->request.head, "head ref (default HEAD)");
    sub.add_flag("--two-dot", o->request.two_dot, "compare BASE and HEAD directly");
    sub.add_flag("--all", o->all, "build every component");
    sub.add_option("--only", o->only, "build these components (comma-separated)")->delimiter(',');
    sub.add_option("--env", o->env, "environment, for {env} in image tags");
    sub.add_option("-j,--jobs", o->jobs, "builds at once (default: the number of cores)")
        ->check(CLI::PositiveNumber);
    sub.add_flag("--fail-fast", o->fail_fast, "start nothing new after the first failure");
    sub.add_flag("--dry-run", o->dry_run,
                 "print the plan, with build numbers and images; change nothing");
    sub.add_flag("--no-reuse", o->no_reuse, "build even when an earlier build had the same inputs");
    sub.add_flag("--json", o->json, "print the result as JSON (docs/json.md)");
    sub.add_flag("-q,--quiet", o->quiet, "do not echo build output (it is still logged)");
    return [o] { return run_build(*o); };
}

}  // namespace cli
