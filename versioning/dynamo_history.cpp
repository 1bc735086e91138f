// Pages are one Query each: newest first from the sort key the cursor names, one item more
// than the page to know whether another follows. The cursors are those of the SQLite store
// (a build's row, a deployment's id, a run's "<started_at>.<id>"), turned into sort keys.
//
// A run's builds are indexed by RB#<run>, written with the build (reservation or
// record_build) and never removed; the B# items it names hold their current status.
// Interrupting a run marks its queued and running builds, then the run, each on the condition
// that it is still so -- in transactions of at most k_per_transaction builds that also check
// (or, the last, change) the run's status, so nothing is marked once the run has ended.
#include "versioning/dynamo_history.hpp"

#include <algorithm>
#include <tuple>

#include "versioning/dynamo_records.hpp"

namespace versioning::detail {

namespace {

// Builds marked per transaction (DynamoDB takes 100 items; the run and RUNNING# entry join).
constexpr std::size_t k_per_transaction = 98;

// A remote build is not interrupted with its run: it goes on without us, and the next run
// awaits or stops it (orphaned_remote_builds).
bool is_open_here(const BuildRecord& b) {
    return (b.status == BuildStatus::queued || b.status == BuildStatus::running) &&
           b.handle.remote_id.empty();
}

}  // namespace

common::Result<Json> DynamoHistory::newest_first(const std::string& pk, const std::string& after,
                                                 std::size_t limit, bool& more) {
    more = false;
    if (limit == 0) {
        Json none(rapidjson::kObjectType);
        none.AddMember("Items", JsonValue(rapidjson::kArrayType), none.GetAllocator());
        return none;
    }
    auto page = m_table.query_page(pk, false, after, limit + 1);
    if (!page) return std::unexpected(page.error());
    auto& items = (*page)["Items"];
    if (items.Size() > limit) {
        more = true;
        items.PopBack();
    }
    return page;
}

common::Result<Page<BuildRecord>> DynamoHistory::build_page(const std::string& component,
                                                            const std::string& before,
                                                            std::size_t limit) {
    const std::int64_t row = cursor_number(before);
    bool more = false;
    auto rows = newest_first("B#" + component, row > 0 ? pad(row) : "", limit, more);
    if (!rows) return std::unexpected(rows.error());
    Page<BuildRecord> page;
    for (const auto& item : (*rows)["Items"].GetArray()) page.items.push_back(read_build(item));
    if (more) page.next = std::to_string(page.items.back().row);
    return page;
}

common::Result<Page<ComponentDeployment>> DynamoHistory::deployment_page(
    const std::string& component, const std::string& env, const std::string& before,
    std::size_t limit) {
    const std::int64_t id = cursor_number(before);
    bool more = false;
    auto rows = newest_first(env.empty() ? "DC#" + component : "DC#" + component + "#" + env,
                             id > 0 ? pad(id) : "", limit, more);
    if (!rows) return std::unexpected(rows.error());
    Page<ComponentDeployment> page;
    for (const auto& item : (*rows)["Items"].GetArray())
        page.items.push_back(read_component_deployment(item));
    if (more) page.next = std::to_string(page.items.back().deployment_id);
    return page;
}

common::Result<Page<RunRecord>> DynamoHistory::run_page(const std::string& env,
                                                        const std::string& before,
                                                        std::size_t limit) {
    const auto dot = before.find('.');
    const std::int64_t at = cursor_number(std::string_view(before).substr(0, dot));
    const std::string after =
        at > 0 ? run_order(at, dot == std::string::npos ? "" : before.substr(dot + 1)) : "";
    bool more = false;
    auto entries = newest_first(env.empty() ? "RUNS" : "RUNS#" + env, after, limit, more);
    if (!entries) return std::unexpected(entries.error());
    std::vector<Key> keys;
    for (const auto& entry : (*entries)["Items"].GetArray())
        keys.emplace_back("R#" + get_s(entry, "id"), "R");
    auto runs = m_table.batch_get(keys);
    if (!runs) return std::unexpected(runs.error());
    Page<RunRecord> page;
    for (const auto& item : (*runs)["Items"].GetArray()) page.items.push_back(read_run(item));
    if (more && !page.items.empty()) {
        const auto& last = page.items.back();
        page.next = std::to_string(last.started_at) + "." + last.id;
    }
    return page;
}

common::Result<std::optional<RunRecord>> DynamoHistory::run(const std::string& id) {
    auto item = m_table.get("R#" + id, "R");
    if (!item) return std::unexpected(item.error());
    if (!item->HasMember("Item")) return std::optional<RunRecord>{};
    return std::optional<RunRecord>{read_run((*item)["Item"])};
}

common::Result<std::vector<BuildRecord>> DynamoHistory::builds_of_run(const std::string& run_id) {
    auto entries = m_table.query_items("RB#" + run_id, true, 0);
    if (!entries) return std::unexpected(entries.error());
    std::vector<Key> keys;
    for (const auto& entry : (*entries)["Items"].GetArray())
        keys.emplace_back("B#" + get_s(entry, "component"), get_s(entry, "row"));
    auto builds = m_table.batch_get(keys);
    if (!builds) return std::unexpected(builds.error());
    std::vector<BuildRecord> out;
    for (const auto& item : (*builds)["Items"].GetArray()) out.push_back(read_build(item));
    std::sort(out.begin(), out.end(), [](const BuildRecord& x, const BuildRecord& y) {
        return std::tie(x.component, x.row) < std::tie(y.component, y.row);
    });
    return out;
}

// Each pass marks up to k_per_transaction of the run's open builds; the pass that marks the
// last of them also ends the run. A conflict (a build or the run changed) reads again.
common::Result<void> DynamoHistory::interrupt_run(const std::string& run_id, Millis now) {
    for (int conflicts = 0; conflicts < k_max_conflicts;) {
        auto run = m_table.get("R#" + run_id, "R");
        if (!run) return std::unexpected(run.error());
        if (!run->HasMember("Item") || get_s((*run)["Item"], "status") != "running") return {};
        auto builds = builds_of_run(run_id);
        if (!builds) return std::unexpected(builds.error());
        std::erase_if(*builds, [](const BuildRecord& b) { return !is_open_here(b); });
        const bool last = builds->size() <= k_per_transaction;
        Json tx(rapidjson::kObjectType);
        auto& a = tx.GetAllocator();
        JsonValue items(rapidjson::kArrayType);
        for (std::size_t i = 0; i < std::min(builds->size(), k_per_transaction); ++i) {
            const BuildRecord& b = (*builds)[i];
            items.PushBack(m_table.update(a, "B#" + b.component, pad(b.row),
                                          "SET #s = :i, finished_at = :f", "#s IN (:q, :r)",
                                          Item(a)
                                              .s(":i", "interrupted")
                                              .n(":f", now)
                                              .s(":q", "queued")
                                              .s(":r", "running")
                                              .take()),
                           a);
        }
        if (last) {
            items.PushBack(
                m_table.update(
                    a, "R#" + run_id, "R", "SET #s = :i, finished_at = :f", "#s = :r",
                    Item(a).s(":i", "interrupted").n(":f", now).s(":r", "running").take()),
                a);
            items.PushBack(m_table.remove(a, "RUNNING#" + get_s((*run)["Item"], "host"), run_id),
                           a);
        } else {
            items.PushBack(
                m_table.check(a, "R#" + run_id, "R", "#s = :r", Item(a).s(":r", "running").take()),
                a);
        }
        auto done = m_table.transact(tx, items);
        if (done && last) return {};
        if (done) continue;
        if (!is_conflict(done.error())) return std::unexpected(done.error());
        pause_after_conflict(conflicts++);
    }
    return common::fail(common::ErrorCode::external,
                        "dynamodb: could not interrupt run " + run_id + " (too much contention)");
}

}  // namespace versioning::detail
