#pragma once
// The version store conformance suite: what every backend must do, written against the
// VersionStore interface only. A backend's test file instantiates it with a factory:
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance, ::testing::Values(&make_sqlite_store));
#include <gtest/gtest.h>

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

}  // namespace store_test
