// The SQLite store (its schema and migrations: sqlite_schema.cpp; the service's pages,
// deliveries and job queue: sqlite_service.cpp).
//
// Build numbers come from build_counters, bumped by an upsert in the same BEGIN IMMEDIATE
// transaction that inserts the build row: concurrent processes queue on SQLite's write lock
// (busy timeout), so each number is handed out exactly once and none is lost. `builds`
// also keeps the rows that take no new number (reused: the reused build's number; skipped
// and cancelled-before-start: none), so its key is a surrogate id with (component,
// build_number) unique among the builds that own their number.
#include "versioning/sqlite_store.hpp"

#include <cstdint>
#include <filesystem>

#include "versioning/sqlite_schema.hpp"

namespace versioning {

using detail::for_each_row;
using detail::k_build_columns;
using detail::k_job_select;
using detail::k_run_select;
using detail::read_build;
using detail::read_job;
using detail::Statement;

namespace {

constexpr const char* k_deployment_columns =
    "id, env, stack, commit_id, status, started_at, finished_at, change_set, run_id, kind, "
    "source, reason, client_token, actor, executed_by, template_commit, template_hash, "
    "parameters, region, account, scope, note";

DeploymentRecord read_deployment(const Statement& s) {
    DeploymentRecord d{s.int64(0), s.text(1),           s.text(2), s.text(3), s.text(4),
                       s.int64(5), s.optional_int64(6), s.text(7), s.text(8), {}};
    d.kind = s.text(9);
    d.source = s.text(10);
    d.reason = s.text(11);
    d.client_token = s.text(12);
    d.actor = s.text(13);
    d.executed_by = s.text(14);
    d.template_commit = s.text(15);
    d.template_hash = s.text(16);
    d.parameters = parse_parameters_json(s.text(17));
    d.region = s.text(18);
    d.account = s.text(19);
    d.scope = s.text(20);
    d.note = s.text(21);
    return d;
}

std::string join_paths(const std::vector<std::string>& paths) {
    std::string out;
    for (const auto& p : paths) out += p + '\0';
    return out;
}

std::vector<std::string> split_paths(const std::string& joined) {
    std::vector<std::string> out;
    for (std::size_t s = 0, e; (e = joined.find('\0', s)) != std::string::npos; s = e + 1) {
        out.push_back(joined.substr(s, e - s));
    }
    return out;
}
}  // namespace

int SqliteVersionStore::schema_version() {
    return detail::current_schema_version();
}

common::Result<std::unique_ptr<SqliteVersionStore>> SqliteVersionStore::open(
    const std::string& path) {
    std::error_code ec;
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    auto db = detail::Database::open(path);
    if (!db) return std::unexpected(db.error());
    if (auto ok = detail::migrate(*db); !ok) return std::unexpected(ok.error());
    return std::unique_ptr<SqliteVersionStore>(new SqliteVersionStore(std::move(*db)));
}

common::Result<std::unique_ptr<SqliteVersionStore>> SqliteVersionStore::open_read_only(
    const std::string& path) {
    auto db = detail::Database::open_read_only(path);
    if (!db) return std::unexpected(db.error());
    if (auto ok = detail::require_current_schema(*db); !ok) return std::unexpected(ok.error());
    return std::unique_ptr<SqliteVersionStore>(new SqliteVersionStore(std::move(*db)));
}

common::Result<Statement*> SqliteVersionStore::statement(const char* sql) {
    auto it = m_statements.find(sql);
    if (it == m_statements.end()) {
        auto prepared = m_db.prepare(sql);
        if (!prepared) return std::unexpected(prepared.error());
        it = m_statements.emplace(sql, std::move(*prepared)).first;
    }
    it->second.reset();
    return &it->second;
}

common::Result<void> SqliteVersionStore::begin_run(const RunRecord& r) {
    auto s = statement(
        "INSERT INTO runs (id, trigger, base, head, env, status, started_at, host, pid, pid_start, "
        "base_reason, kind, actor) VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)");
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, r.id).bind(2, r.trigger).bind(3, r.base).bind(4, r.head).bind(5, r.env);
    (*s)->bind(6, r.started_at).bind(7, r.host).bind(8, r.pid).bind(9, r.pid_start);
    (*s)->bind(10, r.base_reason).bind(11, r.kind).bind(12, r.actor);
    return (*s)->run();
}

