// The SQLite backend: the conformance suite on real files, plus what only a file-backed
// store has (migrations, refusing newer schemas, durability across opens, many processes).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "store_conformance.hpp"
#include "support/git_repo.hpp"
#include "versioning/sqlite_store.hpp"

namespace store_test {
namespace {

using versioning::BuildStatus;
using versioning::RunStatus;

std::vector<std::unique_ptr<support::TempDir>>& temp_dirs() {
    static std::vector<std::unique_ptr<support::TempDir>> dirs;
    return dirs;
}

std::unique_ptr<versioning::VersionStore> make_sqlite_store() {
    temp_dirs().push_back(std::make_unique<support::TempDir>());
    auto store = versioning::open_store("sqlite:state.db", temp_dirs().back()->path().string());
    EXPECT_TRUE(store) << store.error().message;
    return std::move(*store);
}

// Another connection to the file make_sqlite_store made last.
std::unique_ptr<versioning::VersionStore> open_sqlite_store_again() {
    auto store = versioning::open_store("sqlite:state.db", temp_dirs().back()->path().string());
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance,
                         ::testing::Values(Backend{"sqlite", &make_sqlite_store,
                                                   &open_sqlite_store_again}));

TEST(SqliteStore, CreatesItsFolderAndKeepsDataAcrossOpens) {
    support::TempDir dir;
    {
        auto store = versioning::open_store("sqlite:.slipway/state.db", dir.path().string());
        ASSERT_TRUE(store) << store.error().message;
        ASSERT_TRUE(
            (*store)->reserve_build({"api", "c", "h", "r", 1, ""}, [](auto) { return "img"; }));
    }
    EXPECT_TRUE(std::filesystem::exists(dir.path() / ".slipway" / "state.db"));
    auto again = versioning::open_store("sqlite:.slipway/state.db", dir.path().string());
    ASSERT_TRUE(again);
    EXPECT_EQ(*(*again)->peek_next_number("api"), 2);
}

TEST(SqliteStore, RefusesAStoreFromANewerSlipway) {
    support::TempDir dir;
    const auto path = (dir.path() / "state.db").string();
    ASSERT_TRUE(versioning::SqliteVersionStore::open(path));
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    auto store = versioning::SqliteVersionStore::open(path);
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, common::ErrorCode::external);
    EXPECT_NE(store.error().message.find("schema version 99, newer than this slipway knows"),
              std::string::npos)
        << store.error().message;
}

TEST(SqliteStore, UpgradesAnOlderStore) {
    // A version-0 file (an empty database, as a pre-store slipway would leave none) is
    // migrated to the current schema on open.
    support::TempDir dir;
    const auto path = (dir.path() / "state.db").string();
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(db, "CREATE TABLE unrelated (x)", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    auto store = versioning::SqliteVersionStore::open(path);
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ(*(*store)->peek_next_number("api"), 1);
    auto version = support::run("sqlite3 " + support::shell_quote(path) + " 'PRAGMA user_version'");
    EXPECT_EQ(version.out, std::to_string(versioning::SqliteVersionStore::schema_version()) + "\n");
}

// Schema 13 marks reused rows once, when they are written, and keeps build numbers unique
// among the others by that mark alone. A store written before it (schema 12, where the index
// depended on the status) is upgraded with its reused rows marked.
TEST(SqliteStore, UpgradingMarksTheReusedBuildsAStoreAlreadyHolds) {
    support::TempDir dir;
    const auto path = (dir.path() / "state.db").string();
    {
        auto store = versioning::SqliteVersionStore::open(path);
        ASSERT_TRUE(store) << store.error().message;
        auto image = [](auto n) { return "repo:api-" + std::to_string(n); };
        ASSERT_TRUE((*store)->reserve_build({"api", "c1", "h", "run-1", 1000, ""}, image));
        ASSERT_TRUE((*store)->finish_build("api", 1, {BuildStatus::succeeded, 0, 2000}));
        versioning::BuildRecord reused{"api", 1,    "c2", "h", "repo:api-1", BuildStatus::reused,
                                       {},    3000, 3000, "",  "run-2"};
        ASSERT_TRUE((*store)->record_build(reused));
    }
    auto sql = [&](const std::string& statements) {
        return support::run("sqlite3 " + support::shell_quote(path) + " " +
                            support::shell_quote(statements));
    };
    // Back to schema 12 as slipway wrote it: no mark, the index on the status.
    ASSERT_EQ(sql("DROP INDEX builds_number; ALTER TABLE builds DROP COLUMN reused; "
                  "CREATE UNIQUE INDEX builds_number ON builds(component, build_number) "
                  "WHERE status != 'reused'; PRAGMA user_version = 12;")
                  .status,
              0);

    auto store = versioning::SqliteVersionStore::open(path);
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ(sql("SELECT status, reused FROM builds ORDER BY id").out, "succeeded|0\nreused|1\n");
    EXPECT_EQ(*(*store)->peek_next_number("api"), 2);
    auto image = [](auto n) { return "repo:api-" + std::to_string(n); };
    auto second = (*store)->reserve_build({"api", "c3", "h", "run-3", 4000, ""}, image);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->build_number, 2);
    ASSERT_TRUE((*store)->finish_build("api", 2, {BuildStatus::failed, 1, 5000}));
    auto history = *(*store)->builds_of("api", 10);
    ASSERT_EQ(history.size(), 3u);
    EXPECT_EQ(history[0].status, BuildStatus::failed);
    EXPECT_EQ(history[1].status, BuildStatus::reused);  // the end of #2 left #1's reuse alone
    EXPECT_EQ(history[2].status, BuildStatus::succeeded);
    // A second row claiming a number that is not a reuse is refused, as before.
    EXPECT_NE(sql("INSERT INTO builds (component, build_number, commit_id, input_hash, "
                  "image_uri, status, started_at, log_path, run_id) VALUES ('api', 1, 'c', 'h', "
                  "'i', 'succeeded', 1, '', 'r')")
                  .status,
              0);
}

// A build reserved here is ended through its row; the row must still be that component's
// build of that number, so a stale row changes nothing.
TEST(SqliteStore, ABuildEndedByItsRowIsThatBuildOnly) {
    auto store = make_sqlite_store();
    auto image = [](auto n) { return "repo:x-" + std::to_string(n); };
    auto api = store->reserve_build({"api", "c", "h", "run", 1000, ""}, image);
    auto web = store->reserve_build({"web", "c", "h", "run", 1000, ""}, image);
    ASSERT_TRUE(api && web);
    versioning::BuildEnd end{BuildStatus::succeeded, 0, 2000};
    end.row = web->row;  // not api's
    ASSERT_TRUE(store->finish_build("api", 1, end));
    EXPECT_EQ((*store->builds_of("api", 1))[0].status, BuildStatus::queued);
    EXPECT_EQ((*store->builds_of("web", 1))[0].status, BuildStatus::queued);
    end.row = api->row;
    ASSERT_TRUE(store->finish_build("api", 1, end));
    EXPECT_EQ((*store->builds_of("api", 1))[0].status, BuildStatus::succeeded);
    EXPECT_EQ((*store->builds_of("web", 1))[0].status, BuildStatus::queued);
}

// A failing batch leaves nothing behind: no build end, no number taken.
TEST(SqliteStore, AFailedBatchWritesNothing) {
    auto store = make_sqlite_store();
    auto image = [](auto n) { return "repo:api-" + std::to_string(n); };
    ASSERT_TRUE(store->reserve_build({"api", "c", "h", "run", 1000, ""}, image));
    auto failed = store->batch([&]() -> common::Result<void> {
        EXPECT_TRUE(store->finish_build("api", 1, {versioning::BuildStatus::succeeded, 0, 2000}));
        EXPECT_TRUE(store->reserve_build({"api", "c", "h", "run", 2100, ""}, image));
        return common::fail(common::ErrorCode::external, "the next build could not start");
    });
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().message, "the next build could not start");
    auto history = *store->builds_of("api", 10);
    ASSERT_EQ(history.size(), 1u);
    EXPECT_EQ(history[0].status, versioning::BuildStatus::queued);
    EXPECT_EQ(*store->peek_next_number("api"), 2);
}

