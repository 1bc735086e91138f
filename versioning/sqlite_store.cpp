// The SQLite store. The schema is versioned with PRAGMA user_version: each entry of
// k_migrations moves it up by one inside a transaction, so a store written by an older
// slipway is upgraded on open and one written by a newer slipway is refused.
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

namespace versioning {

using detail::Statement;

namespace {

const char* const k_migrations[] = {
    // 1: the first schema.
    R"sql(
    CREATE TABLE runs (
        id TEXT PRIMARY KEY, trigger TEXT NOT NULL, base TEXT NOT NULL, head TEXT NOT NULL,
        env TEXT NOT NULL, status TEXT NOT NULL, started_at INTEGER NOT NULL, finished_at INTEGER,
        host TEXT NOT NULL, pid INTEGER NOT NULL, pid_start INTEGER NOT NULL);
    CREATE INDEX runs_running ON runs(host) WHERE status = 'running';
    CREATE TABLE build_counters (component TEXT PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE builds (
        id INTEGER PRIMARY KEY, component TEXT NOT NULL, build_number INTEGER,
        commit_id TEXT NOT NULL, input_hash TEXT NOT NULL, image_uri TEXT NOT NULL,
        status TEXT NOT NULL, exit_code INTEGER, started_at INTEGER NOT NULL, finished_at INTEGER,
        log_path TEXT NOT NULL, run_id TEXT NOT NULL);
    CREATE UNIQUE INDEX builds_number ON builds(component, build_number) WHERE status != 'reused';
    CREATE INDEX builds_history ON builds(component, id DESC);
    CREATE INDEX builds_reusable ON builds(component, input_hash, id DESC) WHERE status = 'succeeded';
    CREATE INDEX builds_run ON builds(run_id) WHERE status = 'running';
    CREATE TABLE diffs (commit_id TEXT NOT NULL, component TEXT NOT NULL, paths BLOB NOT NULL,
        PRIMARY KEY (commit_id, component)) WITHOUT ROWID;
    CREATE TABLE deployments (
        id INTEGER PRIMARY KEY, env TEXT NOT NULL, stack TEXT NOT NULL, commit_id TEXT NOT NULL,
        status TEXT NOT NULL, started_at INTEGER NOT NULL, finished_at INTEGER,
        change_set TEXT NOT NULL, run_id TEXT NOT NULL);
    CREATE INDEX deployments_current ON deployments(env, id DESC) WHERE status = 'succeeded';
    CREATE TABLE deployment_images (
        deployment_id INTEGER NOT NULL REFERENCES deployments(id), component TEXT NOT NULL,
        build_number INTEGER NOT NULL, image_uri TEXT NOT NULL, changed INTEGER NOT NULL,
        PRIMARY KEY (deployment_id, component)) WITHOUT ROWID;
    CREATE INDEX deployment_images_component ON deployment_images(component, deployment_id DESC);
    )sql",
    // 2: promotions and rollbacks, failure reasons, the deploy lock.
    R"sql(
    ALTER TABLE deployments ADD COLUMN kind TEXT NOT NULL DEFAULT 'deploy';
    ALTER TABLE deployments ADD COLUMN source TEXT NOT NULL DEFAULT '';
    ALTER TABLE deployments ADD COLUMN reason TEXT NOT NULL DEFAULT '';
    CREATE INDEX deployments_env ON deployments(env, id DESC);
    CREATE TABLE locks (name TEXT PRIMARY KEY, owner TEXT NOT NULL, acquired_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL) WITHOUT ROWID;
    )sql",
    // 3: `slipway run` records why it chose its base and a report of its phases.
    R"sql(
    ALTER TABLE runs ADD COLUMN base_reason TEXT NOT NULL DEFAULT '';
    ALTER TABLE runs ADD COLUMN report TEXT NOT NULL DEFAULT '';
    CREATE INDEX runs_env ON runs(env, started_at DESC);
    )sql",
    // 4: a reserved build is queued until it starts; recovery looks for both.
    R"sql(
    DROP INDEX builds_run;
    CREATE INDEX builds_run ON builds(run_id) WHERE status IN ('queued', 'running');
    )sql",
    // 5: deploy intent (pending deployments, their execution token, CodePipeline's), who
    // deployed, which parameter carried each image; every command is a run.
    R"sql(
    ALTER TABLE deployments ADD COLUMN client_token TEXT NOT NULL DEFAULT '';
    ALTER TABLE deployments ADD COLUMN actor TEXT NOT NULL DEFAULT '';
    ALTER TABLE deployments ADD COLUMN executed_by TEXT NOT NULL DEFAULT 'slipway';
    CREATE INDEX deployments_pending ON deployments(env, id) WHERE status = 'pending';
    ALTER TABLE deployment_images ADD COLUMN parameter TEXT NOT NULL DEFAULT '';
    ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'run';
    ALTER TABLE runs ADD COLUMN actor TEXT NOT NULL DEFAULT '';
    )sql",
    // 6: the service's deliveries and per-environment job queue; runs paged by start time.
    R"sql(
    CREATE TABLE deliveries (
        source TEXT NOT NULL, id TEXT NOT NULL, received_at INTEGER NOT NULL, event TEXT NOT NULL,
        ref TEXT NOT NULL, head TEXT NOT NULL, actor TEXT NOT NULL, result TEXT NOT NULL,
        reason TEXT NOT NULL, job_id INTEGER NOT NULL, PRIMARY KEY (source, id)) WITHOUT ROWID;
    CREATE INDEX deliveries_recent ON deliveries(received_at DESC);
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY, env TEXT NOT NULL, branch TEXT NOT NULL, head TEXT NOT NULL,
        trigger TEXT NOT NULL, actor TEXT NOT NULL, status TEXT NOT NULL,
        created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER,
        run_id TEXT NOT NULL, owner TEXT NOT NULL, lease_until INTEGER NOT NULL,
        reason TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX jobs_open ON jobs(env, id) WHERE status IN ('pending', 'running');
    CREATE INDEX jobs_env ON jobs(env, id DESC);
    CREATE INDEX runs_started ON runs(started_at DESC, id DESC);
    )sql",
};