common::Result<void> SqliteVersionStore::finish_run(const std::string& run_id, RunStatus status,
                                                    Millis at, const std::string& report) {
    auto s = statement("UPDATE runs SET status = ?, finished_at = ?, report = ? WHERE id = ?");
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, to_string(status)).bind(2, at).bind(3, report).bind(4, run_id);
    return (*s)->run();
}

common::Result<std::vector<RunRecord>> SqliteVersionStore::select_runs(
    const char* sql, const std::function<void(detail::Statement&)>& bind) {
    auto s = statement(sql);
    if (!s) return std::unexpected(s.error());
    bind(**s);
    std::vector<RunRecord> out;
    auto ok = for_each_row(**s, [&](const Statement& row) {
        out.push_back({row.text(0), row.text(1), row.text(2), row.text(3), row.text(4),
                       parse_run_status(row.text(5)), row.int64(6), row.optional_int64(7),
                       row.text(8), row.int64(9), row.int64(10), row.text(11), row.text(12),
                       row.text(13), row.text(14)});
    });
    if (!ok) return std::unexpected(ok.error());
    return out;
}

common::Result<std::vector<RunRecord>> SqliteVersionStore::runs(const std::string& env,
                                                                std::size_t limit) {
    static const std::string sql = std::string(k_run_select) +
                                   "WHERE ?1 = '' OR env = ?1 ORDER BY started_at DESC, id DESC "
                                   "LIMIT ?2";
    return select_runs(sql.c_str(), [&](Statement& st) {
        st.bind(1, env).bind(2, static_cast<std::int64_t>(limit));
    });
}

common::Result<void> SqliteVersionStore::batch(
    const std::function<common::Result<void>()>& writes) {
    return detail::in_transaction(m_db, writes);
}

common::Result<BuildRecord> SqliteVersionStore::reserve_build(
    const BuildStart& start, const std::function<std::string(std::int64_t)>& image_uri) {
    return detail::in_transaction(m_db, [&]() -> common::Result<BuildRecord> {
        auto bump = statement(
            "INSERT INTO build_counters (component, last) VALUES (?, 1) "
            "ON CONFLICT (component) DO UPDATE SET last = last + 1 RETURNING last");
        if (!bump) return std::unexpected(bump.error());
        (*bump)->bind(1, start.component);
        auto row = (*bump)->step();
        if (!row) return std::unexpected(row.error());
        BuildRecord b;
        b.build_number = (*bump)->int64(0);
        (*bump)->reset();
        b.component = start.component;
        b.commit = start.commit;
        b.input_hash = start.input_hash;
        b.image_uri = image_uri(b.build_number);
        b.status = BuildStatus::queued;
        b.started_at = start.started_at;
        b.log_path = start.log_path;
        b.run_id = start.run_id;
        if (auto ok = insert_build(b); !ok) return std::unexpected(ok.error());
        b.row = sqlite3_last_insert_rowid(m_db.handle());
        if (!start.shareable) {
            auto mark = statement("UPDATE builds SET shareable = 0 WHERE id = ?");
            if (!mark) return std::unexpected(mark.error());
            (*mark)->bind(1, b.row);
            if (auto ok = (*mark)->run(); !ok) return std::unexpected(ok.error());
        }
        return b;
    });
}