// The read system calls this process made so far (pread64 included): SQLite reads the store
// a page at a time, so this counts the pages a query read that its cache did not hold.
std::int64_t read_calls() {
    std::ifstream io("/proc/self/io");
    std::string key;
    std::int64_t value = 0;
    while (io >> key >> value) {
        if (key == "syscr:") return value;
    }
    return -1;
}

// What every build run asks the store before its first build (an interrupted run's remote
// builds to await, each component's last build for scheduling) reads pages in proportion to
// what it finds, not to the store's history: a team's store holds years of builds.
TEST(SqliteStore, WhatABuildRunAsksFirstReadsNotTheWholeHistory) {
    auto store = make_sqlite_store();
    versioning::RunRecord dead{"run-dead", "cli", "main", "HEAD", "", RunStatus::running,
                               100,        {},    "host", 111,    1};
    ASSERT_TRUE(store->begin_run(dead));
    ASSERT_TRUE(store->batch([&]() -> common::Result<void> {
        for (int i = 0; i < 20000; ++i) {
            const std::string component = "component-" + std::to_string(i % 20);
            const std::int64_t n = i / 20 + 1;
            versioning::BuildRecord b{component,
                                      n,
                                      std::string(40, 'c'),
                                      std::string(64, 'h'),
                                      "repo:" + component + "-" + std::to_string(n),
                                      BuildStatus::succeeded,
                                      0,
                                      1000 + i,
                                      2000 + i,
                                      "logs/run/" + component + ".log",
                                      "run-old"};
            if (auto ok = store->record_build(b); !ok) return ok;
        }
        return {};
    }));
    auto image = [](auto n) { return "repo:api-" + std::to_string(n); };
    ASSERT_TRUE(store->reserve_build({"api", "c", "h", "run-dead", 5000, ""}, image));
    ASSERT_TRUE(store->start_build("api", 1, 5100, {0, 0, "arn:aws:codebuild:build/p:1"}));
    ASSERT_TRUE(store->finish_run("run-dead", RunStatus::failed, 6000, ""));
    store.reset();

    auto fresh = open_sqlite_store_again();  // a new process's connection: nothing cached
    ASSERT_TRUE(fresh);
    const std::int64_t before = read_calls();
    auto orphans = fresh->orphaned_remote_builds();
    const std::int64_t orphan_reads = read_calls() - before;
    ASSERT_TRUE(orphans) << orphans.error().message;
    ASSERT_EQ(orphans->size(), 1u);
    EXPECT_EQ((*orphans)[0].component, "api");
    EXPECT_LT(orphan_reads, 50) << "the store has ~20,000 builds; a scan reads every page";

    const std::int64_t latest_before = read_calls();
    auto latest = fresh->latest_builds();
    const std::int64_t latest_reads = read_calls() - latest_before;
    ASSERT_TRUE(latest);
    EXPECT_EQ(latest->size(), 21u);
    EXPECT_LT(latest_reads, 150);
}

