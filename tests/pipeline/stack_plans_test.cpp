// How an environment of several stacks and places stands after its newest deployment (pure):
// partially deployed when that deployment moved some stacks and not others, and each stack's
// state against it -- current, behind (moved elsewhere, not here) or failed.
#include <gtest/gtest.h>

#include "pipeline/stacks.hpp"

namespace {

versioning::DeploymentRecord d(std::int64_t id, const std::string& run, const std::string& stack,
                               const std::string& region, const std::string& status,
                               const std::string& scope = "") {
    versioning::DeploymentRecord r;
    r.id = id;
    r.env = "prod";
    r.run_id = run;
    r.stack = stack;
    r.region = region;
    r.status = status;
    r.scope = scope;
    return r;
}

// Newest first: run-1 deployed both stacks in both regions; run-2 was limited to eu-west-1
// and moved svc there.
const std::vector<versioning::DeploymentRecord> k_region_alone = {
    d(5, "run-2", "svc", "eu-west-1", "succeeded", "region eu-west-1"),
    d(4, "run-1", "svc", "eu-west-1", "succeeded"), d(3, "run-1", "net", "eu-west-1", "succeeded"),
    d(2, "run-1", "svc", "us-east-1", "succeeded"), d(1, "run-1", "net", "us-east-1", "succeeded")};

TEST(StackState, ARegionAloneLeavesTheSameStackElsewhereBehind) {
    EXPECT_TRUE(pipeline::partially_deployed(k_region_alone));
    EXPECT_EQ(pipeline::stack_state(k_region_alone, "svc", "eu-west-1", ""), "current");
    EXPECT_EQ(pipeline::stack_state(k_region_alone, "svc", "us-east-1", ""), "behind");
    // The network was not part of the change: nothing for it to catch up on.
    EXPECT_EQ(pipeline::stack_state(k_region_alone, "net", "us-east-1", ""), "current");
    EXPECT_EQ(pipeline::stack_state(k_region_alone, "net", "eu-west-1", ""), "current");
}

TEST(StackState, AFailedSecondWaveIsFailedThereAndBehindWhereItNeverRan) {
    std::vector<versioning::DeploymentRecord> rows = {
        d(8, "run-2", "net", "eu-west-1", "failed"), d(7, "run-2", "svc", "us-east-1", "succeeded"),
        d(6, "run-2", "net", "us-east-1", "succeeded")};
    rows.insert(rows.end(), k_region_alone.begin() + 1, k_region_alone.end());
    EXPECT_TRUE(pipeline::partially_deployed(rows));
    EXPECT_EQ(pipeline::stack_state(rows, "net", "eu-west-1", ""), "failed");
    EXPECT_EQ(pipeline::stack_state(rows, "svc", "eu-west-1", ""), "behind");  // skipped
    EXPECT_EQ(pipeline::stack_state(rows, "svc", "us-east-1", ""), "current");
}

TEST(StackState, AWholeDeploymentLeavesEveryStackCurrent) {
    const std::vector<versioning::DeploymentRecord> rows(k_region_alone.begin() + 1,
                                                         k_region_alone.end());
    EXPECT_FALSE(pipeline::partially_deployed(rows));
    for (const char* stack : {"net", "svc"}) {
        for (const char* region : {"us-east-1", "eu-west-1"})
            EXPECT_EQ(pipeline::stack_state(rows, stack, region, ""), "current");
    }
    EXPECT_EQ(pipeline::stack_state({}, "svc", "", ""), "current");
}

}  // namespace
