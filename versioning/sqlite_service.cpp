// The SQLite store's calls for the service (`slipway serve`): pages of builds, deployments
// and runs (newest first, `limit` at a time, a cursor naming the last item shown, so rows
// inserted meanwhile never shift a page), a run and its builds, deliveries stored once per
// (source, id), and the per-environment job queue. Each queue change is one BEGIN IMMEDIATE
// transaction: concurrent processes queue on SQLite's write lock, so two never claim one
// job, nor two jobs of one environment.
#include "versioning/sqlite_schema.hpp"
#include "versioning/sqlite_store.hpp"

namespace versioning {

using detail::for_each_row;
using detail::k_build_columns;
using detail::k_job_select;
using detail::k_run_select;
using detail::read_build;
using detail::read_job;
using detail::Statement;

// --- paging ---------------------------------------------------------------------------

common::Result<Page<BuildRecord>> SqliteVersionStore::build_page(const std::string& component,
                                                                 const std::string& before,
                                                                 std::size_t limit) {
    static const std::string sql = std::string("SELECT ") + k_build_columns +
                                   " FROM builds WHERE component = ?1 AND (?2 = 0 OR id < ?2) "
                                   "ORDER BY id DESC LIMIT ?3";
    auto s = statement(sql.c_str());
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, component).bind(2, cursor_number(before));
    (*s)->bind(3, static_cast<std::int64_t>(limit + 1));
    std::vector<BuildRecord> out;
    auto ok = for_each_row(**s, [&](Statement& st) { out.push_back(read_build(st)); });
    if (!ok) return std::unexpected(ok.error());
    return paged(std::move(out), limit, [](const BuildRecord& b) { return std::to_string(b.row); });
}

common::Result<Page<ComponentDeployment>> SqliteVersionStore::deployment_page(
    const std::string& component, const std::string& env, const std::string& before,
    std::size_t limit) {
    auto s = statement(
        "SELECT d.id, d.env, d.status, i.build_number, i.image_uri, i.changed, i.commit_id, "
        "d.finished_at, d.kind, d.actor, d.started_at, d.run_id, d.note "
        "FROM deployment_images i JOIN deployments d ON d.id = i.deployment_id "
        "WHERE i.component = ?1 AND (?2 = '' OR d.env = ?2) AND (?3 = 0 OR i.deployment_id < ?3) "
        "ORDER BY i.deployment_id DESC LIMIT ?4");
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, component).bind(2, env).bind(3, cursor_number(before));
    (*s)->bind(4, static_cast<std::int64_t>(limit + 1));
    std::vector<ComponentDeployment> out;
    auto ok = for_each_row(**s, [&](Statement& st) {
        out.push_back({st.int64(0), st.text(1), st.text(2), st.int64(3), st.text(4),
                       st.int64(5) != 0, st.text(6), st.optional_int64(7), st.text(8), st.text(9),
                       st.int64(10), st.text(11), st.text(12)});
    });
    if (!ok) return std::unexpected(ok.error());
    return paged(std::move(out), limit,
                 [](const ComponentDeployment& d) { return std::to_string(d.deployment_id); });
}

// Runs page by start time, then id: the cursor is "<started_at>.<id>".
common::Result<Page<RunRecord>> SqliteVersionStore::run_page(const std::string& env,
                                                             const std::string& before,
                                                             std::size_t limit) {
    static const std::string sql =
        std::string(k_run_select) +
        "WHERE (?1 = '' OR env = ?1) AND (?2 = 0 OR (started_at, id) < (?2, ?3)) "
        "ORDER BY started_at DESC, id DESC LIMIT ?4";
    const auto dot = before.find('.');
    const std::int64_t at = cursor_number(before.substr(0, dot));
    const std::string id = dot == std::string::npos ? "" : before.substr(dot + 1);
    auto runs = select_runs(sql.c_str(), [&](Statement& st) {
        st.bind(1, env).bind(2, at).bind(3, id).bind(4, static_cast<std::int64_t>(limit + 1));
    });
    if (!runs) return std::unexpected(runs.error());
    return paged(std::move(*runs), limit,
                 [](const RunRecord& r) { return std::to_string(r.started_at) + "." + r.id; });
}

