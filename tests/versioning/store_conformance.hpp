#pragma once
// The version store conformance suite: what every backend must do, written against the
// VersionStore interface only. A backend's test file instantiates it with a factory:
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance, ::testing::Values(&make_sqlite_store));
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "support/git_repo.hpp"
#include "versioning/version_store.hpp"

namespace store_test {

/// Makes a store; nullptr when the backend cannot run here (tests skip).
using Factory = std::unique_ptr<versioning::VersionStore> (*)();

/// A backend under test: `make` makes a fresh, empty store; `again` opens another handle on
/// the store `make` made last (another connection or client: what a second process sees).
struct Backend {
    const char* name;
    Factory make;
    Factory again;
};

inline void PrintTo(const Backend& b, std::ostream* out) {
    *out << b.name;
}

class StoreConformance : public ::testing::TestWithParam<Backend> {
  protected:
    void SetUp() override {
        store = GetParam().make();
        if (!store) GTEST_SKIP() << "this backend is not available here";
    }

    /// Another handle on `store` (a second replica's).
    std::unique_ptr<versioning::VersionStore> another() { return GetParam().again(); }

    versioning::BuildRecord reserve(const std::string& component, const std::string& hash = "h",
                                    const std::string& run = "run-1",
                                    versioning::Millis at = 1000) {
        auto b = store->reserve_build(
            {component, "c0ffee", hash, run, at, "/logs/" + component + ".log"},
            [&](std::int64_t n) { return "repo:" + component + "-" + std::to_string(n); });
        EXPECT_TRUE(b) << b.error().message;
        return b ? *b : versioning::BuildRecord{};
    }

    std::unique_ptr<versioning::VersionStore> store;
};

/// The numbers that `processes` reserver processes printed into out0, out1, ... under
/// `dir`, sorted; a process that printed other than `each` numbers fails the test.
inline std::vector<long> collect_numbers(const std::filesystem::path& dir, int processes,
                                         long each) {
    std::vector<long> numbers;
    for (int p = 0; p < processes; ++p) {
        std::ifstream in(dir / ("out" + std::to_string(p)));
        long count = 0;
        for (long n = 0; in >> n; ++count) numbers.push_back(n);
        EXPECT_EQ(count, each) << "process " << p;
    }
    std::sort(numbers.begin(), numbers.end());
    return numbers;
}

/// What the store_queuer processes printed, gathered.
struct QueuerOutput {
    std::map<std::int64_t, std::string> enqueued;  // job id -> status it was stored with
    std::map<std::int64_t, int> claimed;           // job id -> times claimed
    std::map<std::int64_t, int> taken_back;        // job id -> times returned in `interrupted`
    std::map<std::string, int> delivered;          // delivery id -> processes that stored it
    int overlaps = 0;                              // two jobs of an environment held at once
};

/// Reads out0, out1, ... under `dir` (see store_queuer.cpp for the lines).
inline QueuerOutput read_queuer_output(const std::filesystem::path& dir, int processes) {
    QueuerOutput out;
    for (int p = 0; p < processes; ++p) {
        std::ifstream in(dir / ("out" + std::to_string(p)));
        for (std::string line; std::getline(in, line);) {
            std::istringstream words(line);
            std::string event, word;
            std::int64_t id = 0;
            int stored = 0;
            words >> event;
            if (event == "overlap") ++out.overlaps;
            if (event == "enqueued" && (words >> id >> word >> word)) {
                EXPECT_TRUE(out.enqueued.emplace(id, word).second) << "id handed out twice: " << id;
            }
            if (event == "claimed" && (words >> id)) ++out.claimed[id];
            if (event == "interrupted" && (words >> id)) ++out.taken_back[id];
            if (event == "delivered" && (words >> word >> stored)) out.delivered[word] += stored;
        }
    }
    return out;
}

/// Jobs of environments e0..e<envs-1> claimed by a replica that then died (its claim expires
/// at once): the ones the replicas must take back, each once.
inline std::vector<std::int64_t> abandon_jobs(versioning::VersionStore& store, int envs) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    std::vector<std::int64_t> ids;
    for (int e = 0; e < envs; ++e) {
        versioning::JobRecord j;
        j.env = "e" + std::to_string(e);
        j.head = "dead-" + std::to_string(e);
        j.created_at = now;
        ids.push_back(store.enqueue_job(j)->id);
    }
    std::vector<versioning::JobRecord> none;
    for (int e = 0; e < envs; ++e) EXPECT_TRUE(*store.claim_job("dead-replica", now, 1, none));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return ids;
}

