#pragma once
// The version store conformance suite: what every backend must do, written against the
// VersionStore interface only. A backend's test file instantiates it with a factory:
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance, ::testing::Values(&make_sqlite_store));
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>

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

// The service's calls (pages, deliveries, jobs) on a backend that has not got them yet: the
// test is skipped, saying so.
#define SKIP_WITHOUT_SERVICE_CALLS()                                                         \
    if (auto probe = store->deliveries(1);                                                   \
        !probe && probe.error().message.find("not supported") != std::string::npos)          \
    GTEST_SKIP() << probe.error().message

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

}  // namespace store_test