TEST(SqliteStore, UnknownStoreKinds) {
    auto store = versioning::open_store("postgres://x", "/tmp");
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, common::ErrorCode::input);
    EXPECT_NE(store.error().message.find("unknown kind 'postgres'"), std::string::npos);
}

// 8 processes reserve 200 numbers each for one component on one store file: every number
// from 1 to 1600 must be handed out exactly once.
TEST(SqliteStore, EightProcessesNeverShareANumber) {
    support::TempDir dir;
    const std::string url = "sqlite:" + (dir.path() / "state.db").string();
    ASSERT_TRUE(versioning::open_store(url, "/"));  // create the schema once
    std::string command;
    for (int p = 0; p < 8; ++p) {
        command += support::shell_quote(STORE_RESERVER) + " " + support::shell_quote(url) +
                   " shared 200 > " +
                   support::shell_quote((dir.path() / ("out" + std::to_string(p))).string()) +
                   " & ";
    }
    auto r = support::run(command + "wait");
    ASSERT_EQ(r.status, 0) << r.err;
    const auto numbers = collect_numbers(dir.path(), 8, 200);
    ASSERT_EQ(numbers.size(), 1600u);
    for (long i = 0; i < 1600; ++i) ASSERT_EQ(numbers[static_cast<std::size_t>(i)], i + 1);
    auto store = versioning::open_store(url, "/");
    EXPECT_EQ(*(*store)->peek_next_number("shared"), 1601);
    EXPECT_EQ((*store)->builds_of("shared", 5000)->size(), 1600u);
}

