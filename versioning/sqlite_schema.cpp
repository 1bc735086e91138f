// The SQLite store's schema. It is versioned with PRAGMA user_version: each entry of
// k_migrations moves it up by one inside a transaction, so a store written by an older
// slipway is upgraded on open and one written by a newer slipway is refused.
#include "versioning/sqlite_schema.hpp"

#include <iterator>

namespace versioning::detail {

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
    // 7: where a started build runs (its process group, or its remote build), so recovery can
    // stop what a killed run left running and a new run can await its remote builds; the
    // digest of the image a build pushed, when it says.
    R"sql(
    ALTER TABLE builds ADD COLUMN pgid INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE builds ADD COLUMN pgid_start INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE builds ADD COLUMN remote_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE builds ADD COLUMN image_digest TEXT NOT NULL DEFAULT '';
    )sql",
    // 8: a build of an untrusted run (a pull request's) is never reused by another run.
    R"sql(
    ALTER TABLE builds ADD COLUMN shareable INTEGER NOT NULL DEFAULT 1;
    )sql",
    // 9: environments of several stacks, regions and accounts: each deployment is of one
    // (stack, region, account), and an environment's current state is the latest succeeded
    // deployment of each; `scope` says what part of the environment its run deployed.
    R"sql(
    ALTER TABLE deployments ADD COLUMN region TEXT NOT NULL DEFAULT '';
    ALTER TABLE deployments ADD COLUMN account TEXT NOT NULL DEFAULT '';
    ALTER TABLE deployments ADD COLUMN scope TEXT NOT NULL DEFAULT '';
    DROP INDEX deployments_current;
    CREATE INDEX deployments_current ON deployments(env, stack, region, account, id DESC)
        WHERE status = 'succeeded';
    )sql",
    // 10: promotion requests (held by gates, with their decisions), the last drift check of
    // each environment, jobs that deploy a request, and why a deployment was made (a
    // rollback's reason, the request a promotion shipped).
    R"sql(
    CREATE TABLE requests (id INTEGER PRIMARY KEY, env TEXT NOT NULL, status TEXT NOT NULL,
        doc TEXT NOT NULL);
    CREATE INDEX requests_env ON requests(env, id DESC);
    CREATE TABLE drift (env TEXT PRIMARY KEY, checked_at INTEGER NOT NULL, doc TEXT NOT NULL)
        WITHOUT ROWID;
    ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'run';
    ALTER TABLE jobs ADD COLUMN request_id INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN note TEXT NOT NULL DEFAULT '';
    ALTER TABLE deployments ADD COLUMN note TEXT NOT NULL DEFAULT '';
    )sql",
    // 11: what a deployment really runs: each image's own commit (the commit it is current
    // for; a rollback or a hand-picked image no longer claims the deploying checkout), the
    // commit of the template, the template's hash and every parameter (reconciliation
    // compares them with the stack). Older rows knew only the deployment's commit.
    R"sql(
    ALTER TABLE deployment_images ADD COLUMN commit_id TEXT NOT NULL DEFAULT '';
    UPDATE deployment_images SET commit_id =
        (SELECT d.commit_id FROM deployments d WHERE d.id = deployment_images.deployment_id);
    ALTER TABLE deployments ADD COLUMN template_commit TEXT NOT NULL DEFAULT '';
    UPDATE deployments SET template_commit = commit_id;
    ALTER TABLE deployments ADD COLUMN template_hash TEXT NOT NULL DEFAULT '';
    ALTER TABLE deployments ADD COLUMN parameters TEXT NOT NULL DEFAULT '';
    )sql",
    // 12: newest in history: the heads a queued job replaced before their order was known.
    R"sql(
    ALTER TABLE jobs ADD COLUMN replaced TEXT NOT NULL DEFAULT '';
    )sql",
    // 13: whether a row records a reuse is fixed when it is written, and the index that keeps
    // build numbers unique depends on that alone: a build's start and end (status changes)
    // no longer delete and re-insert its entry there.
    R"sql(
    ALTER TABLE builds ADD COLUMN reused INTEGER NOT NULL DEFAULT 0;
    UPDATE builds SET reused = 1 WHERE status = 'reused';
    DROP INDEX builds_number;
    CREATE UNIQUE INDEX builds_number ON builds(component, build_number) WHERE reused = 0;
    )sql",
};

constexpr int k_schema_version = static_cast<int>(std::size(k_migrations));

common::Result<int> schema_version_of(detail::Database& db) {
    auto version_stmt = db.prepare("PRAGMA user_version");
    if (!version_stmt) return std::unexpected(version_stmt.error());
    auto row = version_stmt->step();
    if (!row) return std::unexpected(row.error());
    const auto version = version_stmt->int64(0);
    version_stmt->reset();
    if (version < 0 || version > k_schema_version) {
        return common::fail(
            common::ErrorCode::external,
            "store " + db.path() + " has schema version " + std::to_string(version) +
                (version < 0 ? ", which no slipway writes"
                             : ", newer than this slipway knows (" +
                                   std::to_string(k_schema_version) + "): upgrade slipway"));
    }
    return static_cast<int>(version);
}

}  // namespace

int current_schema_version() {
    return k_schema_version;
}

common::Result<void> require_current_schema(detail::Database& db) {
    auto version = schema_version_of(db);
    if (!version) return std::unexpected(version.error());
    if (*version == k_schema_version) return {};
    return common::fail(common::ErrorCode::external,
                        "store " + db.path() + " has schema version " + std::to_string(*version) +
                            ", older than this slipway's (" + std::to_string(k_schema_version) +
                            "): any command that writes to it upgrades it");
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
    j.kind = s.text(15);
    j.request_id = s.int64(16);
    j.note = s.text(17);
    j.replaced = split_heads(s.text(18));
    return j;
}

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
    b.handle = {s.int64(12), s.int64(13), s.text(14)};
    b.image_digest = s.text(15);
    return b;
}

}  // namespace versioning::detail