constexpr const char* k_deployment_columns =
    "id, env, stack, commit_id, status, started_at, finished_at, change_set, run_id, kind, "
    "source, reason, client_token, actor, executed_by";

DeploymentRecord read_deployment(const Statement& s) {
    DeploymentRecord d{s.int64(0), s.text(1),           s.text(2), s.text(3), s.text(4),
                       s.int64(5), s.optional_int64(6), s.text(7), s.text(8), {}};
    d.kind = s.text(9);
    d.source = s.text(10);
    d.reason = s.text(11);
    d.client_token = s.text(12);
    d.actor = s.text(13);
    d.executed_by = s.text(14);
    return d;
}

constexpr int k_schema_version = static_cast<int>(std::size(k_migrations));

constexpr const char* k_run_select =
    "SELECT id, trigger, base, head, env, status, started_at, finished_at, host, pid, pid_start, "
    "base_reason, report, kind, actor FROM runs ";

constexpr const char* k_job_select =
    "SELECT id, env, branch, head, trigger, actor, status, created_at, started_at, finished_at, "
    "run_id, owner, lease_until, reason, attempts FROM jobs ";

JobRecord read_job(const Statement& s) {
    JobRecord j;
    j.id = s.int64(0);
    j.env = s.text(1);
    j.branch = s.text(2);
    j.head = s.text(3);
    j.trigger = s.text(4);
    j.actor = s.text(5);
    j.status = parse_job_status(s.text(6));
    j.created_at = s.int64(7);
    j.started_at = s.optional_int64(8);
    j.finished_at = s.optional_int64(9);
    j.run_id = s.text(10);
    j.owner = s.text(11);
    j.lease_until = s.int64(12);
    j.reason = s.text(13);
    j.attempts = static_cast<int>(s.int64(14));
    return j;
}

constexpr const char* k_build_columns =
    "component, build_number, commit_id, input_hash, image_uri, status, exit_code, started_at, "
    "finished_at, log_path, run_id, id";