common::Result<void> SqliteVersionStore::insert_build(const BuildRecord& b) {
    auto s = statement(
        "INSERT INTO builds (component, build_number, commit_id, input_hash, image_uri, status, "
        "exit_code, started_at, finished_at, log_path, run_id, pgid, pgid_start, remote_id, "
        "image_digest, reused) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s) return std::unexpected(s.error());
    auto& st = **s;
    st.bind(1, b.component);
    b.build_number > 0 ? st.bind(2, b.build_number) : st.bind_null(2);
    st.bind(3, b.commit).bind(4, b.input_hash).bind(5, b.image_uri).bind(6, to_string(b.status));
    b.exit_code ? st.bind(7, static_cast<std::int64_t>(*b.exit_code)) : st.bind_null(7);
    st.bind(8, b.started_at).bind(9, b.finished_at).bind(10, b.log_path).bind(11, b.run_id);
    st.bind(12, b.handle.pgid).bind(13, b.handle.pgid_start).bind(14, b.handle.remote_id);
    st.bind(15, b.image_digest);
    st.bind(16, static_cast<std::int64_t>(b.status == BuildStatus::reused));
    return st.run();
}

// A build this process reserved is found by its row id (end.row); any other through
// builds_number. Either way only the build of that component and number is changed.
common::Result<void> SqliteVersionStore::finish_build(const std::string& component,
                                                      std::int64_t build_number,
                                                      const BuildEnd& end) {
    auto s = end.row > 0 ? statement(
                               "UPDATE builds SET status = ?1, exit_code = ?2, finished_at = ?3, "
                               "started_at = iif(?4 > 0, ?4, started_at), image_digest = ?7 "
                               "WHERE id = ?8 AND component = ?5 AND build_number = ?6 AND "
                               "reused = 0")
                         : statement(
                               "UPDATE builds SET status = ?1, exit_code = ?2, finished_at = ?3, "
                               "started_at = iif(?4 > 0, ?4, started_at), image_digest = ?7 "
                               "WHERE component = ?5 AND build_number = ?6 AND reused = 0");
    if (!s) return std::unexpected(s.error());
    auto& st = **s;
    st.bind(1, to_string(end.status));
    end.exit_code ? st.bind(2, static_cast<std::int64_t>(*end.exit_code)) : st.bind_null(2);
    st.bind(3, end.finished_at).bind(4, end.started_at).bind(5, component).bind(6, build_number);
    st.bind(7, end.image_digest);
    if (end.row > 0) st.bind(8, end.row);
    return st.run();
}

common::Result<void> SqliteVersionStore::start_build(const std::string& component,
                                                     std::int64_t build_number, Millis at,
                                                     const BuildHandle& where) {
    auto s = statement(
        "UPDATE builds SET status = 'running', started_at = ?, pgid = ?, pgid_start = ?, "
        "remote_id = ? WHERE component = ? AND build_number = ? AND reused = 0 AND "
        "status = 'queued'");
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, at).bind(2, where.pgid).bind(3, where.pgid_start).bind(4, where.remote_id);
    (*s)->bind(5, component).bind(6, build_number);
    return (*s)->run();
}

common::Result<void> SqliteVersionStore::record_build(const BuildRecord& build) {
    return insert_build(build);
}

common::Result<std::vector<BuildRecord>> SqliteVersionStore::query_builds(const char* sql,
                                                                          const std::string& key,
                                                                          std::int64_t limit) {
    auto s = statement(sql);
    if (!s) return std::unexpected(s.error());
    if (!key.empty()) (*s)->bind(1, key);
    if (limit > 0) (*s)->bind(key.empty() ? 1 : 2, limit);
    std::vector<BuildRecord> out;
    auto ok = for_each_row(**s, [&](Statement& st) { out.push_back(read_build(st)); });
    if (!ok) return std::unexpected(ok.error());
    return out;
}

common::Result<std::optional<BuildRecord>> SqliteVersionStore::find_reusable(
    const std::string& component, const std::string& input_hash) {
    static const std::string sql =
        std::string("SELECT ") + k_build_columns +
        " FROM builds WHERE component = ? AND input_hash = ? "
        "AND status = 'succeeded' AND shareable = 1 ORDER BY id DESC LIMIT 1";
    auto s = statement(sql.c_str());
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, component).bind(2, input_hash);
    auto row = (*s)->step();
    if (!row) return std::unexpected(row.error());
    std::optional<BuildRecord> out;
    if (*row) out = read_build(**s);
    (*s)->reset();
    return out;
}