/// Runs `processes` store_queuer processes (`rounds` rounds each, 3 environments) on the
/// store at `url` (`env_vars`: a prefix of VAR=value words for them), after a dead replica
/// left one job of each environment claimed, and checks what they printed and what `store`
/// holds afterwards: every delivery stored by one process, every job id handed out once,
/// each dead replica's job taken back once, no job claimed twice, never two jobs of one
/// environment held at once, every claimed job finished, nothing left running and at most
/// one job waiting per environment.
inline void run_queue_replicas(const std::string& env_vars, const std::string& url,
                               versioning::VersionStore& store, int processes, int rounds) {
    const auto dead = abandon_jobs(store, 3);
    support::TempDir dir;
    std::filesystem::create_directory(dir.path() / "marks");
    std::string command;
    for (int p = 0; p < processes; ++p) {
        command += env_vars + support::shell_quote(STORE_QUEUER) + " " + support::shell_quote(url) +
                   " " + std::to_string(p) + " " + std::to_string(rounds) + " 3 " +
                   support::shell_quote((dir.path() / "marks").string()) + " > " +
                   support::shell_quote((dir.path() / ("out" + std::to_string(p))).string()) +
                   " & ";
    }
    auto r = support::run(command + "wait");
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_EQ(r.err, "");
    const QueuerOutput out = read_queuer_output(dir.path(), processes);
    EXPECT_EQ(out.overlaps, 0);
    ASSERT_EQ(out.delivered.size(), static_cast<std::size_t>(rounds));
    for (auto [id, times] : out.delivered) EXPECT_EQ(times, 1) << "delivery " << id;
    EXPECT_EQ(store.deliveries(10000)->size(), static_cast<std::size_t>(rounds));
    ASSERT_EQ(out.taken_back.size(), dead.size());
    for (auto id : dead) EXPECT_EQ(out.taken_back.at(id), 1) << "job #" << id;
    ASSERT_EQ(out.enqueued.size(), static_cast<std::size_t>(processes * rounds));
    EXPECT_EQ(out.enqueued.begin()->first, dead.back() + 1);
    EXPECT_EQ(out.enqueued.rbegin()->first, dead.back() + processes * rounds);
    for (auto [id, times] : out.claimed) {
        EXPECT_EQ(times, 1) << "job #" << id << " claimed " << times << " times";
        if (id > dead.back()) {
            EXPECT_EQ(out.enqueued.at(id), "pending") << "job #" << id;
        }
    }
    auto jobs = store.jobs("", 10000);
    ASSERT_TRUE(jobs) << jobs.error().message;
    ASSERT_EQ(jobs->size(), out.enqueued.size() + dead.size());
    std::map<std::string, int> waiting;
    for (const auto& j : *jobs) {
        EXPECT_NE(j.status, versioning::JobStatus::running) << "job #" << j.id;
        if (j.status == versioning::JobStatus::pending) ++waiting[j.env];
        EXPECT_EQ(j.status == versioning::JobStatus::succeeded, out.claimed.contains(j.id))
            << "job #" << j.id << " is " << to_string(j.status);
    }
    for (auto [env, n] : waiting) EXPECT_LE(n, 1) << env;
    EXPECT_FALSE(out.claimed.empty());
}

}  // namespace store_test