common::Result<std::optional<RunRecord>> SqliteVersionStore::run(const std::string& id) {
    static const std::string sql = std::string(k_run_select) + "WHERE id = ?";
    auto runs = select_runs(sql.c_str(), [&](Statement& st) { st.bind(1, id); });
    if (!runs) return std::unexpected(runs.error());
    if (runs->empty()) return std::optional<RunRecord>{};
    return std::optional<RunRecord>{std::move(runs->front())};
}

common::Result<std::vector<BuildRecord>> SqliteVersionStore::builds_of_run(
    const std::string& run_id) {
    static const std::string sql = std::string("SELECT ") + k_build_columns +
                                   " FROM builds WHERE run_id = ? ORDER BY component, id";
    return query_builds(sql.c_str(), run_id, 0);
}

// --- deliveries and jobs ---------------------------------------------------------------

common::Result<bool> SqliteVersionStore::record_delivery(const DeliveryRecord& d) {
    auto s = statement(
        "INSERT INTO deliveries (source, id, received_at, event, ref, head, actor, result, reason, "
        "job_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, id) DO UPDATE SET "
        "received_at = excluded.received_at WHERE deliveries.result = ''");
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, d.source).bind(2, d.id).bind(3, d.received_at).bind(4, d.event).bind(5, d.ref);
    (*s)->bind(6, d.head).bind(7, d.actor).bind(8, d.result).bind(9, d.reason).bind(10, d.job_id);
    if (auto ok = (*s)->run(); !ok) return std::unexpected(ok.error());
    return sqlite3_changes(m_db.handle()) == 1;
}

common::Result<void> SqliteVersionStore::set_delivery_result(const std::string& source,
                                                             const std::string& id,
                                                             const std::string& result,
                                                             const std::string& reason,
                                                             std::int64_t job_id) {
    auto s = statement(
        "UPDATE deliveries SET result = ?, reason = ?, job_id = ? WHERE source = ? AND id = ?");
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, result).bind(2, reason).bind(3, job_id).bind(4, source).bind(5, id);
    return (*s)->run();
}

common::Result<std::vector<DeliveryRecord>> SqliteVersionStore::deliveries(std::size_t limit) {
    auto s = statement(
        "SELECT source, id, received_at, event, ref, head, actor, result, reason, job_id "
        "FROM deliveries ORDER BY received_at DESC, id DESC LIMIT ?");
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, static_cast<std::int64_t>(limit));
    std::vector<DeliveryRecord> out;
    auto ok = for_each_row(**s, [&](Statement& st) {
        out.push_back({st.text(0), st.text(1), st.int64(2), st.text(3), st.text(4), st.text(5),
                       st.text(6), st.text(7), st.text(8), st.int64(9)});
    });
    if (!ok) return std::unexpected(ok.error());
    return out;
}

common::Result<std::vector<JobRecord>> SqliteVersionStore::select_jobs(
    const char* sql, const std::function<void(detail::Statement&)>& bind) {
    auto s = statement(sql);
    if (!s) return std::unexpected(s.error());
    bind(**s);
    std::vector<JobRecord> out;
    auto ok = for_each_row(**s, [&](Statement& st) { out.push_back(read_job(st)); });
    if (!ok) return std::unexpected(ok.error());
    return out;
}