common::Result<std::int64_t> SqliteVersionStore::peek_next_number(const std::string& component) {
    auto s = statement("SELECT last FROM build_counters WHERE component = ?");
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, component);
    auto row = (*s)->step();
    if (!row) return std::unexpected(row.error());
    std::int64_t next = *row ? (*s)->int64(0) + 1 : 1;
    (*s)->reset();
    return next;
}

common::Result<std::vector<BuildRecord>> SqliteVersionStore::builds_of(const std::string& component,
                                                                       std::size_t limit) {
    static const std::string sql = std::string("SELECT ") + k_build_columns +
                                   " FROM builds WHERE component = ? ORDER BY id DESC LIMIT ?";
    return query_builds(sql.c_str(), component, static_cast<std::int64_t>(limit));
}

// The newest build of each component: a skip-scan of the builds_history index (one seek per
// component), so the cost grows with the components, not with the builds of all time.
common::Result<std::vector<BuildRecord>> SqliteVersionStore::latest_builds() {
    return query_builds(
        "WITH RECURSIVE names(name) AS (SELECT MIN(component) FROM builds UNION ALL "
        "SELECT (SELECT MIN(component) FROM builds WHERE component > name) FROM names "
        "WHERE name IS NOT NULL) "
        "SELECT component, build_number, commit_id, input_hash, image_uri, status, exit_code, "
        "started_at, finished_at, log_path, run_id, builds.id, pgid, pgid_start, remote_id, "
        "image_digest FROM names JOIN builds ON builds.id = "
        "(SELECT id FROM builds WHERE component = names.name ORDER BY id DESC LIMIT 1) "
        "ORDER BY component",
        "", 0);
}

// A succeeded build has a number, so its component has a counter: the counters name every
// component this needs, and one seek each finds its latest build (no skip-scan, no record).
common::Result<std::vector<std::pair<std::string, Millis>>> SqliteVersionStore::latest_durations() {
    auto s = statement(
        "SELECT c.component, b.finished_at - b.started_at FROM build_counters c JOIN builds b "
        "ON b.id = (SELECT id FROM builds WHERE component = c.component ORDER BY id DESC "
        "LIMIT 1) WHERE b.status = 'succeeded' AND b.finished_at > b.started_at");
    if (!s) return std::unexpected(s.error());
    std::vector<std::pair<std::string, Millis>> out;
    auto ok = for_each_row(
        **s, [&](const Statement& row) { out.emplace_back(row.text(0), row.int64(1)); });
    if (!ok) return std::unexpected(ok.error());
    return out;
}

// The same skip-scan: a UNION with all of builds read every row (0.33 s at 1,000,000 builds).
common::Result<std::vector<std::string>> SqliteVersionStore::known_components() {
    auto s = statement(
        "WITH RECURSIVE names(name) AS (SELECT MIN(component) FROM builds UNION ALL "
        "SELECT (SELECT MIN(component) FROM builds WHERE component > name) FROM names "
        "WHERE name IS NOT NULL) "
        "SELECT component FROM build_counters UNION SELECT name FROM names WHERE name IS NOT "
        "NULL ORDER BY 1");
    if (!s) return std::unexpected(s.error());
    std::vector<std::string> out;
    auto ok = for_each_row(**s, [&](Statement& st) { out.push_back(st.text(0)); });
    if (!ok) return std::unexpected(ok.error());
    return out;
}

common::Result<void> SqliteVersionStore::record_diffs(const std::vector<DiffRecord>& diffs) {
    return detail::in_transaction(m_db, [&]() -> common::Result<void> {
        auto s = statement(
            "INSERT OR REPLACE INTO diffs (commit_id, component, paths) VALUES (?, ?, ?)");
        if (!s) return std::unexpected(s.error());
        for (const auto& d : diffs) {
            (*s)->bind(1, d.commit).bind(2, d.component).bind_blob(3, join_paths(d.paths));
            if (auto ok = (*s)->run(); !ok) return ok;
        }
        return {};
    });
}

