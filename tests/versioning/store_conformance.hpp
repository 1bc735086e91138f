#pragma once
// The version store conformance suite: what every backend must do, written against the
// VersionStore interface only. A backend's test file instantiates it with a factory:
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance, ::testing::Values(&make_sqlite_store));
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "support/git_repo.hpp"
#include "versioning/version_store.hpp"

namespace store_test {

/// Makes a fresh, empty store; nullptr when the backend cannot run here (tests skip).
using Factory = std::unique_ptr<versioning::VersionStore> (*)();

class StoreConformance : public ::testing::TestWithParam<Factory> {
  protected:
    void SetUp() override {
        store = GetParam()();
        if (!store) GTEST_SKIP() << "this backend is not available here";
    }

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

/// Runs `processes` store_queuer processes (`rounds` rounds each, 3 environments) on the
/// store at `url` (`env_vars`: a prefix of VAR=value words for them) and checks what they
/// printed and what `store` holds afterwards: every job id handed out once, no job claimed
/// twice, never two jobs of one environment held at once, every claimed job finished,
/// nothing left running and at most one job waiting per environment.
inline void run_queue_replicas(const std::string& env_vars, const std::string& url,
                               versioning::VersionStore& store, int processes, int rounds) {
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
    std::map<std::int64_t, std::string> enqueued;  // id -> status
    std::map<std::int64_t, int> claimed;
    for (int p = 0; p < processes; ++p) {
        std::ifstream in(dir.path() / ("out" + std::to_string(p)));
        for (std::string line; std::getline(in, line);) {
            std::istringstream words(line);
            std::string event, env, status;
            std::int64_t id = 0;
            words >> event;
            EXPECT_NE(event, "overlap") << "two jobs held at once: " << line;
            EXPECT_NE(event, "interrupted") << line;
            if (event == "enqueued" && (words >> id >> env >> status)) {
                EXPECT_TRUE(enqueued.emplace(id, status).second) << "id handed out twice: " << id;
            }
            if (event == "claimed" && (words >> id)) ++claimed[id];
        }
    }
    ASSERT_EQ(enqueued.size(), static_cast<std::size_t>(processes * rounds));
    EXPECT_EQ(enqueued.begin()->first, 1);
    EXPECT_EQ(enqueued.rbegin()->first, processes * rounds);
    for (auto [id, times] : claimed) {
        EXPECT_EQ(times, 1) << "job #" << id << " claimed " << times << " times";
        EXPECT_EQ(enqueued[id], "pending") << "job #" << id << " was claimed";
    }
    auto jobs = store.jobs("", 10000);
    ASSERT_TRUE(jobs) << jobs.error().message;
    ASSERT_EQ(jobs->size(), enqueued.size());
    std::map<std::string, int> waiting;
    for (const auto& j : *jobs) {
        EXPECT_NE(j.status, versioning::JobStatus::running) << "job #" << j.id;
        if (j.status == versioning::JobStatus::pending) ++waiting[j.env];
        EXPECT_EQ(j.status == versioning::JobStatus::succeeded, claimed.contains(j.id))
            << "job #" << j.id << " is " << to_string(j.status);
    }
    for (auto [env, n] : waiting) EXPECT_LE(n, 1) << env;
    EXPECT_FALSE(claimed.empty());
}

}  // namespace store_test