BuildRecord read_build(const Statement& s) {
    BuildRecord b;
    b.component = s.text(0);
    b.build_number = s.optional_int64(1).value_or(0);
    b.commit = s.text(2);
    b.input_hash = s.text(3);
    b.image_uri = s.text(4);
    b.status = parse_build_status(s.text(5)).value_or(BuildStatus::running);
    if (auto code = s.optional_int64(6)) b.exit_code = static_cast<int>(*code);
    b.started_at = s.int64(7);
    b.finished_at = s.optional_int64(8);
    b.log_path = s.text(9);
    b.run_id = s.text(10);
    b.row = s.int64(11);
    return b;
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

// Calls `each` for every row the bound statement yields, then resets it.
template <typename F>
common::Result<void> for_each_row(Statement& s, F&& each) {
    for (;;) {
        auto row = s.step();
        if (!row) {
            s.reset();
            return std::unexpected(row.error());
        }
        if (!*row) break;
        each(s);
    }
    s.reset();
    return {};
}

common::Result<int> schema_version_of(detail::Database& db) {
    auto version_stmt = db.prepare("PRAGMA user_version");
    if (!version_stmt) return std::unexpected(version_stmt.error());
    auto row = version_stmt->step();
    if (!row) return std::unexpected(row.error());
    const auto version = version_stmt->int64(0);
    version_stmt->reset();
    if (version < 0 || version > k_schema_version) {
        return common::fail(common::ErrorCode::external,
                            "store " + db.path() + " has schema version " +
                                std::to_string(version) +
                                (version < 0 ? ", which no slipway writes"
                                             : ", newer than this slipway knows (" +
                                                   std::to_string(k_schema_version) +
                                                   "): upgrade slipway"));
    }
    return static_cast<int>(version);
}

// Creates or upgrades the schema. The version is read again inside the BEGIN IMMEDIATE
// transaction that applies the migrations, so of several processes opening a new or old
// store at once, the first migrates and the others, queued on the write lock, find the
// schema current.
common::Result<void> migrate(detail::Database& db) {
    auto version = schema_version_of(db);
    if (!version) return std::unexpected(version.error());
    if (*version == k_schema_version) return {};
    auto ok = detail::in_transaction(db, [&]() -> common::Result<void> {
        auto current = schema_version_of(db);
        if (!current) return std::unexpected(current.error());
        for (int v = *current; v < k_schema_version; ++v) {
            if (auto done = db.exec(k_migrations[v]); !done) return done;
        }
        return db.exec("PRAGMA user_version = " + std::to_string(k_schema_version));
    });
    if (!ok) return std::unexpected(ok.error().with_context("migrating the store"));
    return {};
}

}  // namespace

int SqliteVersionStore::schema_version() {
    return k_schema_version;
}

common::Result<std::unique_ptr<SqliteVersionStore>> SqliteVersionStore::open(
    const std::string& path) {
    std::error_code ec;
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    auto db = detail::Database::open(path);
    if (!db) return std::unexpected(db.error());
    if (auto ok = migrate(*db); !ok) return std::unexpected(ok.error());
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
        return b;
    });
}

common::Result<void> SqliteVersionStore::insert_build(const BuildRecord& b) {
    auto s = statement(
        "INSERT INTO builds (component, build_number, commit_id, input_hash, image_uri, status, "
        "exit_code, started_at, finished_at, log_path, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?)");
    if (!s) return std::unexpected(s.error());
    auto& st = **s;
    st.bind(1, b.component);
    b.build_number > 0 ? st.bind(2, b.build_number) : st.bind_null(2);
    st.bind(3, b.commit).bind(4, b.input_hash).bind(5, b.image_uri).bind(6, to_string(b.status));
    b.exit_code ? st.bind(7, static_cast<std::int64_t>(*b.exit_code)) : st.bind_null(7);
    st.bind(8, b.started_at).bind(9, b.finished_at).bind(10, b.log_path).bind(11, b.run_id);
    return st.run();
}

common::Result<void> SqliteVersionStore::finish_build(const std::string& component,
                                                      std::int64_t build_number,
                                                      const BuildEnd& end) {
    auto s = statement(
        "UPDATE builds SET status = ?1, exit_code = ?2, finished_at = ?3, "
        "started_at = iif(?4 > 0, ?4, started_at) "
        "WHERE component = ?5 AND build_number = ?6 AND status != 'reused'");
    if (!s) return std::unexpected(s.error());
    auto& st = **s;
    st.bind(1, to_string(end.status));
    end.exit_code ? st.bind(2, static_cast<std::int64_t>(*end.exit_code)) : st.bind_null(2);
    st.bind(3, end.finished_at).bind(4, end.started_at).bind(5, component).bind(6, build_number);
    return st.run();
}

common::Result<void> SqliteVersionStore::start_build(const std::string& component,
                                                     std::int64_t build_number, Millis at) {
    auto s = statement(
        "UPDATE builds SET status = 'running', started_at = ? "
        "WHERE component = ? AND build_number = ? AND status = 'queued'");
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, at).bind(2, component).bind(3, build_number);
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
    auto s = statement(
        "SELECT component, build_number, commit_id, input_hash, image_uri, status, exit_code, "
        "started_at, "
        "finished_at, log_path, run_id, id FROM builds WHERE component = ? AND input_hash = ? "
        "AND status = 'succeeded' ORDER BY id DESC LIMIT 1");
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
    return query_builds(
        "SELECT component, build_number, commit_id, input_hash, image_uri, status, exit_code, "
        "started_at, "
        "finished_at, log_path, run_id, id FROM builds WHERE component = ? ORDER BY id DESC LIMIT ?",
        component, static_cast<std::int64_t>(limit));
}