common::Result<std::vector<DiffRecord>> SqliteVersionStore::diffs_of(const std::string& commit) {
    auto s = statement("SELECT component, paths FROM diffs WHERE commit_id = ? ORDER BY component");
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, commit);
    std::vector<DiffRecord> out;
    auto ok = for_each_row(**s, [&](Statement& st) {
        out.push_back({commit, st.text(0), split_paths(st.blob(1))});
    });
    if (!ok) return std::unexpected(ok.error());
    return out;
}

common::Result<std::int64_t> SqliteVersionStore::record_deployment(const DeploymentRecord& d) {
    return detail::in_transaction(m_db, [&]() -> common::Result<std::int64_t> {
        auto s = statement(
            "INSERT INTO deployments (env, stack, commit_id, status, started_at, finished_at, "
            "change_set, run_id, kind, source, reason, client_token, actor, executed_by, "
            "template_commit, template_hash, parameters, region, account, scope, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        if (!s) return std::unexpected(s.error());
        (*s)->bind(1, d.env)
            .bind(2, d.stack)
            .bind(3, d.commit)
            .bind(4, d.status)
            .bind(5, d.started_at);
        (*s)->bind(6, d.finished_at).bind(7, d.change_set).bind(8, d.run_id);
        (*s)->bind(9, d.kind).bind(10, d.source).bind(11, d.reason);
        (*s)->bind(12, d.client_token).bind(13, d.actor).bind(14, d.executed_by);
        (*s)->bind(15, d.template_commit).bind(16, d.template_hash);
        (*s)->bind(17, parameters_json(d.parameters));
        (*s)->bind(18, d.region).bind(19, d.account).bind(20, d.scope).bind(21, d.note);
        if (auto ok = (*s)->run(); !ok) return std::unexpected(ok.error());
        const std::int64_t id = sqlite3_last_insert_rowid(m_db.handle());
        auto img = statement(
            "INSERT INTO deployment_images (deployment_id, component, build_number, image_uri, "
            "changed, parameter, commit_id) VALUES (?, ?, ?, ?, ?, ?, ?)");
        if (!img) return std::unexpected(img.error());
        for (const auto& i : d.images) {
            (*img)->bind(1, id).bind(2, i.component).bind(3, i.build_number).bind(4, i.image_uri);
            (*img)->bind(5, static_cast<std::int64_t>(i.changed)).bind(6, i.parameter);
            (*img)->bind(7, i.commit);
            if (auto ok = (*img)->run(); !ok) return std::unexpected(ok.error());
        }
        return id;
    });
}

common::Result<std::vector<ComponentDeployment>> SqliteVersionStore::deployments_of(
    const std::string& component, const std::string& env, std::size_t limit) {
    auto s = statement(
        "SELECT d.id, d.env, d.status, i.build_number, i.image_uri, i.changed, i.commit_id, "
        "d.finished_at, d.kind, d.actor, d.started_at, d.run_id, d.note "
        "FROM deployment_images i JOIN deployments d ON d.id = i.deployment_id "
        "WHERE i.component = ? AND (? = '' OR d.env = ?) ORDER BY i.deployment_id DESC LIMIT ?");
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, component).bind(2, env).bind(3, env).bind(4, static_cast<std::int64_t>(limit));
    std::vector<ComponentDeployment> out;
    auto ok = for_each_row(**s, [&](Statement& st) {
        out.push_back({st.int64(0), st.text(1), st.text(2), st.int64(3), st.text(4),
                       st.int64(5) != 0, st.text(6), st.optional_int64(7), st.text(8), st.text(9),
                       st.int64(10), st.text(11), st.text(12)});
    });
    if (!ok) return std::unexpected(ok.error());
    return out;
}

common::Result<std::vector<DeploymentImage>> SqliteVersionStore::images_of(
    std::int64_t deployment_id) {
    auto s = statement(
        "SELECT component, build_number, image_uri, changed, parameter, commit_id "
        "FROM deployment_images WHERE deployment_id = ? ORDER BY component");
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, deployment_id);
    std::vector<DeploymentImage> out;
    auto ok = for_each_row(**s, [&](Statement& st) {
        out.push_back(
            {st.text(0), st.int64(1), st.text(2), st.int64(3) != 0, st.text(4), st.text(5)});
    });
    if (!ok) return std::unexpected(ok.error());
    return out;
}