// Newest wins, in one transaction: the open jobs of the environment decide whether the new
// one is a duplicate or older (dropped) or replaces the waiting one (which is superseded).
common::Result<JobRecord> SqliteVersionStore::enqueue_job(const JobRecord& job,
                                                          const OlderThan& older) {
    return detail::in_transaction(m_db, [&]() -> common::Result<JobRecord> {
        static const std::string open_sql =
            std::string(k_job_select) +
            "WHERE env = ? AND status IN ('pending', 'running') ORDER BY id";
        auto open = select_jobs(open_sql.c_str(), [&](Statement& st) { st.bind(1, job.env); });
        if (!open) return std::unexpected(open.error());
        const JobRecord* running = nullptr;
        const JobRecord* waiting = nullptr;
        for (const auto& j : *open) (j.status == JobStatus::running ? running : waiting) = &j;
        JobRecord stored = queued_job(job, running, waiting, older);
        auto insert = statement(
            "INSERT INTO jobs (env, branch, head, trigger, actor, status, created_at, finished_at, "
            "run_id, owner, lease_until, reason, replaced, kind, request_id, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '', 0, ?, ?, ?, ?, ?)");
        if (!insert) return std::unexpected(insert.error());
        auto& in = **insert;
        in.bind(1, stored.env).bind(2, stored.branch).bind(3, stored.head).bind(4, stored.trigger);
        in.bind(5, stored.actor).bind(6, to_string(stored.status)).bind(7, stored.created_at);
        in.bind(8, stored.finished_at).bind(9, stored.reason);
        in.bind(10, joined_heads(stored.replaced)).bind(11, stored.kind);
        in.bind(12, stored.request_id).bind(13, stored.note);
        if (auto ok = in.run(); !ok) return std::unexpected(ok.error());
        stored.id = sqlite3_last_insert_rowid(m_db.handle());
        if (stored.status == JobStatus::dropped || !waiting) return stored;
        auto supersede = statement(
            "UPDATE jobs SET status = 'superseded', finished_at = ?, reason = ? "
            "WHERE env = ? AND status = 'pending' AND id != ?");
        if (!supersede) return std::unexpected(supersede.error());
        (*supersede)->bind(1, stored.created_at);
        (*supersede)->bind(2, superseded_reason(stored, *waiting));
        (*supersede)->bind(3, stored.env).bind(4, stored.id);
        if (auto ok = (*supersede)->run(); !ok) return std::unexpected(ok.error());
        return stored;
    });
}

common::Result<std::optional<JobRecord>> SqliteVersionStore::claim_job(
    const std::string& owner, Millis now, Millis ttl, std::vector<JobRecord>& interrupted) {
    return detail::in_transaction(m_db, [&]() -> common::Result<std::optional<JobRecord>> {
        static const std::string expired_sql =
            std::string(k_job_select) + "WHERE status = 'running' AND lease_until <= ?";
        auto expired = select_jobs(expired_sql.c_str(), [&](Statement& st) { st.bind(1, now); });
        if (!expired) return std::unexpected(expired.error());
        for (auto& j : *expired) {
            static const std::string newer_sql =
                std::string(k_job_select) + "WHERE env = ? AND status = 'pending'";
            auto newer = select_jobs(newer_sql.c_str(), [&](Statement& st) { st.bind(1, j.env); });
            if (!newer) return std::unexpected(newer.error());
            const bool again = newer->empty() && j.attempts < 2;
            auto mark = statement(
                "UPDATE jobs SET status = ?, finished_at = ?, reason = ?, owner = '', "
                "lease_until = 0 WHERE id = ?");
            if (!mark) return std::unexpected(mark.error());
            j.status = again ? JobStatus::pending : JobStatus::interrupted;
            j.reason = "the claim of " + j.owner + " expired" + (again ? "; to be run again" : "");
            (*mark)->bind(1, to_string(j.status));
            again ? (*mark)->bind_null(2) : (*mark)->bind(2, now);
            (*mark)->bind(3, j.reason).bind(4, j.id);
            if (auto ok = (*mark)->run(); !ok) return std::unexpected(ok.error());
            if (!again) j.finished_at = now;
            interrupted.push_back(j);
        }
        static const std::string next_sql =
            std::string(k_job_select) +
            "WHERE status = 'pending' AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.env = jobs.env "
            "AND r.status = 'running') ORDER BY id LIMIT 1";
        auto next = select_jobs(next_sql.c_str(), [](Statement&) {});
        if (!next) return std::unexpected(next.error());
        if (next->empty()) return std::optional<JobRecord>{};
        JobRecord j = next->front();
        auto take = statement(
            "UPDATE jobs SET status = 'running', owner = ?, started_at = ?, lease_until = ?, "
            "attempts = attempts + 1 WHERE id = ?");
        if (!take) return std::unexpected(take.error());
        (*take)->bind(1, owner).bind(2, now).bind(3, now + ttl).bind(4, j.id);
        if (auto ok = (*take)->run(); !ok) return std::unexpected(ok.error());
        j.status = JobStatus::running;
        j.owner = owner;
        j.started_at = now;
        j.lease_until = now + ttl;
        ++j.attempts;
        return std::optional<JobRecord>{j};
    });
}