// The newest build of each component: a skip-scan of the builds_history index (one seek per
// component), so the cost grows with the components, not with the builds of all time.
common::Result<std::vector<BuildRecord>> SqliteVersionStore::latest_builds() {
    return query_builds(
        "WITH RECURSIVE names(name) AS (SELECT MIN(component) FROM builds UNION ALL "
        "SELECT (SELECT MIN(component) FROM builds WHERE component > name) FROM names "
        "WHERE name IS NOT NULL) "
        "SELECT component, build_number, commit_id, input_hash, image_uri, status, exit_code, "
        "started_at, finished_at, log_path, run_id, builds.id FROM names JOIN builds ON builds.id = "
        "(SELECT id FROM builds WHERE component = names.name ORDER BY id DESC LIMIT 1) "
        "ORDER BY component",
        "", 0);
}

common::Result<std::vector<std::string>> SqliteVersionStore::known_components() {
    auto s = statement(
        "SELECT component FROM build_counters UNION SELECT component FROM builds ORDER BY 1");
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
            "change_set, run_id, kind, source, reason, client_token, actor, executed_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        if (!s) return std::unexpected(s.error());
        (*s)->bind(1, d.env)
            .bind(2, d.stack)
            .bind(3, d.commit)
            .bind(4, d.status)
            .bind(5, d.started_at);
        (*s)->bind(6, d.finished_at).bind(7, d.change_set).bind(8, d.run_id);
        (*s)->bind(9, d.kind).bind(10, d.source).bind(11, d.reason);
        (*s)->bind(12, d.client_token).bind(13, d.actor).bind(14, d.executed_by);
        if (auto ok = (*s)->run(); !ok) return std::unexpected(ok.error());
        const std::int64_t id = sqlite3_last_insert_rowid(m_db.handle());
        auto img = statement(
            "INSERT INTO deployment_images (deployment_id, component, build_number, image_uri, "
            "changed, parameter) VALUES (?, ?, ?, ?, ?, ?)");
        if (!img) return std::unexpected(img.error());
        for (const auto& i : d.images) {
            (*img)->bind(1, id).bind(2, i.component).bind(3, i.build_number).bind(4, i.image_uri);
            (*img)->bind(5, static_cast<std::int64_t>(i.changed)).bind(6, i.parameter);
            if (auto ok = (*img)->run(); !ok) return std::unexpected(ok.error());
        }
        return id;
    });
}

common::Result<std::vector<ComponentDeployment>> SqliteVersionStore::deployments_of(
    const std::string& component, const std::string& env, std::size_t limit) {
    auto s = statement(
        "SELECT d.id, d.env, d.status, i.build_number, i.image_uri, i.changed, d.commit_id, "
        "d.finished_at, d.kind, d.actor, d.started_at "
        "FROM deployment_images i JOIN deployments d ON d.id = i.deployment_id "
        "WHERE i.component = ? AND (? = '' OR d.env = ?) ORDER BY i.deployment_id DESC LIMIT ?");
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, component).bind(2, env).bind(3, env).bind(4, static_cast<std::int64_t>(limit));
    std::vector<ComponentDeployment> out;
    auto ok = for_each_row(**s, [&](Statement& st) {
        out.push_back({st.int64(0), st.text(1), st.text(2), st.int64(3), st.text(4),
                       st.int64(5) != 0, st.text(6), st.optional_int64(7), st.text(8),
                       st.text(9), st.int64(10)});
    });
    if (!ok) return std::unexpected(ok.error());
    return out;
}

common::Result<std::vector<DeploymentImage>> SqliteVersionStore::images_of(
    std::int64_t deployment_id) {
    auto s = statement(
        "SELECT component, build_number, image_uri, changed, parameter FROM deployment_images "
        "WHERE deployment_id = ? ORDER BY component");
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, deployment_id);
    std::vector<DeploymentImage> out;
    auto ok = for_each_row(**s, [&](Statement& st) {
        out.push_back({st.text(0), st.int64(1), st.text(2), st.int64(3) != 0, st.text(4)});
    });
    if (!ok) return std::unexpected(ok.error());
    return out;
}

common::Result<std::vector<DeploymentRecord>> SqliteVersionStore::current_deployments(
    const std::string& env) {
    static const std::string sql = std::string("SELECT ") + k_deployment_columns +
                                   " FROM deployments WHERE id IN (SELECT MAX(id) FROM "
                                   "deployments WHERE status = 'succeeded' AND (?1 = '' OR env = "
                                   "?1) GROUP BY env) ORDER BY env";
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
            "status IN ('queued', 'running')");
        if (!builds) return std::unexpected(builds.error());
        (*builds)->bind(1, now).bind(2, run_id);
        return (*builds)->run();
    });
}