common::Result<std::vector<DeploymentRecord>> SqliteVersionStore::current_deployments(
    const std::string& env) {
    static const std::string sql = std::string("SELECT ") + k_deployment_columns +
                                   " FROM deployments WHERE id IN (SELECT MAX(id) FROM "
                                   "deployments WHERE status = 'succeeded' AND (?1 = '' OR env = "
                                   "?1) GROUP BY env, stack, region, account) "
                                   "ORDER BY env, stack, account, region";
    return select_deployments(sql, [&](Statement& s) { s.bind(1, env); });
}

common::Result<std::optional<DeploymentRecord>> SqliteVersionStore::deployment(std::int64_t id) {
    static const std::string sql =
        std::string("SELECT ") + k_deployment_columns + " FROM deployments WHERE id = ?";
    auto found = select_deployments(sql, [&](Statement& s) { s.bind(1, id); });
    if (!found) return std::unexpected(found.error());
    if (found->empty()) return std::optional<DeploymentRecord>{};
    return std::optional<DeploymentRecord>{std::move(found->front())};
}

common::Result<std::vector<DeploymentRecord>> SqliteVersionStore::deployments_in(
    const std::string& env, std::size_t limit) {
    static const std::string sql = std::string("SELECT ") + k_deployment_columns +
                                   " FROM deployments WHERE env = ? ORDER BY id DESC LIMIT ?";
    return select_deployments(
        sql, [&](Statement& s) { s.bind(1, env).bind(2, static_cast<std::int64_t>(limit)); });
}

common::Result<bool> SqliteVersionStore::finish_deployment(std::int64_t id,
                                                           const std::string& status, Millis at,
                                                           const std::string& reason) {
    auto s = statement(
        "UPDATE deployments SET status = ?, finished_at = ?, reason = ? "
        "WHERE id = ? AND status = 'pending'");
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, status).bind(2, at).bind(3, reason).bind(4, id);
    if (auto ok = (*s)->run(); !ok) return std::unexpected(ok.error());
    return sqlite3_changes(m_db.handle()) == 1;
}

common::Result<std::vector<DeploymentRecord>> SqliteVersionStore::pending_deployments(
    const std::string& env) {
    static const std::string sql = std::string("SELECT ") + k_deployment_columns +
                                   " FROM deployments WHERE status = 'pending' AND (?1 = '' OR "
                                   "env = ?1) ORDER BY id";
    return select_deployments(sql, [&](Statement& st) { st.bind(1, env); });
}

common::Result<std::vector<DeploymentRecord>> SqliteVersionStore::select_deployments(
    const std::string& sql, const std::function<void(Statement&)>& bind) {
    auto s = statement(sql.c_str());  // `sql` is a static string: its pointer keys the cache
    if (!s) return std::unexpected(s.error());
    bind(**s);
    std::vector<DeploymentRecord> out;
    auto ok = for_each_row(**s, [&](Statement& st) { out.push_back(read_deployment(st)); });
    if (!ok) return std::unexpected(ok.error());
    for (auto& d : out) {
        auto images = images_of(d.id);
        if (!images) return std::unexpected(images.error());
        d.images = std::move(*images);
    }
    return out;
}