common::Result<bool> SqliteVersionStore::renew_job(std::int64_t id, const std::string& owner,
                                                   Millis now, Millis ttl,
                                                   const std::string& run_id) {
    auto s = statement(
        "UPDATE jobs SET lease_until = ?1, run_id = iif(?4 = '', run_id, ?4) "
        "WHERE id = ?2 AND owner = ?3 AND status = 'running'");
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, now + ttl).bind(2, id).bind(3, owner).bind(4, run_id);
    if (auto ok = (*s)->run(); !ok) return std::unexpected(ok.error());
    return sqlite3_changes(m_db.handle()) == 1;
}

common::Result<void> SqliteVersionStore::finish_job(std::int64_t id, const std::string& owner,
                                                    JobStatus status, Millis at,
                                                    const std::string& run_id,
                                                    const std::string& reason) {
    auto s = statement(
        "UPDATE jobs SET status = ?1, finished_at = ?2, run_id = iif(?3 = '', run_id, ?3), "
        "reason = ?4 WHERE id = ?5 AND owner = ?6 AND status = 'running'");
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, to_string(status)).bind(2, at).bind(3, run_id).bind(4, reason).bind(5, id);
    (*s)->bind(6, owner);
    return (*s)->run();
}

common::Result<std::vector<JobRecord>> SqliteVersionStore::jobs(const std::string& env,
                                                                std::size_t limit) {
    static const std::string sql =
        std::string(k_job_select) + "WHERE ?1 = '' OR env = ?1 ORDER BY id DESC LIMIT ?2";
    return select_jobs(sql.c_str(), [&](Statement& st) {
        st.bind(1, env).bind(2, static_cast<std::int64_t>(limit));
    });
}

// --- promotion requests and drift ------------------------------------------------------

common::Result<std::int64_t> SqliteVersionStore::record_request(const PromotionRequest& r) {
    return detail::in_transaction(m_db, [&]() -> common::Result<std::int64_t> {
        auto insert = statement("INSERT INTO requests (env, status, doc) VALUES (?, ?, '')");
        if (!insert) return std::unexpected(insert.error());
        (*insert)->bind(1, r.env).bind(2, r.status);
        if (auto ok = (*insert)->run(); !ok) return std::unexpected(ok.error());
        PromotionRequest stored = r;
        stored.id = sqlite3_last_insert_rowid(m_db.handle());
        auto doc = statement("UPDATE requests SET doc = ? WHERE id = ?");
        if (!doc) return std::unexpected(doc.error());
        (*doc)->bind(1, request_document(stored)).bind(2, stored.id);
        if (auto ok = (*doc)->run(); !ok) return std::unexpected(ok.error());
        return stored.id;
    });
}