// 8 processes open a store that does not exist yet and reserve 25 numbers each: creating
// and migrating the schema is one transaction that re-reads the version inside it, so no
// process sees a half-made schema ("table runs already exists", "duplicate column") and
// every one succeeds.
TEST(SqliteStore, EightProcessesCreateAFreshStoreTogether) {
    support::TempDir dir;
    const std::string url = "sqlite:" + (dir.path() / "fresh" / "state.db").string();
    std::string command;
    for (int p = 0; p < 8; ++p) {
        const auto out = (dir.path() / ("out" + std::to_string(p))).string();
        command += "( " + support::shell_quote(STORE_RESERVER) + " " + support::shell_quote(url) +
                   " shared 25 > " + support::shell_quote(out) + " || echo \"process " +
                   std::to_string(p) + " failed\" >&2 ) & ";
    }
    auto r = support::run(command + "wait");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    const auto numbers = collect_numbers(dir.path(), 8, 25);
    ASSERT_EQ(numbers.size(), 200u);
    for (long i = 0; i < 200; ++i) ASSERT_EQ(numbers[static_cast<std::size_t>(i)], i + 1);
}

// Four replicas of the service enqueue and claim on one store file at once: the same check
// as DynamoDB's (its transactions are the reference the DynamoDB queue must match).
TEST(SqliteStore, ReplicasShareTheQueueSafely) {
    support::TempDir dir;
    const std::string url = "sqlite:" + (dir.path() / "state.db").string();
    auto store = versioning::open_store(url, "/");
    ASSERT_TRUE(store);
    run_queue_replicas("", url, **store, 4, 30);
}

// A negative schema version is as foreign as a newer one: refused, never indexed.
TEST(SqliteStore, RefusesANegativeSchemaVersion) {
    support::TempDir dir;
    const auto path = (dir.path() / "state.db").string();
    ASSERT_TRUE(versioning::SqliteVersionStore::open(path));
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(db, "PRAGMA user_version = -1", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    auto store = versioning::SqliteVersionStore::open(path);
    ASSERT_FALSE(store);
    EXPECT_NE(store.error().message.find(path + " has schema version -1"), std::string::npos)
        << store.error().message;
}

// Every SQLite error names the store file: a file that is not a database, a read-only one.
TEST(SqliteStore, ErrorsNameTheStoreFile) {
    support::TempDir dir;
    const auto path = (dir.path() / "state.db").string();
    std::ofstream(path) << std::string(4096, 'x');
    auto garbage = versioning::SqliteVersionStore::open(path);
    ASSERT_FALSE(garbage);
    EXPECT_NE(garbage.error().message.find(path), std::string::npos) << garbage.error().message;
    EXPECT_EQ(garbage.error().code, common::ErrorCode::external);

    const auto good = (dir.path() / "good.db").string();
    ASSERT_TRUE(versioning::SqliteVersionStore::open(good));
    auto store = versioning::SqliteVersionStore::open(good);
    ASSERT_TRUE(store);
    sqlite3* db = nullptr;
    sqlite3_open(good.c_str(), &db);
    sqlite3_exec(db, "DROP TABLE build_counters", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    auto reserved =
        (*store)->reserve_build({"api", "c", "h", "r", 1, ""}, [](auto) { return "i"; });
    ASSERT_FALSE(reserved);
    EXPECT_NE(reserved.error().message.find(good), std::string::npos) << reserved.error().message;
}

}  // namespace
}  // namespace store_test