common::Result<std::size_t> SqliteVersionStore::recover_interrupted(
    const std::string& host, Millis now,
    const std::function<bool(std::int64_t, std::int64_t)>& alive) {
    auto s = statement("SELECT id, pid, pid_start FROM runs WHERE status = 'running' AND host = ?");
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, host);
    std::vector<std::string> dead;
    auto listed = for_each_row(**s, [&](Statement& st) {
        if (!alive(st.int64(1), st.int64(2))) dead.push_back(st.text(0));
    });
    if (!listed) return std::unexpected(listed.error());
    if (dead.empty()) return std::size_t{0};
    auto ok = detail::in_transaction(m_db, [&]() -> common::Result<void> {
        for (const auto& id : dead) {
            if (auto done = interrupt_run(id, now); !done) return done;
        }
        return {};
    });
    if (!ok) return std::unexpected(ok.error());
    return dead.size();
}

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
        "SELECT d.id, d.env, d.status, i.build_number, i.image_uri, i.changed, d.commit_id, "
        "d.finished_at, d.kind, d.actor, d.started_at "
        "FROM deployment_images i JOIN deployments d ON d.id = i.deployment_id "
        "WHERE i.component = ?1 AND (?2 = '' OR d.env = ?2) AND (?3 = 0 OR i.deployment_id < ?3) "
        "ORDER BY i.deployment_id DESC LIMIT ?4");
    if (!s) return std::unexpected(s.error());
    (*s)->bind(1, component).bind(2, env).bind(3, cursor_number(before));
    (*s)->bind(4, static_cast<std::int64_t>(limit + 1));
    std::vector<ComponentDeployment> out;
    auto ok = for_each_row(**s, [&](Statement& st) {
        out.push_back({st.int64(0), st.text(1), st.text(2), st.int64(3), st.text(4),
                       st.int64(5) != 0, st.text(6), st.optional_int64(7), st.text(8),
                       st.text(9), st.int64(10)});
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
    return paged(std::move(*runs), limit, [](const RunRecord& r) {
        return std::to_string(r.started_at) + "." + r.id;
    });
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
        "job_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, id) DO NOTHING");
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
// one is a duplicate (dropped) or replaces the waiting one (which is superseded).
common::Result<JobRecord> SqliteVersionStore::enqueue_job(const JobRecord& job) {
    return detail::in_transaction(m_db, [&]() -> common::Result<JobRecord> {
        static const std::string open_sql =
            std::string(k_job_select) +
            "WHERE env = ? AND status IN ('pending', 'running') ORDER BY id";
        auto open = select_jobs(open_sql.c_str(), [&](Statement& st) { st.bind(1, job.env); });
        if (!open) return std::unexpected(open.error());
        JobRecord stored = job;
        stored.status = JobStatus::pending;
        for (const auto& j : *open) {
            if (j.head != job.head) continue;
            stored.status = JobStatus::dropped;
            stored.finished_at = job.created_at;
            stored.reason = "the same commit is already " +
                            std::string(j.status == JobStatus::running ? "running" : "waiting") +
                            " as job #" + std::to_string(j.id);
        }
        auto insert = statement(
            "INSERT INTO jobs (env, branch, head, trigger, actor, status, created_at, finished_at, "
            "run_id, owner, lease_until, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '', 0, ?)");
        if (!insert) return std::unexpected(insert.error());
        auto& in = **insert;
        in.bind(1, stored.env).bind(2, stored.branch).bind(3, stored.head).bind(4, stored.trigger);
        in.bind(5, stored.actor).bind(6, to_string(stored.status)).bind(7, stored.created_at);
        in.bind(8, stored.finished_at).bind(9, stored.reason);
        if (auto ok = in.run(); !ok) return std::unexpected(ok.error());
        stored.id = sqlite3_last_insert_rowid(m_db.handle());
        if (stored.status == JobStatus::dropped) return stored;
        auto supersede = statement(
            "UPDATE jobs SET status = 'superseded', finished_at = ?, reason = ? "
            "WHERE env = ? AND status = 'pending' AND id != ?");
        if (!supersede) return std::unexpected(supersede.error());
        (*supersede)->bind(1, stored.created_at);
        (*supersede)->bind(2, "superseded by job #" + std::to_string(stored.id) + " (a newer head)");
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

}  // namespace versioning