common::Result<std::vector<PromotionRequest>> SqliteVersionStore::select_requests(
    const char* sql, const std::function<void(detail::Statement&)>& bind) {
    auto s = statement(sql);
    if (!s) return std::unexpected(s.error());
    bind(**s);
    std::vector<PromotionRequest> out;
    bool bad = false;
    auto ok = for_each_row(**s, [&](Statement& st) {
        auto r = parse_request_document(st.text(0));
        if (r) out.push_back(std::move(*r));
        bad = bad || !r;
    });
    if (!ok) return std::unexpected(ok.error());
    if (bad)
        return common::fail(common::ErrorCode::external,
                            "store " + m_db.path() + ": a promotion request is unreadable");
    return out;
}

common::Result<std::optional<PromotionRequest>> SqliteVersionStore::request(std::int64_t id) {
    auto found = select_requests("SELECT doc FROM requests WHERE id = ?",
                                 [&](Statement& st) { st.bind(1, id); });
    if (!found) return std::unexpected(found.error());
    if (found->empty()) return std::optional<PromotionRequest>{};
    return std::optional<PromotionRequest>{std::move(found->front())};
}

common::Result<std::vector<PromotionRequest>> SqliteVersionStore::requests(const std::string& env,
                                                                           std::size_t limit) {
    return select_requests(
        "SELECT doc FROM requests WHERE ?1 = '' OR env = ?1 ORDER BY id DESC LIMIT ?2",
        [&](Statement& st) { st.bind(1, env).bind(2, static_cast<std::int64_t>(limit)); });
}

// A change of an open request: read, changed by `change`, written back, in one transaction.
common::Result<bool> SqliteVersionStore::change_open_request(
    std::int64_t id, const std::function<void(PromotionRequest&)>& change) {
    return detail::in_transaction(m_db, [&]() -> common::Result<bool> {
        auto found = request(id);
        if (!found) return std::unexpected(found.error());
        if (!*found || (*found)->status != request_status::open) return false;
        PromotionRequest r = std::move(**found);
        change(r);
        auto s = statement("UPDATE requests SET status = ?, doc = ? WHERE id = ?");
        if (!s) return std::unexpected(s.error());
        (*s)->bind(1, r.status).bind(2, request_document(r)).bind(3, id);
        if (auto ok = (*s)->run(); !ok) return std::unexpected(ok.error());
        return true;
    });
}

common::Result<bool> SqliteVersionStore::decide_request(std::int64_t id,
                                                        const RequestDecision& decision) {
    return change_open_request(id, [&](PromotionRequest& r) { r.decisions.push_back(decision); });
}

common::Result<bool> SqliteVersionStore::finish_request(std::int64_t id, const std::string& status,
                                                        Millis at, std::int64_t deployment_id,
                                                        const std::string& run_id,
                                                        const std::string& outcome) {
    return change_open_request(id, [&](PromotionRequest& r) {
        r.status = status;
        r.finished_at = at;
        r.deployment_id = deployment_id;
        r.run_id = run_id;
        r.outcome = outcome;
    });
}

common::Result<void> SqliteVersionStore::record_drift(const DriftRecord& d) {
    auto s = statement(
        "INSERT INTO drift (env, checked_at, doc) VALUES (?, ?, ?) ON CONFLICT (env) DO UPDATE "
        "SET checked_at = excluded.checked_at, doc = excluded.doc");
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, d.env).bind(2, d.checked_at).bind(3, drift_document(d));
    return (*s)->run();
}

common::Result<std::vector<DriftRecord>> SqliteVersionStore::drifts() {
    auto s = statement("SELECT doc FROM drift ORDER BY env");
    if (!s) return std::unexpected(s.error());
    std::vector<DriftRecord> out;
    auto ok = for_each_row(**s, [&](Statement& st) {
        if (auto d = parse_drift_document(st.text(0))) out.push_back(std::move(*d));
    });
    if (!ok) return std::unexpected(ok.error());
    return out;
}

}  // namespace versioning