common::Result<LockInfo> SqliteVersionStore::acquire_lock(const std::string& name,
                                                          const std::string& owner, Millis now,
                                                          Millis ttl) {
    return detail::in_transaction(m_db, [&]() -> common::Result<LockInfo> {
        auto take = statement(
            "INSERT INTO locks (name, owner, acquired_at, expires_at) VALUES (?1, ?2, ?3, ?4) "
            "ON CONFLICT (name) DO UPDATE SET owner = ?2, expires_at = ?4, acquired_at = "
            "CASE WHEN owner = ?2 THEN acquired_at ELSE ?3 END "
            "WHERE owner = ?2 OR expires_at <= ?3");
        if (!take) return std::unexpected(take.error());
        (*take)->bind(1, name).bind(2, owner).bind(3, now).bind(4, now + ttl);
        if (auto ok = (*take)->run(); !ok) return std::unexpected(ok.error());
        auto read = statement("SELECT owner, acquired_at, expires_at FROM locks WHERE name = ?");
        if (!read) return std::unexpected(read.error());
        (*read)->bind(1, name);
        LockInfo info{name, "", 0, 0};
        auto ok = for_each_row(**read, [&](Statement& st) {
            info.owner = st.text(0);
            info.acquired_at = st.int64(1);
            info.expires_at = st.int64(2);
        });
        if (!ok) return std::unexpected(ok.error());
        return info;
    });
}

common::Result<void> SqliteVersionStore::release_lock(const std::string& name,
                                                      const std::string& owner) {
    auto s = statement("DELETE FROM locks WHERE name = ? AND owner = ?");
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, name).bind(2, owner);
    return (*s)->run();
}

common::Result<void> SqliteVersionStore::interrupt_run(const std::string& run_id, Millis now) {
    return detail::in_transaction(m_db, [&]() -> common::Result<void> {
        auto run = statement(
            "UPDATE runs SET status = 'interrupted', finished_at = ? WHERE id = ? AND status = "
            "'running'");
        if (!run) return std::unexpected(run.error());
        (*run)->bind(1, now).bind(2, run_id);
        if (auto done = (*run)->run(); !done) return done;
        auto builds = statement(
            "UPDATE builds SET status = 'interrupted', finished_at = ? WHERE run_id = ? AND "
            "status IN ('queued', 'running') AND remote_id = ''");
        if (!builds) return std::unexpected(builds.error());
        (*builds)->bind(1, now).bind(2, run_id);
        return (*builds)->run();
    });
}

common::Result<std::size_t> SqliteVersionStore::recover_interrupted(
    const std::string& host, Millis now,
    const std::function<bool(std::int64_t, std::int64_t)>& alive,
    const std::function<void(const BuildRecord&)>& orphan) {
    auto s = statement("SELECT id, pid, pid_start FROM runs WHERE status = 'running' AND host = ?");
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, host);
    std::vector<std::string> dead;
    auto listed = for_each_row(**s, [&](Statement& st) {
        if (!alive(st.int64(1), st.int64(2))) dead.push_back(st.text(0));
    });
    if (!listed) return std::unexpected(listed.error());
    if (dead.empty()) return std::size_t{0};
    for (const auto& id : dead) {
        static const std::string sql =
            std::string("SELECT ") + k_build_columns +
            " FROM builds WHERE run_id = ? AND status IN ('queued', 'running') AND pgid > 0 AND "
            "remote_id = ''";
        auto left = query_builds(sql.c_str(), id, 0);
        if (!left) return std::unexpected(left.error());
        for (const auto& b : *left) orphan(b);
    }
    auto ok = detail::in_transaction(m_db, [&]() -> common::Result<void> {
        for (const auto& id : dead) {
            if (auto done = interrupt_run(id, now); !done) return done;
        }
        return {};
    });
    if (!ok) return std::unexpected(ok.error());
    return dead.size();
}

// Running builds are few and in the builds_run index, whose condition this query repeats.
common::Result<std::vector<BuildRecord>> SqliteVersionStore::orphaned_remote_builds() {
    // Through builds_run, which holds the queued and running builds alone: left to itself
    // the planner reads the whole table in id order to save the sort (every page of the
    // store's history, at the start of every build run).
    static const std::string sql =
        std::string("SELECT ") + k_build_columns +
        " FROM builds INDEXED BY builds_run WHERE status IN ('queued', 'running') AND "
        "remote_id != '' AND run_id NOT IN (SELECT id FROM runs WHERE status = 'running') "
        "ORDER BY id";
    return query_builds(sql.c_str(), "", 0);
}

}  // namespace versioning
